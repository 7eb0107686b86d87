"""The API and the pages answer the same bad input with the same errors, under the same keys, and write nothing.

Each case is one set of values, sent once through a page — Add / Edit client, Add / Edit contact,
Add / Edit note, Add staff member — as its form posts them, and once through the API (as JSON). The page's errors are
read from its form and phone rows, keyed as the actions key them (`phones.0.number`); the API's from
its problem details.
"""

from typing import Any

import pytest
from django.urls import reverse

from clientdesk.accounts.models import User
from clientdesk.audit.models import ActorType, AuditEvent
from clientdesk.clients.models import Client, Contact
from clientdesk.clients.tests.test_edit_conflicts import form_as_shown
from clientdesk.notes.models import Note

pytestmark = pytest.mark.django_db

GOOD = {
    "first_name": "Ann",
    "last_name": "Lee",
    "company": "Lee Hosting",
    "title": "",
    "email": "ann@lee.example",
    "address1": "1 Harbor Way",
    "address2": "",
    "city": "Arlington",
    "postal_code": "22201",
    "country": "US",
    "state": "US-VA",
    "currency": "USD",
    "language": "en",
    "tax_id": "",
    "invoice_method": "email",
    "tax_exempt": False,
    "auto_debit": True,
    "auto_suspend": False,
    "payment_notices": True,
    "phones": [{"number": "(202) 555-0143", "type": "phone", "location": "work"}],
}

BAD: list[Any] = [
    pytest.param({"first_name": "", "email": "not-an-email"}, id="required-and-email"),
    pytest.param({"last_name": "   "}, id="blank-after-trimming"),
    pytest.param({"first_name": "x" * 200}, id="too-long"),
    pytest.param({"phones": [{"number": "12", "type": "phone", "location": "home"}]}, id="short-number"),
    pytest.param({"email": "bad", "phones": [{"number": "12", "type": "phone", "location": "home"}]}, id="both-rounds"),
    pytest.param(
        {"phones": [{"number": "(202) 555-0143", "type": "pager", "location": "moon"}]}, id="number-type-location"
    ),
    pytest.param({"state": "CA-ON"}, id="state-of-another-country"),
    pytest.param({"country": "ZZ"}, id="no-such-country"),
    pytest.param({"currency": "XXX"}, id="currency"),
    pytest.param({"language": "tlh"}, id="language"),
    pytest.param({"invoice_method": "fax"}, id="invoice-method"),
    pytest.param({"group": 999_999}, id="no-such-group"),
]


def as_form(values: dict[str, Any], base: dict[str, str] | None = None) -> dict[str, str]:
    """The values as the page's form posts them (over `base`, the form as the page showed it)."""
    data = dict(base or {})
    data.update({k: ("" if v is None else str(v)) for k, v in values.items() if not isinstance(v, bool | list)})
    for name, checked in ((k, v) for k, v in values.items() if isinstance(v, bool)):  # a checkbox
        if checked:
            data[name] = "on"
        else:
            data.pop(name, None)
    if "phones" in values:
        for key in [k for k in data if k.startswith("phones-")]:
            del data[key]
        rows = values["phones"]
        data |= {
            "phones-TOTAL_FORMS": str(len(rows)),
            "phones-INITIAL_FORMS": "0",
            "phones-MIN_NUM_FORMS": "0",
            "phones-MAX_NUM_FORMS": "50",
        }
        for i, row in enumerate(rows):
            data |= {f"phones-{i}-{key}": value for key, value in row.items()}
    return data


def page_errors(response: Any) -> dict[str, list[str]]:
    """The errors the page shows, keyed as the actions key them."""
    form, phones = response.context["form"], response.context["phones"]
    errors = {name: list(messages) for name, messages in form.errors.items()}
    for i, row in enumerate(phones.forms):
        errors |= {f"phones.{i}.{name}": list(messages) for name, messages in row.errors.items()}
    return errors


def writes() -> tuple[int, int]:
    return Client.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("bad", BAD)
