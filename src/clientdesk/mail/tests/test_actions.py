"""email_send: what Email Client and Resend queue, and everything they refuse."""

import pytest
from django.core.exceptions import ValidationError
from django_tasks_db.models import DBTaskResult

from clientdesk.audit.models import AuditEvent
from clientdesk.mail import actions
from clientdesk.mail.actions import HEADER_INJECTION, check_message, email_send, header_safe, split_addresses
from clientdesk.mail.models import MailStatus, OutboundEmail

pytestmark = pytest.mark.django_db


def send(client, actor=None, **overrides):
    fields = {
        "to": ["grace@example.com"],
        "from_name": "Ada Desk",
        "from_email": "ada@desk.example",
        "subject": "Hello",
        "html": "<p>Hi <strong>Grace</strong></p>",
    }
    return email_send(actor=actor, client=client, **{**fields, **overrides})


def refused(client, **overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        send(client, **overrides)
    return caught.value.message_dict


def nothing_written():
    assert not OutboundEmail.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="mail.").exists()
    assert not DBTaskResult.objects.exists()


# --- What is queued -------------------------------------------------------------------------------


def test_an_email_is_queued_for_the_client_with_its_sender_and_audited(make_client, support):
    client = make_client()
    email = send(client, actor=support, cc=["bo@example.com"], bcc=["audit@example.com"])
    email.refresh_from_db()
    assert email.client == client
    assert email.status == MailStatus.QUEUED
    assert email.sent_by == support
    assert (email.to, email.cc, email.bcc) == (["grace@example.com"], ["bo@example.com"], ["audit@example.com"])
    assert (email.from_name, email.from_email, email.subject) == ("Ada Desk", "ada@desk.example", "Hello")
    assert email.template_action == ""
    assert email.message_id.endswith("@desk.example>")
    event = AuditEvent.objects.get(action="mail.send")
    assert event.client_pk == client.pk
    assert event.target_pk == str(email.pk)
    assert event.changes["to"] == [None, ["grace@example.com"]]
    assert event.changes["bcc"] == [None, ["audit@example.com"]]
    assert "html_body" not in event.changes


@pytest.mark.django_db(transaction=True)
def test_delivery_is_asked_for_after_the_commit(make_client):
    email = send(make_client())
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [[email.pk]]


def test_the_text_part_is_made_from_the_html_when_left_empty(make_client):
    email = send(
        make_client(),
        html='<h2>News</h2><p>See <a href="https://example.com/a">our page</a>.</p><ul><li>One</li><li>Two</li></ul>',
    )
    assert email.text_body == "News\n\nSee our page (https://example.com/a).\n\n- One\n- Two"


def test_a_text_part_given_is_kept_and_an_html_part_is_optional(make_client):
    client = make_client()
    email = send(client, html="<p>Rich</p>", text="  Plain\r\nversion  ")
    assert (email.html_body, email.text_body) == ("<p>Rich</p>", "Plain\nversion")
    text_only = send(client, html="", text="Only text")
    assert (text_only.html_body, text_only.text_body) == ("", "Only text")


@pytest.mark.parametrize(
    "hostile",
    [
        "<p>Hi</p><script>alert(1)</script>",
        '<p onclick="alert(1)">Hi</p>',
        '<p>Hi</p><img src="https://tracker.example/p.gif">',
        '<p>Hi</p><a href="javascript:alert(1)">x</a>',
        '<p>Hi</p><form action="https://evil.example"><input name="pw"></form>',
        '<p>Hi</p><iframe src="https://evil.example"></iframe>',
        '<p style="background:url(https://tracker.example/x)">Hi</p>',
    ],
)
def test_html_is_sanitised_before_it_is_stored(make_client, hostile):
    email = send(make_client(), html=hostile)
    email.refresh_from_db()
    stored = email.html_body.lower()
    for word in ("script", "onclick", "tracker", "javascript", "<form", "<input", "iframe", "style"):
        assert word not in stored
    assert "hi" in stored


def test_an_embedded_image_survives_but_a_remote_one_does_not(make_client):
    pixel = "data:image/png;base64,iVBORw0KGgo="
    email = send(make_client(), html=f'<p><img src="{pixel}" alt="logo"><img src="https://x.example/a.png"></p>')
    assert pixel in email.html_body
    assert "x.example" not in email.html_body


def test_addresses_are_deduplicated_across_to_cc_and_bcc(make_client):
    email = send(
        make_client(),
        to=["a@example.com", "A@example.com"],
        cc=["a@example.com", "b@example.com"],
        bcc=["B@example.com", "c@example.com"],
    )
    assert (email.to, email.cc, email.bcc) == (["a@example.com"], ["b@example.com"], ["c@example.com"])


def test_address_fields_take_a_comma_separated_string_and_named_addresses(make_client):
    email = send(make_client(), to="Grace Hopper <grace@example.com>, bo@example.com; ", cc="")
    assert email.to == ["grace@example.com", "bo@example.com"]
    assert email.cc == []


def test_the_from_name_may_be_empty_and_its_spaces_are_tidied(make_client):
    client = make_client()
    assert send(client, from_name="").from_header == "ada@desk.example"
    assert send(client, from_name="  Ada   Desk ").from_name == "Ada Desk"


