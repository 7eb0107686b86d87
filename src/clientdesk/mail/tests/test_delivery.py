import socket
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from clientdesk.mail import delivery
from clientdesk.mail.models import MailStatus, OutboundEmail

pytestmark = pytest.mark.django_db


def reload(email: OutboundEmail) -> OutboundEmail:
    email.refresh_from_db()
    return email


def claim(ids: list[int] | None = None) -> tuple[OutboundEmail, str]:
    claimed = delivery.claim(ids)
    assert claimed is not None
    return claimed


def kept_connection() -> Any:
    """The SMTP connection this thread's session keeps between runs."""
    backend = delivery.Session.kept().backend
    assert isinstance(backend, delivery.EmailBackend)
    assert backend.connection is not None
    return backend.connection


def make_due(*emails: OutboundEmail) -> None:
    OutboundEmail.objects.filter(pk__in=[e.pk for e in emails]).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


# --- What the SMTP server receives ------------------------------------------------------------


def test_the_server_receives_the_message_with_its_headers_parts_envelope_and_message_id(smtp_server, queue_email):
    email = queue_email(
        from_name="Ada Lovelace",
        from_email="ada@desk.example",
        to=["grace@client.example", "alan@client.example"],
        cc=["linus@client.example"],
        bcc=["audit@desk.example"],
        subject="Your invoice",
        text_body="Hello Grace,\n\nyour invoice is ready.",
        html_body="<p>Hello Grace,</p><p>your invoice is <strong>ready</strong>.</p>",
    )
    report = delivery.sweep()

    assert (report.sent, report.retried, report.failed, report.ids) == (1, 0, 0, [email.pk])
    [received] = smtp_server.received
    assert received.mail_from == "ada@desk.example"
    assert received.rcpt_tos == [
        "grace@client.example",
        "alan@client.example",
        "linus@client.example",
        "audit@desk.example",
    ]
    msg = received.message
    assert msg["From"] == "Ada Lovelace <ada@desk.example>"
    assert msg["To"] == "grace@client.example, alan@client.example"
    assert msg["Cc"] == "linus@client.example"
    assert "Bcc" not in msg
    assert b"audit@desk.example" not in received.raw
    assert msg["Subject"] == "Your invoice"
    assert msg["Message-ID"] == email.message_id
    assert msg["Date"].datetime == email.queued_at.replace(microsecond=0)
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content() == "Hello Grace,\r\n\r\nyour invoice is ready.\r\n"
    assert "<strong>ready</strong>" in html.get_content()


def test_a_text_only_email_goes_out_as_one_text_part(smtp_server, queue_email):
    queue_email(text_body="Only text.", html_body="")
    delivery.sweep()
    [msg] = smtp_server.messages()
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content() == "Only text.\r\n"


def test_names_and_subjects_beyond_ascii_and_idna_domains_arrive_intact(smtp_server, queue_email):
    email = queue_email(
        from_name="Zoë Ångström",
        to=["kunde@bücher.example"],
        subject="Ihre Rechnung — 12 €",
        text_body="Grüße",
    )
    delivery.sweep()
    [received] = smtp_server.received
    assert received.rcpt_tos == ["kunde@xn--bcher-kva.example"]
    assert received.message["From"] == "Zoë Ångström <desk@desk.example>"
    assert received.message["Subject"] == "Ihre Rechnung — 12 €"
    assert received.message.get_content() == "Grüße\r\n"
    assert reload(email).status == MailStatus.SENT


def test_an_address_that_cannot_be_sent_fails_at_once_with_the_reason(smtp_server, queue_email):
    email = queue_email(to=["josé@example.test"])  # a non-ASCII local part needs SMTPUTF8
    report = delivery.sweep()
    email = reload(email)
    assert (report.failed, email.status, email.attempts) == (1, MailStatus.FAILED, 1)
    assert email.last_error.startswith("The email cannot be built:")
    assert smtp_server.received == []


def test_a_run_sends_its_emails_over_one_connection(smtp_server, queue_email, opened):
    for _ in range(5):
        queue_email()
    assert delivery.sweep().sent == 5
    assert len(opened) == 1


@pytest.fixture
def opened(monkeypatch):
    """The SMTP connections opened, in order."""
    backends = []
    original = delivery.EmailBackend.open

    def counting_open(backend):
        backends.append(backend)
        return original(backend)

    monkeypatch.setattr(delivery.EmailBackend, "open", counting_open)
    return backends