def test_add_client_refuses_bad_input_with_the_pages_errors(login_as, api_as, billing, bad):
    web, token = login_as(billing), api_as(billing)
    before = writes()
    page = web.post(reverse("clients:client_add"), as_form({**GOOD, **bad}))
    api = token.post("/api/v1/clients/", {**GOOD, **bad}, HTTP_IDEMPOTENCY_KEY="k")
    assert page.status_code == api.status_code == 422
    assert page_errors(page), "the page refused it"
    assert api.json()["errors"] == page_errors(page)
    assert writes() == before


@pytest.mark.parametrize("bad", BAD)
def test_edit_client_refuses_bad_input_with_the_pages_errors(login_as, api_as, billing, make_client, bad):
    client = make_client(first_name="Ann", phones=("(202) 555-0144",))
    edit = reverse("clients:client_edit", args=[client.pk])
    web, token = login_as(billing), api_as(billing)
    shown = form_as_shown(web.get(edit))
    before = writes()
    page = web.post(edit, as_form(bad, base=shown))
    api = token.patch(f"/api/v1/clients/{client.pk}/", bad)
    assert page.status_code == api.status_code == 422
    assert page_errors(page), "the page refused it"
    assert api.json()["errors"] == page_errors(page)
    assert writes() == before


def test_the_same_good_input_makes_the_same_client_either_way(login_as, api_as, billing):
    login_as(billing).post(reverse("clients:client_add"), as_form(GOOD))
    api_as(billing).post("/api/v1/clients/", {**GOOD, "allow_duplicate": True}, HTTP_IDEMPOTENCY_KEY="k")
    web_made, api_made = AuditEvent.objects.filter(action="client.create").order_by("id")
    skip = {"id_code"}
    assert {k: v for k, v in web_made.changes.items() if k not in skip} == {
        k: v for k, v in api_made.changes.items() if k not in skip
    }


# --- Contacts ------------------------------------------------------------------------------------

GOOD_CONTACT = {
    "contact_type": "billing",
    "first_name": "Ada",
    "last_name": "Byron",
    "company": "Engines Ltd",
    "title": "",
    "email": "ada@engines.example",
    "address1": "12 St James's Square",
    "address2": "",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
    "state": "",
    "phones": [{"number": "020 7946 0958", "type": "phone", "location": "work"}],
}

BAD_CONTACT: list[Any] = [
    pytest.param({"first_name": "", "email": "not-an-email"}, id="required-and-email"),
    pytest.param({"last_name": "   "}, id="blank-after-trimming"),
    pytest.param({"first_name": "x" * 200}, id="too-long"),
    pytest.param({"phones": [{"number": "12", "type": "phone", "location": "home"}]}, id="short-number"),
    pytest.param(
        {
            "email": "bad",
            "phones": [
                {"number": "020 7946 0958", "type": "phone", "location": "work"},
                {"number": "12", "type": "phone", "location": "home"},
            ],
        },
        id="both-rounds",
    ),
    pytest.param(
        {"phones": [{"number": "020 7946 0958", "type": "pager", "location": "moon"}]}, id="number-type-location"
    ),
    pytest.param({"state": "CA-ON"}, id="state-of-another-country"),
    pytest.param({"country": "ZZ"}, id="no-such-country"),
    pytest.param({"contact_type": "other", "custom_type": 999_999}, id="no-such-contact-type"),
    pytest.param({"contact_type": "other"}, id="other-without-a-type"),
    pytest.param({"contact_type": "primary"}, id="primary"),
]


def contact_as_form(values: dict[str, Any], base: dict[str, str] | None = None) -> dict[str, str]:
    """The values as the contact page's form posts them: the type as its one choice (`billing`, `type-<id>`)."""
    values = dict(values)
    kind, custom_type = values.pop("contact_type", None), values.pop("custom_type", None)
    data = as_form(values, base)
    if kind is not None or custom_type is not None:
        data["contact_type"] = f"type-{custom_type}" if custom_type is not None else str(kind)
    return data


def contact_writes() -> tuple[int, int]:
    return Contact.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("bad", BAD_CONTACT)