# --- What is refused: a field error, nothing written ----------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Hello\r\nBcc: victim@example.com"),
        ("subject", "Hello\nX-Injected: 1"),
        ("subject", "Hello\u2028there"),
        ("subject", "Hello\x00"),
        ("to", ["grace@example.com\r\nBcc: victim@example.com"]),
        ("to", "grace@example.com\nBcc: victim@example.com"),
        ("cc", ["bo@example.com\r\n"]),
        ("bcc", ["bo@example.com\n"]),
        ("from_name", "Ada\r\nBcc: victim@example.com"),
        ("from_email", "ada@desk.example\r\nBcc: victim@example.com"),
    ],
)
def test_a_line_break_in_a_header_field_is_refused_by_name(make_client, field, value):
    errors = refused(make_client(), **{field: value})
    assert errors[field] == [HEADER_INJECTION]
    assert list(errors) == [field]
    nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"to": []}, "to", "Enter at least one address."),
        ({"to": ["  "]}, "to", "Enter at least one address."),
        ({"to": ["not-an-address"]}, "to", "“not-an-address” is not a valid email address."),
        ({"cc": ["bo@"]}, "cc", "“bo@” is not a valid email address."),
        ({"bcc": ["@example.com"]}, "bcc", "“@example.com” is not a valid email address."),
        ({"from_email": ""}, "from_email", "Enter at least one address."),
        ({"from_email": "ada"}, "from_email", "“ada” is not a valid email address."),
        (
            {"from_email": "a@example.com, b@example.com"},
            "from_email",
            "“a@example.com, b@example.com” is not a valid email address.",
        ),
        ({"subject": "   "}, "subject", "Enter a subject."),
        ({"subject": "x" * 999}, "subject", "Keep the subject to 998 characters."),
        ({"from_name": "x" * 256}, "from_name", "Keep the name to 255 characters."),
        ({"html": "", "text": ""}, "html", "Write a message."),
        ({"html": "<p></p>", "text": "  "}, "html", "Write a message."),
        ({"html": "<script>alert(1)</script>"}, "html", "Write a message."),
        ({"html": "x" * (actions.MAX_BODY + 1)}, "html", "The message is too long."),
        ({"text": "a\x00b"}, "text", "The text holds characters an email cannot carry."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(make_client, overrides, field, message):
    errors = refused(make_client(), **overrides)
    assert message in errors[field]
    nothing_written()


def test_more_than_fifty_recipients_are_refused(make_client):
    errors = refused(
        make_client(), to=[f"p{n}@example.com" for n in range(40)], cc=[f"c{n}@x.example" for n in range(11)]
    )
    assert errors["to"] == ["An email goes to 50 addresses at most (To, CC and BCC)."]
    nothing_written()


# --- Resend ---------------------------------------------------------------------------------------


def test_a_resend_is_a_new_email_linked_to_the_original_and_audited_as_a_resend(make_client, billing):
    client = make_client()
    original = send(client, actor=billing)
    again = send(client, actor=billing, to=["other@example.com"], resent_from=original)
    assert again.pk != original.pk
    assert again.resent_from == original
    assert list(original.resends.all()) == [again]
    event = AuditEvent.objects.get(action="mail.resend")
    assert event.changes["resent_from"] == [None, original.pk]


def test_an_email_of_another_client_cannot_be_resent_to_this_one(make_client):
    original = send(make_client())
    with pytest.raises(ValidationError, match="not sent to this client"):
        send(make_client(), resent_from=original)
    assert OutboundEmail.objects.count() == 1


# --- The helpers the form and the API share -------------------------------------------------------


def test_split_addresses_reads_commas_and_semicolons_and_keeps_line_breaks_inside():
    assert split_addresses(" a@x.example, b@x.example;c@x.example ,, ") == ["a@x.example", "b@x.example", "c@x.example"]
    assert split_addresses("a@x.example\r\nBcc: v@x.example") == ["a@x.example\r\nBcc: v@x.example"]
    assert split_addresses("") == []


def test_header_safe_refuses_control_characters_but_not_tabs_or_accents():
    assert header_safe("Réunion\tà 10 h")
    for bad in ("a\rb", "a\nb", "a\x00b", "a\x1bb", "a\u2028b", "a\u2029b", "a\x85b"):
        assert not header_safe(bad)


def test_check_message_says_what_would_be_sent_without_writing_anything(make_client):
    message = check_message(
        to="a@x.example", from_name="Ada", from_email="ada@x.example", subject=" Hi ", html="<b>x</b>"
    )
    assert (message.to, message.subject, message.html, message.text) == (["a@x.example"], "Hi", "<b>x</b>", "x")
    nothing_written()


def test_a_from_address_longer_than_its_column_is_a_field_error(make_client, billing):
    long_address = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".example"
    assert len(long_address) > 254
    with pytest.raises(ValidationError) as caught:
        email_send(
            actor=billing, client=make_client(), to=["ann@example.com"], from_name="Ann",
            from_email=long_address, subject="Hello", text="Hi",
        )  # fmt: skip
    assert "from_email" in caught.value.message_dict
    assert not OutboundEmail.objects.exists()