def test_runs_one_after_the_other_reuse_the_connection_while_it_answers(smtp_server, queue_email, opened):
    queue_email()
    assert delivery.sweep().sent == 1
    assert delivery.sweep().ids == []  # a run with nothing to send
    queue_email()
    assert delivery.sweep().sent == 1
    assert len(opened) == 1  # one email per task does not mean one connection per email

    # The server dropped the idle connection: the next run notices (NOOP) and opens another.
    kept_connection().sock.shutdown(socket.SHUT_RDWR)
    email = queue_email()
    assert delivery.sweep().sent == 1
    assert (len(opened), reload(email).attempts, reload(email).status) == (2, 1, MailStatus.SENT)


def test_a_connection_idle_past_the_keepalive_is_replaced(smtp_server, queue_email, opened, monkeypatch):
    queue_email()
    delivery.sweep()
    first = kept_connection()
    monkeypatch.setattr(delivery, "KEEPALIVE", -1.0)
    queue_email()
    assert delivery.sweep().sent == 1
    assert len(opened) == 2
    assert first.sock is None  # closed
    assert len(smtp_server.received) == 2


def test_other_mailer_settings_replace_the_kept_connection(smtp_server, queue_email, settings, mailoutbox):
    queue_email()
    delivery.sweep()
    first = kept_connection()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    email = queue_email()
    assert delivery.sweep().sent == 1
    assert first.sock is None
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [email.message_id]


# --- The wire form and Django's builder say the same ---------------------------------------------

LONG_WORD = "Supercalifragilisticexpialidocious" * 6
SAME_MESSAGE_CASES = {
    "plain": {},
    "text only": {"html_body": ""},
    "beyond ascii": {
        "from_name": "Zoë Ångström-Łukasz",
        "subject": "Votre facture n° 12 — 30 € 🎉",
        "text_body": "Grüße aus Köln,\nça va? 日本語のテキスト\n",
        "html_body": "<p>Grüße — <b>日本語</b> 🎉</p>",
    },
    "idna domains": {"from_email": "desk@bücher.example", "to": ["kunde@bücher.example"], "cc": ["x@mañana.example"]},
    "long subject": {"subject": " ".join(["Your invoice for the month of November"] * 8)},
    "a word too long to fold": {"subject": f"Ref {LONG_WORD}"},
    "names to quote": {"from_name": 'Smith, "Bob" (billing)'},
    "many recipients": {"to": [f"person{n}@client.example" for n in range(25)], "cc": ["boss@client.example"]},
    "awkward bodies": {
        "text_body": "From the desk:\n.starts with a dot\n" + "x" * 2000 + "\ntrailing space \r\nend\r",
        "html_body": "<p>" + "y" * 1500 + "</p>\n<p>From here</p>",
    },
}


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize("fields", SAME_MESSAGE_CASES.values(), ids=SAME_MESSAGE_CASES.keys())
def test_the_wire_form_is_the_message_djangos_builder_makes(queue_email, fields):
    email = queue_email(
        **{"html_body": "<p>Hello <strong>there</strong></p>", "cc": ["cc@client.example"], "bcc": ["b@x.example"]}
        | fields
    )
    ours = parsed(delivery.wire(email))
    django = parsed(delivery.message(email).message(policy=policy.SMTP).as_bytes())
    for header in ("Subject", "From", "To", "Cc", "Date", "Message-ID", "Bcc"):
        assert str(ours[header]) == str(django[header]), header
    assert ours.get_content_type() == django.get_content_type()
    ours_parts = list(ours.iter_parts()) or [ours]
    django_parts = list(django.iter_parts()) or [django]
    assert [p.get_content_type() for p in ours_parts] == [p.get_content_type() for p in django_parts]
    for mine, theirs in zip(ours_parts, django_parts, strict=True):
        assert mine.get_content().replace("\r\n", "\n") == theirs.get_content().replace("\r\n", "\n")
    raw = delivery.wire(email)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF line ends only
    assert raw.isascii()


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Hello\r\nBcc: victim@example.test"},
        {"from_name": "Desk\nBcc: victim@example.test"},
        {"to": ["a@client.example\r\nBcc: victim@example.test"]},
        {"to": ["josé@client.example"]},
    ],
)
def test_the_wire_form_refuses_what_it_cannot_carry(queue_email, fields):
    with pytest.raises(ValueError, match=r"line break|Invalid address"):
        delivery.wire(queue_email(**fields))


# --- Status transitions -----------------------------------------------------------------------


def test_a_sent_email_is_marked_sent_with_its_time_and_its_lease_cleared(smtp_server, queue_email):
    email = queue_email()
    before = timezone.now()
    delivery.sweep()
    email = reload(email)
    assert (email.status, email.attempts, email.last_error, email.lease_expires_at) == (
        MailStatus.SENT,
        1,
        "",
        None,
    )
    assert email.sent_at is not None
    assert before <= email.sent_at <= timezone.now()