def test_add_contact_refuses_bad_input_with_the_pages_errors(login_as, api_as, support, make_client, bad):
    client = make_client(first_name="Grace")
    web, token = login_as(support), api_as(support)
    before = contact_writes()
    page = web.post(reverse("clients:contact_add", args=[client.pk]), contact_as_form({**GOOD_CONTACT, **bad}))
    api = token.post(f"/api/v1/clients/{client.pk}/contacts/", {**GOOD_CONTACT, **bad}, HTTP_IDEMPOTENCY_KEY="k")
    assert page.status_code == api.status_code == 422
    assert page_errors(page), "the page refused it"
    assert api.json()["errors"] == page_errors(page)
    assert contact_writes() == before


@pytest.mark.parametrize("bad", BAD_CONTACT)
def test_edit_contact_refuses_bad_input_with_the_pages_errors(
    login_as, api_as, support, make_client, make_contact, bad
):
    client = make_client(first_name="Grace")
    contact = make_contact(client, country="GB", phones=("020 7946 0958",))
    edit = reverse("clients:contact_edit", args=[client.pk, contact.pk])
    web, token = login_as(support), api_as(support)
    shown = form_as_shown(web.get(edit), "contact-form")
    before = contact_writes()
    page = web.post(edit, contact_as_form(bad, base=shown))
    api = token.patch(f"/api/v1/clients/{client.pk}/contacts/{contact.pk}/", bad)
    assert page.status_code == api.status_code == 422
    assert page_errors(page), "the page refused it"
    assert api.json()["errors"] == page_errors(page)
    assert contact_writes() == before


def test_the_same_good_contact_is_made_the_same_either_way(login_as, api_as, support, make_client):
    client = make_client(first_name="Grace")
    login_as(support).post(reverse("clients:contact_add", args=[client.pk]), contact_as_form(GOOD_CONTACT))
    api_as(support).post(f"/api/v1/clients/{client.pk}/contacts/", GOOD_CONTACT)
    web_made, api_made = AuditEvent.objects.filter(action="contact.create").order_by("id")
    assert web_made.changes == api_made.changes


# --- Notes ---------------------------------------------------------------------------------------

BAD_NOTE: list[Any] = [
    pytest.param({"summary": ""}, id="no-summary"),
    pytest.param({"summary": "   "}, id="blank-summary"),
    pytest.param({"summary": "x" * 256}, id="one-too-long"),
    pytest.param({"summary": "x" * 1000, "details": "kept?"}, id="far-too-long"),
]


def note_errors(response: Any) -> dict[str, list[str]]:
    """The errors the note page shows."""
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


def note_writes() -> tuple[int, int]:
    return Note.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("bad", BAD_NOTE)
def test_add_note_refuses_bad_input_with_the_pages_errors(login_as, api_as, support, make_client, bad):
    client = make_client()
    web, token = login_as(support), api_as(support)
    before = note_writes()
    page = web.post(reverse("notes:note_add", args=[client.pk]), as_form({"details": "", **bad}))
    api = token.post(f"/api/v1/clients/{client.pk}/notes/", bad, HTTP_IDEMPOTENCY_KEY="k")
    assert page.status_code == api.status_code == 422
    assert note_errors(page), "the page refused it"
    assert api.json()["errors"] == note_errors(page)
    assert note_writes() == before


@pytest.mark.parametrize("bad", BAD_NOTE)
def test_edit_note_refuses_bad_input_with_the_pages_errors(login_as, api_as, support, make_note, bad):
    note = make_note(summary="Called", details="About the invoice")
    edit = reverse("notes:note_edit", args=[note.client_id, note.pk])
    web, token = login_as(support), api_as(support)
    shown = {**form_as_shown(web.get(edit), "note-form"), "details": note.details}  # (a textarea)
    before = note_writes()
    page = web.post(edit, as_form(bad, base=shown))
    api = token.patch(f"/api/v1/clients/{note.client_id}/notes/{note.pk}/", bad)
    assert page.status_code == api.status_code == 422
    assert note_errors(page), "the page refused it"
    assert api.json()["errors"] == note_errors(page)
    assert note_writes() == before
    note.refresh_from_db()
    assert (note.summary, note.details) == ("Called", "About the invoice")


