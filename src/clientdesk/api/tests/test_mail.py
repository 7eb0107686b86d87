"""/api/v1/clients/{id}/emails/ and /api/v1/email-templates/: the Mail Log, Email Client, Resend and the
templates, through the mail app's own actions and queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clientdesk.audit.models import AuditEvent
from clientdesk.mail import actions, outbox
from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.models import EmailTemplate, MailStatus, OutboundEmail, TemplateAction

pytestmark = pytest.mark.django_db

MESSAGE = {"to": ["grace@acme.example"], "subject": "Your renewal", "html": "<p>Hello <b>Grace</b></p>"}
ROW_FIELDS = {
    "id",
    "url",
    "queued_at",
    "sent_at",
    "status",
    "attempts",
    "last_error",
    "template_action",
    "from_name",
    "from_email",
    "to",
    "subject",
    "summary",
    "resent_from",
}
EMAIL_FIELDS = ROW_FIELDS | {"sent_by", "cc", "bcc", "text_body", "html_body", "body_hidden", "message_id"}
TEMPLATE = "/api/v1/email-templates/invoice_delivery/"


def emails_url(client):
    return f"/api/v1/clients/{client.pk}/emails/"


def url(email):
    return f"/api/v1/clients/{email.client_id}/emails/{email.pk}/"


def writes():
    return OutboundEmail.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def make_email(admin):
    """Factory: an email to `client`, written by Email Client (`email_send`) as `actor` (default: the admin)."""

    def make(client, *, actor=admin, **values):
        message = {
            "to": ["grace@acme.example"],
            "from_name": "Ada",
            "from_email": "ada@staff.test",
            "subject": "Hello",
            "text": "A first line\nand a second.",
            **values,
        }
        return actions.email_send(actor=actor, client=client, **message)

    return make


def aged(email, hours):
    OutboundEmail.objects.filter(pk=email.pk).update(queued_at=timezone.now() - timedelta(hours=hours))


# --- The Mail Log --------------------------------------------------------------------------------


def test_the_mail_log_is_the_clients_emails_newest_first(api_as, readonly, admin, grace, make_client, make_email):
    emails = [make_email(grace, subject=f"Email {i}") for i in range(5)]
    for age, email in enumerate(emails):
        aged(email, age)
    make_email(make_client(), subject="Not hers")
    api = api_as(readonly)
    rows, link = [], f"{emails_url(grace)}?page_size=2"
    while link:
        body = api.get(link).json()
        rows += body["results"]
        link = body["next"]
    assert [r["subject"] for r in rows] == [f"Email {i}" for i in range(5)]
    first = rows[0]
    assert set(first) == ROW_FIELDS
    assert first["url"] == f"http://testserver{url(emails[0])}"
    assert first["summary"] == "A first line and a second."
    assert (first["status"], first["template_action"], first["resent_from"]) == ("queued", None, None)
    assert first["from_name"] == "Ada"
    assert first["to"] == ["grace@acme.example"]


def test_automatic_mail_is_in_the_log_with_its_template_and_no_sender(api_as, readonly, grace):
    outbox.send_template_mail(
        TemplateAction.ACCOUNT_WELCOME,
        to=["grace@acme.example"],
        context={**SPECS[TemplateAction.ACCOUNT_WELCOME].sample},
        client_id=grace.pk,
    )
    api = api_as(readonly)
    (row,) = api.get(emails_url(grace)).json()["results"]
    assert row["template_action"] == "account_welcome"
    assert row["subject"] == "Welcome to Clientdesk"
    assert api.get(row["url"]).json()["sent_by"] is None


def test_a_failed_email_shows_its_error(api_as, readonly, grace, make_email):
    email = make_email(grace)
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=MailStatus.FAILED, attempts=6, last_error="550 No such user"
    )
    body = api_as(readonly).get(url(email)).json()
    assert (body["status"], body["attempts"], body["last_error"]) == ("failed", 6, "550 No such user")


def test_an_email_reads_whole_with_its_sanitised_html_and_nothing_internal(api_as, readonly, admin, grace, make_email):
    email = make_email(
        grace,
        cc=["cc@acme.example"],
        bcc=["audit@staff.test"],
        html='<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:x()">there</a></p>',
        text="",
    )
    OutboundEmail.objects.filter(pk=email.pk).update(lease_token="a-lease-never-shown")
    response = api_as(readonly).get(url(email))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == EMAIL_FIELDS
    assert body["html_body"] == email.html_body == '<p>Hi <a rel="noopener noreferrer nofollow">there</a></p>'
    assert body["text_body"] == "Hi there"
    assert (body["cc"], body["bcc"]) == (["cc@acme.example"], ["audit@staff.test"])
    assert body["message_id"] == email.message_id
    assert body["body_hidden"] is False
    assert body["sent_by"] == {"id": admin.pk, "name": "Ada"}
    assert "a-lease-never-shown" not in response.content.decode()
    assert "lease" not in response.content.decode()


def test_staff_mail_never_shows_its_bodies(api_as, admin, grace):
    with_link = outbox.queue(
        to=["new@staff.test"],
        subject="Your staff account",
        text_body="Choose your password: https://desk.example.com/set/secret-link/",
        template_action=TemplateAction.STAFF_INVITATION,
        client_id=grace.pk,
    )
    api = api_as(admin)
    body = api.get(url(with_link)).json()
    assert (body["text_body"], body["html_body"], body["summary"], body["body_hidden"]) == ("", "", "", True)
    assert api.get(emails_url(grace)).json()["results"][0]["summary"] == ""
    before = writes()
    refused = api.post(f"{url(with_link)}resend/", {"to": ["me@else.example"]}, HTTP_IDEMPOTENCY_KEY="r")
    assert refused.status_code == 404, "never sent again, as the page refuses it"
    assert writes() == before


def test_an_email_of_another_client_is_not_found_under_this_one(api_as, admin, grace, make_client, make_email):
    other = make_email(make_client())
    api = api_as(admin)
    elsewhere = f"{emails_url(grace)}{other.pk}/"
    before = writes()
    assert api.get(elsewhere).status_code == 404
    assert api.post(f"{elsewhere}resend/", {}, HTTP_IDEMPOTENCY_KEY="r").status_code == 404
    assert writes() == before


# --- Email Client ----------------------------------------------------------------------------------


def test_sending_queues_the_email_from_the_tokens_owner(api_as, support, grace):
    response = api_as(support).post(emails_url(grace), MESSAGE, HTTP_IDEMPOTENCY_KEY="s1")
    assert response.status_code == 201, response.json()
    email = OutboundEmail.objects.get()
    assert response["Location"] == f"http://testserver{url(email)}"
    body = response.json()
    assert body["status"] == "queued"
    assert (body["from_name"], body["from_email"]) == ("Sue", "sue@staff.test")
    assert body["sent_by"] == {"id": support.pk, "name": "Sue"}
    assert (email.client, email.sent_by, email.to, email.subject) == (
        grace,
        support,
        ["grace@acme.example"],
        "Your renewal",
    )
    assert email.html_body == "<p>Hello <b>Grace</b></p>"
    assert email.text_body == "Hello Grace"
    event = AuditEvent.objects.get(action="mail.send")
    assert event.actor_label.startswith("API token ")
    assert event.client_pk == grace.pk


def test_from_cc_bcc_and_text_are_sent_as_given(api_as, billing, grace):
    message = {
        **MESSAGE,
        "cc": ["accounts@acme.example"],
        "bcc": ["audit@staff.test"],
        "from_name": "Accounts",
        "from_email": "accounts@desk.example",
        "text": "Hello Grace (text)",
    }
    body = api_as(billing).post(emails_url(grace), message, HTTP_IDEMPOTENCY_KEY="s1").json()
    assert (body["from_name"], body["from_email"]) == ("Accounts", "accounts@desk.example")
    assert (body["cc"], body["bcc"], body["text_body"]) == (
        ["accounts@acme.example"],
        ["audit@staff.test"],
        "Hello Grace (text)",
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "Your renewal\r\nBcc: everyone@else.example"),
        ("subject", "Your renewal\nX-Injected: 1"),
        ("from_name", "Sue\r\nBcc: everyone@else.example"),
        ("from_email", "sue@staff.test\nBcc: everyone@else.example"),
        ("to", ["grace@acme.example\r\nBcc: everyone@else.example"]),
        ("cc", ["cc@acme.example\nBcc: x@else.example"]),
        ("bcc", ["bcc@acme.example\u2028"]),
    ],
)
def test_a_line_break_in_a_header_is_a_field_error_and_nothing_is_queued(api_as, support, grace, field, value):
    api = api_as(support)
    before = writes()
    response = api.post(emails_url(grace), {**MESSAGE, field: value}, HTTP_IDEMPOTENCY_KEY="s1")
    assert response.status_code == 422
    assert response.json()["errors"] == {field: [actions.HEADER_INJECTION]}
    assert writes() == before


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"to": ["grace@"]}, {"to": ["“grace@” is not a valid email address."]}),
        ({"to": []}, {"to": ["Enter an address."]}),
        ({"subject": "   "}, {"subject": ["Enter a subject."]}),
        ({"html": "", "text": ""}, {"html": ["Write a message."]}),
        ({"from_email": "not-an-address"}, {"from_email": ["“not-an-address” is not a valid email address."]}),
        ({"to": "grace@acme.example"}, {"to": ['Expected a list of items but got type "str".']}),
        ({"reply_to": "x@acme.example"}, {"reply_to": ["There is no such field to write here."]}),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_queued(api_as, support, grace, change, errors):
    api = api_as(support)
    before = writes()
    response = api.post(emails_url(grace), {**MESSAGE, **change}, HTTP_IDEMPOTENCY_KEY="s1")
    assert response.status_code == 422
    assert response.json()["errors"] == errors
    assert writes() == before


def test_to_and_subject_must_be_sent(api_as, support, grace):
    response = api_as(support).post(emails_url(grace), {"html": "<p>Hi</p>"}, HTTP_IDEMPOTENCY_KEY="s1")
    assert response.json()["errors"] == {"to": ["This field is required."], "subject": ["This field is required."]}


def test_sending_needs_an_idempotency_key_and_a_retry_queues_nothing_more(api_as, support, grace):
    api = api_as(support)
    before = writes()
    missing = api.post(emails_url(grace), MESSAGE)
    assert missing.status_code == 400
    assert missing.json()["type"] == "urn:clientdesk:problem:idempotency-key-missing"
    assert writes() == before
    first = api.post(emails_url(grace), MESSAGE, HTTP_IDEMPOTENCY_KEY="send-once")
    retry = api.post(emails_url(grace), MESSAGE, HTTP_IDEMPOTENCY_KEY="send-once")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert OutboundEmail.objects.count() == 1
    assert AuditEvent.objects.filter(action="mail.send").count() == 1


# --- Resend ------------------------------------------------------------------------------------------


def test_resend_queues_the_original_again_linked_to_it(api_as, billing, grace, make_email):
    original = make_email(grace, cc=["cc@acme.example"], bcc=["audit@staff.test"], html="<p>Hi <i>Grace</i></p>")
    OutboundEmail.objects.filter(pk=original.pk).update(status=MailStatus.FAILED, last_error="451 Try later")
    response = api_as(billing).post(f"{url(original)}resend/", {}, HTTP_IDEMPOTENCY_KEY="r1")
    assert response.status_code == 201, response.json()
    body = response.json()
    again = OutboundEmail.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver{url(again)}"
    assert body["resent_from"] == original.pk
    assert body["status"] == "queued"
    fields = ("to", "cc", "bcc", "from_name", "from_email", "subject", "html_body", "text_body")
    assert [getattr(again, f) for f in fields] == [getattr(original, f) for f in fields]
    assert (again.resent_from, again.sent_by) == (original, billing)
    assert AuditEvent.objects.get(action="mail.resend").changes["resent_from"] == [None, original.pk]


def test_resend_to_another_address_with_a_new_subject(api_as, support, grace, make_email):
    original = make_email(grace, html="<p>Old</p>", text="")
    changes = {"to": ["accounts@acme.example"], "subject": "Again", "html": "<p>New</p>"}
    body = api_as(support).post(f"{url(original)}resend/", changes, HTTP_IDEMPOTENCY_KEY="r1").json()
    assert (body["to"], body["subject"], body["html_body"]) == (["accounts@acme.example"], "Again", "<p>New</p>")
    assert body["text_body"] == "New", "the text made from the HTML is made anew"
    assert body["from_email"] == original.from_email


def test_resend_refuses_bad_overrides_by_field(api_as, support, grace, make_email):
    original = make_email(grace)
    api = api_as(support)
    before = writes()
    response = api.post(
        f"{url(original)}resend/", {"subject": "Again\nBcc: x@else.example", "to": ["nope"]}, HTTP_IDEMPOTENCY_KEY="r1"
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "to": ["“nope” is not a valid email address."],
        "subject": [actions.HEADER_INJECTION],
    }
    assert writes() == before


def test_resend_needs_a_key_and_a_retry_queues_nothing_more(api_as, support, grace, make_email):
    original = make_email(grace)
    api = api_as(support)
    assert api.post(f"{url(original)}resend/", {}).status_code == 400
    first = api.post(f"{url(original)}resend/", {}, HTTP_IDEMPOTENCY_KEY="again")
    retry = api.post(f"{url(original)}resend/", {}, HTTP_IDEMPOTENCY_KEY="again")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert OutboundEmail.objects.filter(resent_from=original).count() == 1


# --- Templates ---------------------------------------------------------------------------------------


def test_the_templates_are_listed_by_action(api_as, admin):
    body = api_as(admin).get("/api/v1/email-templates/?page_size=100").json()
    assert [row["action"] for row in body["results"]] == sorted(TemplateAction.values)
    row = body["results"][0]
    assert row["name"] == "Welcome"
    assert row["url"] == "http://testserver/api/v1/email-templates/account_welcome/"
    assert "html" not in row


def test_a_template_reads_with_its_variables_and_recipients(api_as, admin):
    response = api_as(admin).get(TEMPLATE)
    assert response.status_code == 200
    body = response.json()
    spec = SPECS[TemplateAction.INVOICE_DELIVERY]
    assert body["recipients"] == spec.recipients
    assert body["variables"] == [{"name": n, "description": d} for n, d in spec.variables.items()]
    assert (body["subject"], body["text"], body["active"]) == (spec.subject, spec.text, True)
    assert response["ETag"]


def test_an_unknown_template_is_not_found(api_as, admin):
    api = api_as(admin)
    assert api.get("/api/v1/email-templates/no_such_email/").status_code == 404
    assert api.patch("/api/v1/email-templates/no_such_email/", {"active": False}).status_code == 404


def test_a_template_edit_changes_only_the_parts_it_sends(api_as, admin):
    api = api_as(admin)
    response = api.patch(TEMPLATE, {"subject": "Invoice {{ invoice.number }} from {{ company_name }}"})
    assert response.status_code == 200, response.json()
    template = EmailTemplate.objects.get(action=TemplateAction.INVOICE_DELIVERY)
    assert template.subject == "Invoice {{ invoice.number }} from {{ company_name }}"
    assert template.text == SPECS[TemplateAction.INVOICE_DELIVERY].text
    assert AuditEvent.objects.get(action="mail.template_update").actor_label.startswith("API token ")
    assert api.patch(TEMPLATE, {"active": False}).json()["active"] is False


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "Invoice {{ invoice.amount }}"}, "subject"),
        ({"html": "<p>{% if %}</p>"}, "html"),
        ({"subject": ""}, "subject"),
        ({"html": "", "text": ""}, "text"),
    ],
)
def test_a_template_that_does_not_render_is_refused_by_part(api_as, admin, change, field):
    api = api_as(admin)
    before = AuditEvent.objects.count()
    response = api.patch(TEMPLATE, change)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert AuditEvent.objects.count() == before


def test_a_template_saved_by_someone_else_since_its_version_is_not_overwritten(api_as, admin, make_token):
    mine, theirs = api_as(admin), api_as(admin)
    version = mine.get(TEMPLATE)["ETag"]
    assert theirs.patch(TEMPLATE, {"subject": "Theirs {{ invoice.number }}"}).status_code == 200
    refused = mine.patch(TEMPLATE, {"subject": "Mine {{ invoice.number }}"}, HTTP_IF_MATCH=version)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:clientdesk:problem:edit-conflict"
    assert EmailTemplate.objects.get(action=TemplateAction.INVOICE_DELIVERY).subject == "Theirs {{ invoice.number }}"
    assert mine.patch(TEMPLATE, {"subject": "Mine"}, HTTP_IF_MATCH='"nonsense"').status_code == 412


def test_reset_restores_the_default_and_keeps_it_switched_off(api_as, admin):
    api = api_as(admin)
    api.patch(TEMPLATE, {"subject": "Changed", "html": "<p>Changed</p>", "active": False})
    response = api.post(f"{TEMPLATE}reset/", {})
    assert response.status_code == 200
    spec = SPECS[TemplateAction.INVOICE_DELIVERY]
    body = response.json()
    assert (body["subject"], body["html"], body["text"], body["active"]) == (
        spec.subject,
        default_html(TemplateAction.INVOICE_DELIVERY),
        spec.text,
        False,
    )
    assert AuditEvent.objects.filter(action="mail.template_reset").count() == 1
    assert api.post(f"{TEMPLATE}reset/", {"subject": "x"}).status_code == 422


def test_the_schema_requires_a_key_to_send_and_resend(api_as, readonly):
    schema = api_as(readonly).get("/api/v1/schema/").json()
    for path in ("/api/v1/clients/{id}/emails/", "/api/v1/clients/{id}/emails/{email_id}/resend/"):
        (key,) = [p for p in schema["paths"][path]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
        assert key["required"] is True, path
    email = schema["components"]["schemas"]["Email"]["properties"]
    assert not {"lease_token", "lease_expires_at", "next_attempt_at"} & set(email)