def test_a_4xx_reply_puts_the_email_back_with_the_backoff_and_the_error(smtp_server, queue_email, settings):
    settings.CLIENTDESK_MAIL_BACKOFF = 30
    smtp_server.reply = lambda raw: "451 4.3.0 Mailbox busy, try later"
    email = queue_email()

    before = timezone.now()
    report = delivery.sweep()
    email = reload(email)
    assert (report.retried, email.status, email.attempts) == (1, MailStatus.QUEUED, 1)
    assert email.last_error == "451 4.3.0 Mailbox busy, try later"
    assert before + timedelta(seconds=30) <= email.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert delivery.sweep().ids == []  # not due yet

    make_due(email)
    before = timezone.now()
    delivery.sweep()
    email = reload(email)
    assert (email.status, email.attempts) == (MailStatus.QUEUED, 2)
    assert before + timedelta(seconds=60) <= email.next_attempt_at <= timezone.now() + timedelta(seconds=60)


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.CLIENTDESK_MAIL_BACKOFF = 30
    settings.CLIENTDESK_MAIL_BACKOFF_MAX = 3600
    assert [delivery.backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_after_the_last_attempt_a_temporary_failure_fails_the_email_with_its_error(smtp_server, queue_email, settings):
    settings.CLIENTDESK_MAIL_MAX_ATTEMPTS = 3
    smtp_server.reply = lambda raw: "421 4.7.0 Too many connections"
    email = queue_email()
    for attempt in (1, 2):
        delivery.sweep()
        assert (reload(email).status, email.attempts) == (MailStatus.QUEUED, attempt)
        make_due(email)
    report = delivery.sweep()
    email = reload(email)
    assert (report.failed, email.status, email.attempts) == (1, MailStatus.FAILED, 3)
    assert email.last_error == "Gave up after 3 attempts: 421 4.7.0 Too many connections"
    make_due(email)
    assert delivery.sweep().ids == []


def test_a_5xx_reply_fails_the_email_at_once(smtp_server, queue_email):
    smtp_server.reply = lambda raw: "554 5.7.1 Message rejected as spam"
    email = queue_email()
    report = delivery.sweep()
    email = reload(email)
    assert (report.failed, email.status, email.attempts) == (1, MailStatus.FAILED, 1)
    assert email.last_error == "554 5.7.1 Message rejected as spam"
    assert email.sent_at is None


def test_recipients_refused_among_accepted_ones_are_noted_on_the_sent_email(smtp_server, queue_email):
    smtp_server.rcpt_reply = lambda address: "550 5.1.1 No such user" if address.startswith("gone@") else None
    email = queue_email(to=["grace@client.example"], cc=["gone@client.example"])
    delivery.sweep()
    email = reload(email)
    assert email.status == MailStatus.SENT
    assert email.last_error == "Some recipients were refused: gone@client.example: 550 5.1.1 No such user"
    [received] = smtp_server.received
    assert received.rcpt_tos == ["grace@client.example"]


def test_every_recipient_refused_for_good_fails_the_email(smtp_server, queue_email):
    smtp_server.rcpt_reply = lambda address: "550 5.1.1 No such user"
    email = queue_email(to=["a@client.example", "b@client.example"])
    delivery.sweep()
    email = reload(email)
    assert email.status == MailStatus.FAILED
    assert email.last_error == (
        "Every recipient was refused: a@client.example: 550 5.1.1 No such user; "
        "b@client.example: 550 5.1.1 No such user"
    )


def test_recipients_refused_for_now_put_the_email_back(smtp_server, queue_email):
    smtp_server.rcpt_reply = lambda address: "450 4.2.1 Mailbox busy"
    email = queue_email()
    delivery.sweep()
    email = reload(email)
    assert email.status == MailStatus.QUEUED
    assert email.last_error.startswith("Recipients refused for now:")


def test_an_unreachable_server_puts_back_the_first_email_and_leaves_the_others_untouched(settings, queue_email):
    from clientdesk.mail.tests.factories import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    first, second, third = queue_email(), queue_email(), queue_email()
    report = delivery.sweep()
    assert (report.retried, report.unreachable, report.ids) == (1, True, [first.pk])
    assert reload(first).status == MailStatus.QUEUED
    assert first.attempts == 1
    assert "ConnectionRefusedError" in first.last_error
    assert [(reload(e).status, e.attempts) for e in (second, third)] == [(MailStatus.QUEUED, 0)] * 2


def test_an_unforeseen_error_puts_the_email_back_instead_of_leaving_it_sending(smtp_server, queue_email, monkeypatch):
    def broken(session, email):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(delivery.Session, "send", broken)
    email = queue_email()
    delivery.sweep()
    email = reload(email)
    assert (email.status, email.last_error) == (MailStatus.QUEUED, "RuntimeError: something nobody expected")


def test_a_mailer_other_than_smtp_delivers_too(queue_email, mailoutbox):
    email = queue_email(to=["grace@client.example"], subject="Through the locmem mailer")
    assert delivery.sweep().sent == 1
    [sent] = mailoutbox
    assert (sent.subject, sent.to, sent.extra_headers["Message-ID"]) == (
        "Through the locmem mailer",
        ["grace@client.example"],
        email.message_id,
    )
    assert reload(email).status == MailStatus.SENT


# --- Leases -----------------------------------------------------------------------------------


def test_claiming_marks_the_email_sending_under_a_lease(queue_email, settings):
    settings.CLIENTDESK_MAIL_LEASE = 120
    email = queue_email()
    claimed, token = claim()
    email = reload(email)
    assert claimed.pk == email.pk
    assert email.lease_expires_at is not None
    assert (email.status, email.lease_token, email.attempts) == (MailStatus.SENDING, token, 1)
    assert timezone.now() + timedelta(seconds=115) < email.lease_expires_at <= timezone.now() + timedelta(seconds=120)
    assert delivery.claim() is None  # nobody else gets it


def test_claiming_takes_the_longest_due_first_and_only_due_ones(queue_email):
    later, first = queue_email(), queue_email()
    OutboundEmail.objects.filter(pk=first.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    OutboundEmail.objects.filter(pk=later.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    queue_email(status=MailStatus.FAILED)
    not_due = queue_email()
    OutboundEmail.objects.filter(pk=not_due.pk).update(next_attempt_at=timezone.now() + timedelta(minutes=1))
    assert [claim()[0].pk for _ in range(2)] == [first.pk, later.pk]
    assert delivery.claim() is None


def test_an_expired_lease_makes_the_email_unknown_and_it_is_not_sent_again(smtp_server, queue_email):
    email = queue_email()
    delivery.claim()
    OutboundEmail.objects.filter(pk=email.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    assert delivery.recover_expired() == 1
    email = reload(email)
    assert (email.status, email.last_error, email.lease_expires_at) == (
        MailStatus.UNKNOWN,
        delivery.UNKNOWN_ERROR,
        None,
    )
    assert delivery.sweep().ids == []
    assert smtp_server.received == []


def test_a_lease_not_yet_expired_is_left_alone(queue_email):
    email = queue_email()
    delivery.claim()
    assert delivery.recover_expired() == 0
    assert reload(email).status == MailStatus.SENDING


def test_a_worker_never_marks_an_email_whose_lease_another_worker_holds(smtp_server, queue_email):
    email = queue_email()
    claimed, stale_token = claim()
    # Its lease expired and another worker claimed the email again since.
    OutboundEmail.objects.filter(pk=email.pk).update(lease_token="another-workers-token")

    report = delivery.Report()
    delivery.deliver_one(delivery.Session(), claimed, stale_token, report)
    email = reload(email)
    assert (report.sent, report.lost_leases) == (0, 1)
    assert (email.status, email.lease_token, email.sent_at) == (MailStatus.SENDING, "another-workers-token", None)


def test_a_worker_that_outlived_its_lease_still_records_what_happened(smtp_server, queue_email):
    email = queue_email()
    claimed, token = claim()
    OutboundEmail.objects.filter(pk=email.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    delivery.recover_expired()

    report = delivery.Report()
    delivery.deliver_one(delivery.Session(), claimed, token, report)
    assert report.sent == 1
    assert (reload(email).status, email.last_error) == (MailStatus.SENT, "")


def test_deliver_sends_the_emails_asked_for_first_then_other_due_ones_up_to_the_limit(smtp_server, queue_email):
    older = [queue_email() for _ in range(3)]
    asked = queue_email()
    report = delivery.deliver([asked.pk], limit=2)
    assert report.ids == [asked.pk, older[0].pk]


def test_a_stopping_worker_finishes_the_email_it_is_sending_and_claims_no_other(smtp_server, queue_email):
    emails = [queue_email() for _ in range(3)]
    sent: list[int] = []

    def stop() -> bool:
        sent[:] = list(OutboundEmail.objects.filter(status=MailStatus.SENT).values_list("pk", flat=True))
        return bool(sent)

    report = delivery.sweep(stop=stop)
    assert report.ids == [emails[0].pk]
    assert [reload(e).status for e in emails] == [MailStatus.SENT, MailStatus.QUEUED, MailStatus.QUEUED]


def test_a_sweep_sends_every_due_email_batch_after_batch(smtp_server, queue_email, settings):
    settings.CLIENTDESK_MAIL_BATCH = 3
    for _ in range(8):
        queue_email()
    assert delivery.sweep().sent == 8
    assert len(smtp_server.received) == 8