# --- Staff members ---------------------------------------------------------------------------------

GOOD_MEMBER = {"email": "lin@example.test", "full_name": "Lin Wu", "roles": ["Billing"]}

BAD_MEMBER: list[Any] = [
    pytest.param({"roles": []}, id="no-role"),
    pytest.param({"roles": ["Janitor"]}, id="unknown-role"),
    pytest.param({"email": "lin"}, id="not-an-email"),
    pytest.param({"email": "ADA@staff.test"}, id="email-taken"),
    pytest.param({"email": "lin@exämple.test"}, id="not-ascii"),
    pytest.param({"full_name": ""}, id="no-name"),
    pytest.param({"full_name": "x" * 151}, id="name-too-long"),
    pytest.param({"full_name": "", "email": "nope", "roles": []}, id="every-field"),
]


def member_writes() -> tuple[int, int]:
    return User.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("bad", BAD_MEMBER)
def test_add_staff_member_refuses_bad_input_with_the_pages_errors(login_as, api_as, admin, bad):
    web, token = login_as(admin), api_as(admin)
    before = member_writes()
    page = web.post(reverse("accounts:staff_add"), {**GOOD_MEMBER, **bad})
    api = token.post("/api/v1/staff/", {**GOOD_MEMBER, **bad}, HTTP_IDEMPOTENCY_KEY="k")
    assert page.status_code == api.status_code == 422
    assert note_errors(page), "the page refused it"  # (its form's errors, as for notes)
    assert api.json()["errors"] == note_errors(page)
    assert member_writes() == before


def test_the_same_good_member_is_added_the_same_either_way(login_as, api_as, admin):
    login_as(admin).post(reverse("accounts:staff_add"), {**GOOD_MEMBER, "email": "lin@web.test"})
    api_as(admin).post("/api/v1/staff/", {**GOOD_MEMBER, "email": "lin@api.test"})
    web_made = AuditEvent.objects.get(action="user.create", actor_type=ActorType.USER)
    api_made = AuditEvent.objects.get(action="user.create", actor_type=ActorType.TOKEN)
    assert web_made.changes.pop("email") == [None, "lin@web.test"]
    assert api_made.changes.pop("email") == [None, "lin@api.test"]
    assert web_made.changes == api_made.changes


# --- Email Client --------------------------------------------------------------------------------

GOOD_EMAIL: dict[str, Any] = {
    "to": ["grace@acme.example"],
    "cc": ["accounts@acme.example"],
    "bcc": [],
    "from_name": "Sue",
    "from_email": "sue@staff.test",
    "subject": "Your renewal",
    "html": "<p>Hello <b>Grace</b></p>",
    "text": "",
}

BAD_EMAIL: list[Any] = [
    pytest.param({"to": ["grace@"]}, id="bad-address"),
    pytest.param({"to": []}, id="no-address"),
    pytest.param({"to": ["grace@acme.example", "grace@"], "cc": ["x@"], "bcc": ["y@"]}, id="bad-in-each-field"),
    pytest.param({"to": [f"person{i}@acme.example" for i in range(51)]}, id="too-many-recipients"),
    pytest.param({"subject": ""}, id="no-subject"),
    pytest.param({"subject": "   "}, id="blank-subject"),
    pytest.param({"subject": "x" * 999}, id="subject-too-long"),
    pytest.param({"subject": "Hi\r\nBcc: everyone@else.example"}, id="line-break-in-subject"),
    pytest.param({"to": ["grace@acme.example\nBcc: x@else.example"]}, id="line-break-in-an-address"),
    pytest.param({"cc": ["cc@acme.example\u2028"]}, id="line-separator-in-cc"),
    pytest.param({"from_name": "Sue\rX-Injected: 1"}, id="line-break-in-the-name"),
    pytest.param({"from_name": "x" * 300}, id="name-too-long"),
    pytest.param({"from_email": ""}, id="no-sender"),
    pytest.param({"from_email": "sue@"}, id="bad-sender"),
    pytest.param({"html": "", "text": ""}, id="no-message"),
    pytest.param({"html": "<p> </p>", "text": "  "}, id="an-empty-paragraph"),
    pytest.param({"from_email": "", "to": ["grace@"]}, id="form-first"),
]


