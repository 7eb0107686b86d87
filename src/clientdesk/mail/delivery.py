"""Delivering the outbox: claim a row, send it over SMTP, mark it. Safe with any number of workers.

**Claiming.** A worker takes one due `queued` row at a time and marks it `sending` with its own
lease token and a lease expiry, in one statement committed before anything is sent (`UPDATE … WHERE
id = (SELECT … LIMIT 1) RETURNING …`): on PostgreSQL the inner select is `FOR UPDATE SKIP LOCKED`
(other workers skip the row instead of waiting for it); on SQLite the UPDATE holds the database's
write lock from before it reads, one writer at a time, so two claims cannot both find the row queued.

**Marking.** Sent → `sent`. A temporary failure (4xx reply, dropped connection, timeout) → back to
`queued` with `next_attempt_at` after an exponential backoff, until the attempts run out → `failed`.
A permanent one (5xx) → `failed` at once. Every mark names the lease token, so a worker never marks a
row another worker holds.

**Crashes.** A worker that dies between claiming and marking leaves its row `sending`; once the lease
has expired, `recover_expired` marks it `unknown` ("it may have gone out"), shown as such in the Mail
Log and never sent again on its own (staff can resend it). A connection that drops after the message's
final dot but before the server's reply is the one case where a retried email may arrive twice; it
then carries the same Message-ID (and Date), so mail clients show one.
"""

import logging
import re
import smtplib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend
from django.db import connection
from django.utils import timezone

from clientdesk.mail.models import MailStatus, OutboundEmail
from clientdesk.mail.outbox import format_address

logger = logging.getLogger(__name__)

UNKNOWN_ERROR = (
    "The worker stopped while sending this email (its lease expired): it may or may not have gone out. "
    "It is not sent again on its own; resend it if it did not arrive."
)


# An address the SMTP envelope takes as it is (ASCII, no display name, nothing to quote or encode).
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)

# What the worker reads of a claimed row: the message, and what marking it needs.
CLAIMED_FIELDS = (
    "id",
    "from_name",
    "from_email",
    "to",
    "cc",
    "bcc",
    "subject",
    "text_body",
    "html_body",
    "message_id",
    "attempts",
    "queued_at",
)


# The SMTP wire form (see `wire`): CRLF line ends, and no ">From " mangling of body lines.
WIRE_POLICY = compat32.clone(linesep="\r\n", mangle_from_=False)
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP

KEEPALIVE = 30.0  # seconds an idle SMTP connection is kept for the worker thread's next run

_kept = threading.local()


def _mailer_config() -> object:
    return getattr(settings, "MAILERS", {}).get("default")


class TemporaryFailureError(Exception):
    """Sending failed in a way that may pass: try again later."""

    def __init__(self, message: str, *, server_unreachable: bool = False) -> None:
        super().__init__(message)
        # No connection could be opened: the other due emails would fail the same way now.
        self.server_unreachable = server_unreachable


class PermanentFailureError(Exception):
    """Sending failed in a way that will not pass by trying again."""