def email_as_form(values: dict[str, Any]) -> dict[str, str]:
    """The values as the Email Client page posts them: to another address, each field's addresses joined by commas."""
    return {"recipient": "other", **{k: ", ".join(v) if isinstance(v, list) else v for k, v in values.items()}}


def email_writes() -> tuple[int, int]:
    from clientdesk.mail.models import OutboundEmail

    return OutboundEmail.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("bad", BAD_EMAIL)
def test_email_client_refuses_bad_input_with_the_pages_errors(login_as, api_as, support, make_client, bad):
    client = make_client()
    web, token = login_as(support), api_as(support)
    before = email_writes()
    page = web.post(reverse("mail:email_send", args=[client.pk]), email_as_form({**GOOD_EMAIL, **bad}))
    api = token.post(f"/api/v1/clients/{client.pk}/emails/", {**GOOD_EMAIL, **bad}, HTTP_IDEMPOTENCY_KEY="k")
    assert page.status_code == api.status_code == 422
    assert note_errors(page), "the page refused it"
    assert api.json()["errors"] == note_errors(page)
    assert email_writes() == before


def test_the_same_good_email_is_queued_the_same_either_way(login_as, api_as, support, make_client):
    from clientdesk.mail.models import OutboundEmail

    client = make_client()
    login_as(support).post(reverse("mail:email_send", args=[client.pk]), email_as_form(GOOD_EMAIL))
    api_as(support).post(f"/api/v1/clients/{client.pk}/emails/", GOOD_EMAIL, HTTP_IDEMPOTENCY_KEY="k")
    web_sent, api_sent = AuditEvent.objects.filter(action="mail.send").order_by("id")
    assert web_sent.changes == api_sent.changes
    fields = ("to", "cc", "bcc", "from_name", "from_email", "subject", "html_body", "text_body", "sent_by_id")
    web_email, api_email = OutboundEmail.objects.order_by("id").values_list(*fields)
    assert web_email == api_email


RESEND_BAD = {"bad-address", "line-break-in-subject", "no-message"}


@pytest.mark.parametrize("bad", [p for p in BAD_EMAIL if p.id in RESEND_BAD])
def test_resend_refuses_bad_input_with_the_pages_errors(login_as, api_as, support, make_client, bad):
    from clientdesk.mail.actions import email_send

    client = make_client()
    original = email_send(actor=support, client=client, **{**GOOD_EMAIL, "cc": [], "text": "Hello"})
    web, token = login_as(support), api_as(support)
    before = email_writes()
    page_url = reverse("mail:email_resend", args=[client.pk, original.pk])
    api_url = f"/api/v1/clients/{client.pk}/emails/{original.pk}/resend/"
    page = web.post(page_url, email_as_form({**GOOD_EMAIL, **bad}))
    api = token.post(api_url, {**GOOD_EMAIL, **bad}, HTTP_IDEMPOTENCY_KEY="k")
    assert page.status_code == api.status_code == 422
    assert note_errors(page), "the page refused it"
    assert api.json()["errors"] == note_errors(page)
    assert email_writes() == before


# --- Email templates -----------------------------------------------------------------------------

BAD_TEMPLATE: list[Any] = [
    pytest.param({"subject": ""}, id="no-subject"),
    pytest.param({"subject": "   "}, id="blank-subject"),
    pytest.param({"subject": "Invoice {{ invoice.amount }}"}, id="unknown-variable"),
    pytest.param({"html": "<p>{% if %}</p>"}, id="syntax"),
    pytest.param({"text": "{{ contact.first_name.__class__ }}"}, id="sandbox"),
    pytest.param({"html": "", "text": ""}, id="no-body"),
    pytest.param({"subject": "{{ nope }}", "html": "{% for %}", "text": ""}, id="every-part"),
]


@pytest.mark.parametrize("bad", BAD_TEMPLATE)
def test_a_template_edit_refuses_bad_input_with_the_pages_errors(login_as, api_as, admin, bad):
    from clientdesk.mail.models import EmailTemplate
    from clientdesk.mail.template_forms import EmailTemplateForm

    template = EmailTemplate.objects.get(action="invoice_delivery")
    web, token = login_as(admin), api_as(admin)
    shown = {k: v for k, v in EmailTemplateForm.initial_for(template).items() if k != "active"}
    events = AuditEvent.objects.count()
    edit = reverse("mail_templates:emailtemplate_edit", args=[template.action])
    page = web.post(edit, {**shown, "active": "on", **bad})
    api = token.patch(f"/api/v1/email-templates/{template.action}/", bad)
    assert page.status_code == api.status_code == 422
    assert note_errors(page), "the page refused it"
    assert api.json()["errors"] == note_errors(page)
    assert AuditEvent.objects.count() == events


# --- Payment accounts ----------------------------------------------------------------------------
# The API answers exactly what card_add / bank_add / card_update raise for the same values (the holder's
# fields under `holder.`, as the API names them), and so do the pages (Add CC / Add ACH account, Edit).

GOOD_CARD = {"number": "4000056655665556", "expiry_month": 12, "expiry_year": 2031, "security_code": "739"}
GOOD_HOLDER = {"first_name": "Ann", "last_name": "Lee", "country": "GB"}
BAD_CARD: list[Any] = [
    pytest.param({"number": "4000056655665557", "expiry_year": 2020}, id="luhn-and-expired"),
    pytest.param({"number": "9999999999999995", "security_code": ""}, id="no-brand-no-code"),
    pytest.param({"number": "42", "expiry_month": 0}, id="short-and-month"),
    pytest.param({"holder": {"first_name": "", "last_name": " "}}, id="no-holder"),
    pytest.param({"holder": {**GOOD_HOLDER, "state": "x" * 11}}, id="model-rule"),
]
BAD_BANK_ACCOUNT: list[Any] = [
    pytest.param({"routing_number": "021000022", "account_number": "12"}, id="aba-and-short"),
    pytest.param({"account_type": "", "routing_number": ""}, id="no-type-no-routing"),
    pytest.param({"account_number": "12-34-x"}, id="not-digits"),
]


def action_errors(action: Any, **arguments: Any) -> dict[str, list[str]]:
    """What the action raises for these arguments, keyed as the API names the fields."""
    from django.core.exceptions import ValidationError

    from clientdesk.api.payment_input import HOLDER_FIELDS

    with pytest.raises(ValidationError) as refused:
        action(actor=None, copy_from=None, **arguments)
    return {f"holder.{k}" if k in HOLDER_FIELDS else k: v for k, v in refused.value.message_dict.items()}


def holder_data(values: dict[str, Any]) -> Any:
    from clientdesk.payments.actions import HolderData

    return HolderData(**{"first_name": "", "last_name": "", **values.get("holder", GOOD_HOLDER)})