@dataclass
class Report:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    lost_leases: int = 0  # sent or tried, but the row had been taken from this worker meanwhile
    unreachable: bool = False  # the run stopped because no connection to the SMTP server could be opened
    ids: list[int] = field(default_factory=list)

    def add(self, other: "Report") -> None:
        """Count another run's work in this one."""
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.lost_leases += other.lost_leases
        self.unreachable = other.unreachable
        self.ids += other.ids


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th attempt failed for a reason that may pass."""
    seconds = settings.CLIENTDESK_MAIL_BACKOFF * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.CLIENTDESK_MAIL_BACKOFF_MAX))


def _claim_sql(ids: int) -> str:
    """One statement that takes the longest-due queued email (of `ids` placeholders, when any) and returns it."""
    table = connection.ops.quote_name(OutboundEmail._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in CLAIMED_FIELDS)  # no field renames its column
    among = f" AND id IN ({', '.join(['%s'] * ids)})" if ids else ""
    # PostgreSQL: rows other workers are claiming are skipped, not waited for. SQLite: the UPDATE takes the
    # database's write lock before it reads, so two claims cannot both see the row as queued.
    # The names are the model's own; every value is a parameter.
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    return (
        f"UPDATE {table} SET status = %s, lease_token = %s, lease_expires_at = %s, "  # noqa: S608 -- see above
        "attempts = attempts + 1 "
        f"WHERE id = (SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s{among} "
        f"ORDER BY next_attempt_at, id LIMIT 1{skip_locked}) AND status = %s "
        f"RETURNING {columns}"
    )


def claim(ids: list[int] | None = None) -> tuple[OutboundEmail, str] | None:
    """Take one due queued email (of `ids`, when given) for this worker: (the row, its lease token) or None.

    One statement, committed at once (or with the caller's transaction): the email is `sending` under
    this worker's lease before anything is sent.
    """
    if ids is not None and not ids:
        return None
    now = timezone.now()
    token = uuid.uuid4().hex
    lease_expires_at = now + timedelta(seconds=settings.CLIENTDESK_MAIL_LEASE)
    adapt = connection.ops.adapt_datetimefield_value
    params: list[object] = [
        MailStatus.SENDING.value,
        token,
        adapt(lease_expires_at),
        MailStatus.QUEUED.value,
        adapt(now),
    ]
    params += [*(ids or []), MailStatus.QUEUED.value]
    email = next(iter(OutboundEmail.objects.raw(_claim_sql(len(ids or [])), params)), None)
    if email is None:
        return None
    email.status, email.lease_token, email.lease_expires_at = MailStatus.SENDING, token, lease_expires_at
    return email, token


def message(email: OutboundEmail) -> EmailMultiAlternatives:
    """The email as Django's mailers take it: text, and HTML as its alternative, under the row's Message-ID and Date.

    The Date is when the email was queued (when its action happened), so a copy sent again after a
    dropped reply is the same message.
    """
    msg = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        from_email=format_address(email.from_name, email.from_email),
        to=email.to,
        cc=email.cc,
        bcc=email.bcc,
        headers={"Message-ID": email.message_id, "Date": format_datetime(email.queued_at)},
    )
    if email.html_body:
        msg.attach_alternative(email.html_body, "text/html")
    return msg


def _header_address(address: str, name: str = "") -> str:
    """An address as a header carries it: the domain in IDNA, a name encoded; refused when it cannot be sent."""
    parsed_name, addr = parseaddr(address)
    name = name or parsed_name
    local, _, domain = addr.rpartition("@")
    if not local or "\r" in address or "\n" in address or not local.isascii():
        raise ValueError(f"Invalid address {address!r}")
    if not domain.isascii():
        addr = f"{local}@{domain.encode('idna').decode('ascii')}"
    return formataddr((name, addr), charset="utf-8")


def _text_part(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, policy=WIRE_POLICY)
    del part["MIME-Version"]  # the message's own header says it
    body = "\n".join(body.splitlines()) + "\n"  # as the email package's set_content: its lines, ending in one
    plain = body.isascii() and max(map(len, body.splitlines()), default=0) <= 998
    part.set_payload(body, "us-ascii" if plain else _UTF8_QP)  # 7bit, else quoted-printable UTF-8
    return part


def wire(email: OutboundEmail) -> bytes:
    """The email as the SMTP server receives it: the same message as `message(email)`, built for speed.

    Django's builder parses every header it sets under the modern email policy (3 ms an email, half a
    worker's time); this one writes them with the compat32 generator: a Subject or name beyond ASCII
    as RFC 2047 words, domains in IDNA, bodies as 7-bit text or quoted-printable UTF-8. A line break in
    a header is refused (ValueError), never written.
    """
    subject, name = email.subject, email.from_name
    if any(ch in value for value in (subject, name, email.message_id) for ch in "\r\n"):
        raise ValueError("A header holds a line break.")
    if not email.message_id.isascii():
        raise ValueError(f"The Message-ID {email.message_id!r} is not ASCII.")
    msg: MIMENonMultipart | MIMEMultipart
    if email.html_body:
        msg = MIMEMultipart("alternative", policy=WIRE_POLICY)
        msg.attach(_text_part(email.text_body, "plain"))
        msg.attach(_text_part(email.html_body, "html"))
    else:
        msg = _text_part(email.text_body, "plain")
        msg["MIME-Version"] = "1.0"
    # An ASCII subject folds at its spaces; beyond ASCII, or with a word too long to fold, as encoded words.
    plain_subject = subject.isascii() and all(len(word) <= 70 for word in subject.split())
    msg["Subject"] = subject if plain_subject else Header(subject, "utf-8")  # type: ignore[assignment]
    msg["From"] = _header_address(email.from_email, name)
    msg["To"] = ", ".join(_header_address(address) for address in email.to)
    if email.cc:
        msg["Cc"] = ", ".join(_header_address(address) for address in email.cc)
    msg["Date"] = format_datetime(email.queued_at)
    msg["Message-ID"] = email.message_id
    return msg.as_bytes(policy=WIRE_POLICY)


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {body}".strip()


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _envelope_address(backend: EmailBackend, address: str) -> str:
    """The address as the SMTP envelope carries it (IDNA domain); plain ones as they are, without parsing."""
    return address if PLAIN_ADDRESS.fullmatch(address) else backend.prep_address(address)


class Session:
    """One SMTP connection, opened when first needed and reopened after a failure broke it.

    A worker thread keeps its session between runs (`Session.kept`), so emails queued one per action,
    each woken by its own task, do not each open a connection (and a TLS handshake): a connection idle
    for less than KEEPALIVE seconds is reused once a NOOP shows it still answers (checked when the run
    has an email to send: a run that finds nothing due costs no round trip).
    """

    def __init__(self) -> None:
        self.backend: BaseEmailBackend | None = None
        self.config: object = None  # the mailer settings the backend was made from
        self.last_used = 0.0  # time.monotonic() of the connection's last exchange
        self.between_runs = False  # a run ended since: check the connection before using it again

    @classmethod
    def kept(cls) -> "Session":
        """This thread's session: its connection, if any, is checked before the run's first email."""
        session: Session | None = getattr(_kept, "session", None)
        if session is None:
            session = _kept.session = cls()
        return session

    def _resume(self) -> None:
        """Before a run's first email: drop a kept connection idle too long, made for other settings, or dead."""
        self.between_runs = False
        if self.backend is None:
            return
        connection = getattr(self.backend, "connection", None)
        if self.config != _mailer_config():
            self.close()
        elif connection is not None:
            try:
                alive = time.monotonic() - self.last_used <= KEEPALIVE and connection.noop()[0] == 250
            except (smtplib.SMTPException, OSError):
                alive = False
            if not alive:
                self.close()

    def pause(self) -> None:
        """The run is over: the connection stays open for the thread's next run (see `kept`)."""
        self.between_runs = True

    def send(self, email: OutboundEmail) -> str:
        """Send the email; what the server refused of its recipients ("" when none), or raise a failure."""
        if self.between_runs:
            self._resume()
        if self.backend is None:
            self.backend, self.config = mailers.default, _mailer_config()
        backend = self.backend
        if not isinstance(backend, EmailBackend):
            return self._send_with(backend, email)
        try:
            sender = _envelope_address(backend, email.from_email)
            recipients = [_envelope_address(backend, a) for a in [*email.to, *email.cc, *email.bcc] if a]
            data = wire(email)
        except (ValueError, UnicodeError) as exc:
            raise PermanentFailureError(f"The email cannot be built: {exc}") from None
        if backend.connection is None:
            try:
                backend.open()
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                raise TemporaryFailureError(_error(exc), server_unreachable=True) from None
        assert backend.connection is not None
        try:
            refused = backend.connection.sendmail(sender, recipients, data)
            self.last_used = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:
            self.last_used = time.monotonic()
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{rcpt}: {_reply(code, text)}" for rcpt, (code, text) in exc.recipients.items())
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailureError(f"Every recipient was refused: {detail}") from None
            raise TemporaryFailureError(f"Recipients refused for now: {detail}") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            error = _reply(exc.smtp_code, exc.smtp_error)
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailureError(error) from None
            raise TemporaryFailureError(error) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise TemporaryFailureError(_error(exc)) from None
        return "; ".join(f"{rcpt}: {_reply(code, text)}" for rcpt, (code, text) in refused.items())

    def _send_with(self, backend: BaseEmailBackend, email: OutboundEmail) -> str:
        """Send through a mailer that is not SMTP (console, file, memory): it sends or raises."""
        try:
            backend.send_messages([message(email)])
        except (ValueError, UnicodeError) as exc:
            raise PermanentFailureError(f"The email cannot be built: {exc}") from None
        except Exception as exc:  # any mailer's own failure: tried again after the backoff
            raise TemporaryFailureError(_error(exc)) from None
        return ""

    def close(self) -> None:
        """Close the connection, quietly if it is already broken."""
        backend, self.backend = self.backend, None
        if isinstance(backend, EmailBackend):
            try:
                backend.close()
            except Exception:  # a broken connection: nothing left to close
                logger.debug("SMTP connection closed uncleanly", exc_info=True)


def _mark(email: OutboundEmail, token: str, **fields: object) -> bool:
    """Apply `fields` if this worker still holds the row (its token, `sending` or since marked `unknown`)."""
    return bool(
        OutboundEmail.objects.filter(
            pk=email.pk, lease_token=token, status__in=[MailStatus.SENDING, MailStatus.UNKNOWN]
        ).update(lease_expires_at=None, **fields)
    )


def _attempt(session: Session, email: OutboundEmail) -> tuple[MailStatus, dict[str, object], bool]:
    """Send one email: the status and fields to mark it with, and whether the server could be reached."""
    try:
        refused = session.send(email)
    except PermanentFailureError as exc:
        logger.info("Email %s failed: %s", email.pk, exc)
        return MailStatus.FAILED, {"last_error": str(exc)}, True
    except Exception as exc:
        if not isinstance(exc, TemporaryFailureError):  # unforeseen: still marked, never left `sending`
            logger.exception("Email %s: unexpected error while sending", email.pk)
            exc = TemporaryFailureError(_error(exc))
        logger.info("Email %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
        reachable = not exc.server_unreachable
        if email.attempts >= settings.CLIENTDESK_MAIL_MAX_ATTEMPTS:
            return MailStatus.FAILED, {"last_error": f"Gave up after {email.attempts} attempts: {exc}"}, reachable
        retry_at = timezone.now() + backoff(email.attempts)
        return MailStatus.QUEUED, {"next_attempt_at": retry_at, "last_error": str(exc)}, reachable
    note = f"Some recipients were refused: {refused}" if refused else ""
    return MailStatus.SENT, {"sent_at": timezone.now(), "last_error": note}, True


def deliver_one(session: Session, email: OutboundEmail, token: str, report: Report) -> None:
    """Send one claimed email and mark what happened (unless the row was taken from this worker meanwhile)."""
    status, fields, reachable = _attempt(session, email)
    report.ids.append(email.pk)
    report.unreachable = not reachable
    if not _mark(email, token, status=status, **fields):
        logger.warning("Email %s was taken from this worker while it was sending; it is left as it is.", email.pk)
        report.lost_leases += 1
    elif status == MailStatus.SENT:
        report.sent += 1
    elif status == MailStatus.QUEUED:
        report.retried += 1
    else:
        report.failed += 1


def deliver(
    ids: list[int] | None = None, *, limit: int | None = None, stop: Callable[[], bool] | None = None
) -> Report:
    """Send the given emails if still due, then any other due ones, up to `limit` (CLIENTDESK_MAIL_BATCH).

    Stops early when the SMTP server cannot be reached (the other emails stay queued, untouched, for
    the next run) or when `stop()` turns true (checked between emails: a worker shutting down
    finishes the one it is sending).
    """
    limit = limit or settings.CLIENTDESK_MAIL_BATCH
    report = Report()
    session = Session.kept()
    try:
        for scope in [ids, None] if ids else [None]:
            unclaimed = set(scope) if scope else None
            while len(report.ids) < limit and not report.unreachable and not (stop and stop()):
                if unclaimed is not None and not unclaimed:
                    break  # each of them claimed once: none can be due again this run
                claimed = claim(list(unclaimed) if unclaimed is not None else None)
                if claimed is None:
                    break
                if unclaimed is not None:
                    unclaimed.discard(claimed[0].pk)
                deliver_one(session, *claimed, report)
    finally:
        session.pause()
    return report


def recover_expired() -> int:
    """Mark `unknown` the emails still `sending` whose lease expired (their worker died mid-send)."""
    return OutboundEmail.objects.filter(status=MailStatus.SENDING, lease_expires_at__lt=timezone.now()).update(
        status=MailStatus.UNKNOWN, last_error=UNKNOWN_ERROR, lease_expires_at=None
    )


def sweep(*, stop: Callable[[], bool] | None = None) -> Report:
    """What a worker does now and then, whatever the queue delivered: recover leases, send all that is due.

    Sends batch after batch (over the thread's kept SMTP connection) until nothing is due, the server
    cannot be reached, or `stop()` turns true.
    """
    recovered = recover_expired()
    if recovered:
        logger.warning("%s email(s) were left sending by a stopped worker: marked unknown.", recovered)
    report = Report()
    limit = settings.CLIENTDESK_MAIL_BATCH
    while True:
        run = deliver(limit=limit, stop=stop)
        report.add(run)
        if len(run.ids) < limit or run.unreachable or (stop and stop()):
            return report