@pytest.mark.parametrize("bad", BAD_CARD)
def test_add_card_refuses_bad_input_with_the_actions_errors(api_as, billing, make_client, vault_settings, bad):
    from clientdesk.payments.actions import card_add
    from clientdesk.payments.models import PaymentAccount

    client = make_client()
    values = {**GOOD_CARD, "holder": GOOD_HOLDER, **bad}
    expected = action_errors(
        card_add, client=client, holder=holder_data(values), **{k: v for k, v in values.items() if k != "holder"}
    )
    api = api_as(billing).post(
        f"/api/v1/clients/{client.pk}/payment-accounts/", {"kind": "card", **values}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert api.status_code == 422
    assert api.json()["errors"] == expected
    assert not PaymentAccount.objects.exists()


@pytest.mark.parametrize("bad", BAD_BANK_ACCOUNT)
def test_add_bank_account_refuses_bad_input_with_the_actions_errors(api_as, billing, make_client, vault_settings, bad):
    from clientdesk.payments.actions import bank_add
    from clientdesk.payments.models import PaymentAccount

    client = make_client()
    good = {"account_type": "checking", "routing_number": "011000015", "account_number": "000123456789"}
    values = {**good, "holder": GOOD_HOLDER, **bad}
    expected = action_errors(
        bank_add, client=client, holder=holder_data(values), **{k: v for k, v in values.items() if k != "holder"}
    )
    api = api_as(billing).post(
        f"/api/v1/clients/{client.pk}/payment-accounts/", {"kind": "bank", **values}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert api.status_code == 422
    assert api.json()["errors"] == expected
    assert not PaymentAccount.objects.exists()


@pytest.mark.parametrize("bad", BAD_CARD)
def test_a_card_edit_refuses_bad_input_with_the_actions_errors(api_as, billing, make_client, make_card, bad):
    from clientdesk.payments.actions import card_update

    card = make_card(make_client())
    values = {**GOOD_CARD, "holder": GOOD_HOLDER, **bad}
    expected = action_errors(
        card_update, account=card, holder=holder_data(values), **{k: v for k, v in values.items() if k != "holder"}
    )
    token = api_as(billing)
    events = AuditEvent.objects.count()
    api = token.patch(f"/api/v1/clients/{card.client_id}/payment-accounts/{card.pk}/", values)
    assert api.status_code == 422
    assert api.json()["errors"] == expected
    assert AuditEvent.objects.count() == events


def payment_page_errors(response: Any) -> dict[str, list[str]]:
    """The errors Add CC / Add ACH account shows, keyed as the API keys them."""
    from clientdesk.api.payment_input import HOLDER_FIELDS

    form = response.context["form"]
    return {f"holder.{k}" if k in HOLDER_FIELDS else k: list(v) for k, v in form.errors.items()}


def payment_as_form(values: dict[str, Any]) -> dict[str, str]:
    holder = values.get("holder", {})
    flat = {k: v for k, v in values.items() if k != "holder"}
    return {k: "" if v is None else str(v) for k, v in {**holder, **flat}.items()}


@pytest.mark.parametrize("bad", BAD_CARD)
def test_add_cc_account_page_refuses_bad_input_with_the_apis_errors(
    login_as, api_as, billing, make_client, vault_settings, bad
):
    from clientdesk.payments.models import PaymentAccount

    client = make_client()
    values = {**GOOD_CARD, "holder": GOOD_HOLDER, **bad}
    page = login_as(billing).post(reverse("payments:card_add", args=[client.pk]), payment_as_form(values))
    api = api_as(billing).post(
        f"/api/v1/clients/{client.pk}/payment-accounts/", {"kind": "card", **values}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert page.status_code == api.status_code == 422
    assert payment_page_errors(page), "the page refused it"
    assert api.json()["errors"] == payment_page_errors(page)
    assert not PaymentAccount.objects.exists()


@pytest.mark.parametrize("bad", BAD_BANK_ACCOUNT)
def test_add_ach_account_page_refuses_bad_input_with_the_apis_errors(
    login_as, api_as, billing, make_client, vault_settings, bad
):
    from clientdesk.payments.models import PaymentAccount

    client = make_client()
    good = {"account_type": "checking", "routing_number": "011000015", "account_number": "000123456789"}
    values = {**good, "holder": GOOD_HOLDER, **bad}
    page = login_as(billing).post(reverse("payments:bank_add", args=[client.pk]), payment_as_form(values))
    api = api_as(billing).post(
        f"/api/v1/clients/{client.pk}/payment-accounts/", {"kind": "bank", **values}, HTTP_IDEMPOTENCY_KEY="k"
    )
    assert page.status_code == api.status_code == 422
    assert api.json()["errors"] == payment_page_errors(page)
    assert not PaymentAccount.objects.exists()
