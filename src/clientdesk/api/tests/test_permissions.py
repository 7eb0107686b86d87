"""Every endpoint, every persona (and an Admin's read-only token), each method: the status, and whether
the database changed.

The database change is read from one table, the audit log: every write of the desk records one event
(reads record none), so a count that moved is a write that happened.
"""

import pytest

from clientdesk.accounts import actions as staff_actions
from clientdesk.accounts.tests.test_staff_actions import enrol_two_factor, lock_out
from clientdesk.audit.models import AuditEvent
from clientdesk.clients.models import Contact, ContactType
from clientdesk.core.contract import Role
from clientdesk.mail.actions import email_send
from clientdesk.mail.models import EmailTemplate
from clientdesk.mail.template_actions import template_update

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "outsider", "readonly", "support", "billing", "admin", "read_only_token")
NEW_CLIENT = {"first_name": "Ann", "last_name": "Lee", "email": "ann@lee.example", "country": "US"}
NEW_CONTACT = {"contact_type": "billing", "first_name": "Ada", "last_name": "Byron", "email": "ada@engines.example"}
NEW_MEMBER = {"email": "lin@example.test", "full_name": "Lin Wu", "roles": ["Billing"]}
NO = (401, 405, 405, 405, 405, 405, 405)  # a method the endpoint does not have
NO_WRITE = (401, 405, 405, 405, 405, 405, 403)  # … which a read-only token may not even try
ADMIN_ONLY = (401, 403, 403, 403, 403, 200, 403)  # Settings → Staff: only Admin holds the accounts permissions
NEW_EMAIL = {"to": ["grace@acme.example"], "subject": "Your renewal", "text": "Hello Grace"}
NEW_CARD = {
    "kind": "card",
    "number": "4000056655665556",
    "expiry_month": 12,
    "expiry_year": 2031,
    "security_code": "739",
    "holder": {"first_name": "Ann", "last_name": "Lee"},
}
PAYMENT_TYPES = {"cards": True, "bank_accounts": False}

# (what, method, path, body, statuses for PERSONAS in order); "{contact}" in a body is that contact's id.
CASES = [
    ("me", "get", "/api/v1/me/", None, (401, 200, 200, 200, 200, 200, 200)),
    ("client list", "get", "/api/v1/clients/", None, (401, 403, 200, 200, 200, 200, 200)),
    ("client search", "get", "/api/v1/clients/search/?q=Hopper", None, (401, 403, 200, 200, 200, 200, 200)),
    ("status counts", "get", "/api/v1/clients/status-counts/", None, (401, 403, 200, 200, 200, 200, 200)),
    ("add client", "post", "/api/v1/clients/", NEW_CLIENT, (401, 403, 403, 403, 201, 201, 403)),
    ("replace the list", "put", "/api/v1/clients/", NEW_CLIENT, NO_WRITE),
    ("client", "get", "/api/v1/clients/{client}/", None, (401, 403, 200, 200, 200, 200, 200)),
    ("edit client", "patch", "/api/v1/clients/{client}/", {"city": "Reston"}, (401, 403, 403, 200, 200, 200, 403)),
    ("replace client", "put", "/api/v1/clients/{client}/", NEW_CLIENT, NO_WRITE),
    ("delete client", "delete", "/api/v1/clients/{client}/", None, NO_WRITE),
    (
        "change status",
        "post",
        "/api/v1/clients/{client}/status/",
        {"seen": "active"},
        (401, 403, 403, 403, 200, 200, 403),
    ),
    ("read status", "get", "/api/v1/clients/{client}/status/", None, NO),
    ("history", "get", "/api/v1/clients/{client}/history/", None, (401, 403, 200, 200, 200, 200, 200)),
    # Contacts: reading is seeing clients; Support adds and edits; Billing and Admin delete too.
    ("contacts", "get", "/api/v1/clients/{client}/contacts/", None, (401, 403, 200, 200, 200, 200, 200)),
    (
        "add contact",
        "post",
        "/api/v1/clients/{client}/contacts/",
        NEW_CONTACT,
        (401, 403, 403, 201, 201, 201, 403),
    ),
    ("replace contacts", "put", "/api/v1/clients/{client}/contacts/", NEW_CONTACT, NO_WRITE),
    ("contact", "get", "/api/v1/clients/{client}/contacts/{contact}/", None, (401, 403, 200, 200, 200, 200, 200)),
    (
        "edit contact",
        "patch",
        "/api/v1/clients/{client}/contacts/{contact}/",
        {"city": "Bath"},
        (401, 403, 403, 200, 200, 200, 403),
    ),
    ("replace contact", "put", "/api/v1/clients/{client}/contacts/{contact}/", NEW_CONTACT, NO_WRITE),
    (
        "delete contact",
        "delete",
        "/api/v1/clients/{client}/contacts/{contact}/",
        None,
        (401, 403, 403, 403, 204, 204, 403),
    ),
    # The primary contact is listed with the others, but changed with its client: refused, nothing written.
    (
        "edit primary contact",
        "patch",
        "/api/v1/clients/{client}/contacts/{primary}/",
        {"city": "Bath"},
        (401, 403, 403, 409, 409, 409, 403),
    ),
    (
        "delete primary contact",
        "delete",
        "/api/v1/clients/{client}/contacts/{primary}/",
        None,
        (401, 403, 403, 403, 409, 409, 403),
    ),
    (
        "invoice contact",
        "get",
        "/api/v1/clients/{client}/invoice-contact/",
        None,
        (401, 403, 200, 200, 200, 200, 200),
    ),
    (
        "address invoices",
        "put",
        "/api/v1/clients/{client}/invoice-contact/",
        {"invoice_contact": "{contact}"},
        (401, 403, 403, 403, 200, 200, 403),
    ),
    (
        "address invoices (patch)",
        "patch",
        "/api/v1/clients/{client}/invoice-contact/",
        {"invoice_contact": "{contact}"},
        (401, 403, 403, 403, 200, 200, 403),
    ),
    ("post invoice contact", "post", "/api/v1/clients/{client}/invoice-contact/", {}, NO_WRITE),
    ("delete invoice contact", "delete", "/api/v1/clients/{client}/invoice-contact/", None, NO_WRITE),
    # Contact types: every role reads them; managing them is Admin's.
    ("contact types", "get", "/api/v1/contact-types/", None, (401, 403, 200, 200, 200, 200, 200)),
    ("add contact type", "post", "/api/v1/contact-types/", {"name": "Sales"}, (401, 403, 403, 403, 403, 201, 403)),
    ("contact type", "get", "/api/v1/contact-types/{type}/", None, (401, 403, 200, 200, 200, 200, 200)),
    (
        "rename contact type",
        "patch",
        "/api/v1/contact-types/{type}/",
        {"name": "Sales"},
        (401, 403, 403, 403, 403, 200, 403),
    ),
    ("replace contact type", "put", "/api/v1/contact-types/{type}/", {"name": "Sales"}, NO_WRITE),
    ("delete contact type", "delete", "/api/v1/contact-types/{type}/", None, (401, 403, 403, 403, 403, 204, 403)),
    # Notes: every role reads them; Support adds and edits; Billing and Admin delete too.
    ("notes", "get", "/api/v1/clients/{client}/notes/", None, (401, 403, 200, 200, 200, 200, 200)),
    ("sticky notes", "get", "/api/v1/clients/{client}/notes/?sticky=true", None, (401, 403, 200, 200, 200, 200, 200)),
    ("add note", "post", "/api/v1/clients/{client}/notes/", {"summary": "Called"}, (401, 403, 403, 201, 201, 201, 403)),
    ("note", "get", "/api/v1/clients/{client}/notes/{note}/", None, (401, 403, 200, 200, 200, 200, 200)),
    (
        "edit note",
        "patch",
        "/api/v1/clients/{client}/notes/{note}/",
        {"summary": "Called back"},
        (401, 403, 403, 200, 200, 200, 403),
    ),
    (
        "unstick note",
        "patch",
        "/api/v1/clients/{client}/notes/{note}/",
        {"sticky": False},
        (401, 403, 403, 200, 200, 200, 403),
    ),
    ("replace note", "put", "/api/v1/clients/{client}/notes/{note}/", {"summary": "Called back"}, NO_WRITE),
    ("delete note", "delete", "/api/v1/clients/{client}/notes/{note}/", None, (401, 403, 403, 403, 204, 204, 403)),
    # Mail: reading a client's Mail Log is every role's; Support, Billing and Admin send and resend.
    ("emails", "get", "/api/v1/clients/{client}/emails/", None, (401, 403, 200, 200, 200, 200, 200)),
    ("email client", "post", "/api/v1/clients/{client}/emails/", NEW_EMAIL, (401, 403, 403, 201, 201, 201, 403)),
    ("replace emails", "put", "/api/v1/clients/{client}/emails/", NEW_EMAIL, NO_WRITE),
    ("email", "get", "/api/v1/clients/{client}/emails/{email}/", None, (401, 403, 200, 200, 200, 200, 200)),
    ("edit email", "patch", "/api/v1/clients/{client}/emails/{email}/", {"subject": "x"}, NO_WRITE),
    ("delete email", "delete", "/api/v1/clients/{client}/emails/{email}/", None, NO_WRITE),
    ("resend", "post", "/api/v1/clients/{client}/emails/{email}/resend/", {}, (401, 403, 403, 201, 201, 201, 403)),
    ("read resend", "get", "/api/v1/clients/{client}/emails/{email}/resend/", None, NO),
    # Email templates: Admin's alone.
    ("email templates", "get", "/api/v1/email-templates/", None, (401, 403, 403, 403, 403, 200, 200)),
    ("add email template", "post", "/api/v1/email-templates/", {"subject": "x"}, NO_WRITE),
    ("email template", "get", "/api/v1/email-templates/{template}/", None, (401, 403, 403, 403, 403, 200, 200)),
    ("edit email template", "patch", "/api/v1/email-templates/{template}/", {"active": False}, ADMIN_ONLY),
    ("delete email template", "delete", "/api/v1/email-templates/{template}/", None, NO_WRITE),
    ("reset email template", "post", "/api/v1/email-templates/{template}/reset/", {}, ADMIN_ONLY),
    # Payment accounts: every role reads them; Billing and Admin add, edit, delete and choose auto-debit.
    # `account` is Grace's card (her auto-debit account), `second` her bank account.
    (
        "payment accounts",
        "get",
        "/api/v1/clients/{client}/payment-accounts/",
        None,
        (401, 403, 200, 200, 200, 200, 200),
    ),
    (
        "add payment account",
        "post",
        "/api/v1/clients/{client}/payment-accounts/",
        NEW_CARD,
        (401, 403, 403, 403, 201, 201, 403),
    ),
    ("replace payment accounts", "put", "/api/v1/clients/{client}/payment-accounts/", NEW_CARD, NO_WRITE),
    (
        "payment account",
        "get",
        "/api/v1/clients/{client}/payment-accounts/{account}/",
        None,
        (401, 403, 200, 200, 200, 200, 200),
    ),
    (
        "edit payment account",
        "patch",
        "/api/v1/clients/{client}/payment-accounts/{account}/",
        {"expiry_year": 2033},
        (401, 403, 403, 403, 200, 200, 403),
    ),
    ("replace payment account", "put", "/api/v1/clients/{client}/payment-accounts/{account}/", NEW_CARD, NO_WRITE),
    (
        "delete payment account",
        "delete",
        "/api/v1/clients/{client}/payment-accounts/{account}/",
        None,
        (401, 403, 403, 403, 204, 204, 403),
    ),
    (
        "auto-debit",
        "post",
        "/api/v1/clients/{client}/payment-accounts/{second}/auto-debit/",
        {},
        (401, 403, 403, 403, 200, 200, 403),
    ),
    (
        "stop auto-debit",
        "delete",
        "/api/v1/clients/{client}/payment-accounts/{account}/auto-debit/",
        None,
        (401, 403, 403, 403, 204, 204, 403),
    ),
    ("read auto-debit", "get", "/api/v1/clients/{client}/payment-accounts/{account}/auto-debit/", None, NO),
    ("payment types", "get", "/api/v1/clients/{client}/payment-types/", None, (401, 403, 200, 200, 200, 200, 200)),
    (
        "set payment types",
        "put",
        "/api/v1/clients/{client}/payment-types/",
        PAYMENT_TYPES,
        (401, 403, 403, 403, 200, 200, 403),
    ),
    ("post payment types", "post", "/api/v1/clients/{client}/payment-types/", PAYMENT_TYPES, NO_WRITE),
    ("staff", "get", "/api/v1/staff/", None, (401, 403, 403, 403, 403, 200, 200)),
    ("staff member", "get", "/api/v1/staff/{member}/", None, (401, 403, 403, 403, 403, 200, 200)),
    # Settings → Staff: each write on a member who has something to change (`target`: a Support member with
    # two-factor on and locked out; `inactive`: a deactivated one). `member` is the admin persona: their own
    # account, and the last active Admin, so what would take that away is refused (409) and writes nothing.
    ("add staff", "post", "/api/v1/staff/", NEW_MEMBER, (401, 403, 403, 403, 403, 201, 403)),
    ("replace the staff list", "put", "/api/v1/staff/", NEW_MEMBER, NO_WRITE),
    ("edit staff member", "patch", "/api/v1/staff/{member}/", {"full_name": "Eve"}, NO_WRITE),
    ("delete staff member", "delete", "/api/v1/staff/{member}/", None, NO_WRITE),
    ("change roles", "put", "/api/v1/staff/{target}/roles/", {"roles": ["Billing"], "base": ["Support"]}, ADMIN_ONLY),
    ("change roles (post)", "post", "/api/v1/staff/{target}/roles/", {"roles": ["Billing"]}, ADMIN_ONLY),
    ("read roles", "get", "/api/v1/staff/{target}/roles/", None, NO),
    (
        "take the last admin's role",
        "put",
        "/api/v1/staff/{member}/roles/",
        {"roles": ["Support"]},
        (401, 403, 403, 403, 403, 409, 403),
    ),
    ("deactivate", "post", "/api/v1/staff/{target}/deactivate/", None, ADMIN_ONLY),
    ("deactivate oneself", "post", "/api/v1/staff/{member}/deactivate/", None, (401, 403, 403, 403, 403, 409, 403)),
    ("reactivate", "post", "/api/v1/staff/{inactive}/reactivate/", {}, ADMIN_ONLY),
    ("reset two-factor", "post", "/api/v1/staff/{target}/two-factor-reset/", {}, ADMIN_ONLY),
    ("clear sign-in lock", "post", "/api/v1/staff/{target}/lock-clear/", {}, ADMIN_ONLY),
    ("issue set-password link", "post", "/api/v1/staff/{target}/password-link/", {}, ADMIN_ONLY),
    ("read set-password link", "get", "/api/v1/staff/{target}/password-link/", None, NO),
    ("schema", "get", "/api/v1/schema/", None, (401, 200, 200, 200, 200, 200, 200)),
]
# How the schema names each placeholder of a path.
PATH_NAMES = {
    "{client}": "{id}",
    "{member}": "{id}",
    "{target}": "{id}",
    "{inactive}": "{id}",
    "{type}": "{id}",
    "{contact}": "{contact_id}",
    "{primary}": "{contact_id}",
    "{note}": "{note_id}",
    "{email}": "{email_id}",
    "{template}": "{action}",
    "{account}": "{account_id}",
    "{second}": "{account_id}",
}


@pytest.fixture
def grace(make_client):
    return make_client(first_name="Grace", last_name="Hopper")


@pytest.fixture
def target(make_staff):
    """A Support member with two-factor on and their sign-in locked: each staff write changes something."""
    member = make_staff("tess@staff.test", Role.SUPPORT)
    enrol_two_factor(member)
    lock_out(member)
    return member


@pytest.fixture
def inactive(make_staff):
    member = make_staff("ivan@staff.test", Role.BILLING)
    return staff_actions.user_deactivate(actor=None, user=member)


@pytest.fixture
def ids(grace, admin, target, inactive, make_contact, make_contact_type, make_note, make_card, make_bank):
    """The rows the paths name: a billing contact, a sticky note, a card and a bank account of Grace, a contact
    type, staff members."""
    return {
        "client": grace.pk,
        "member": admin.pk,
        "target": target.pk,
        "inactive": inactive.pk,
        "contact": make_contact(grace, first_name="Ada").pk,
        "primary": Contact.objects.get(client=grace, contact_type=ContactType.PRIMARY).pk,
        "type": make_contact_type("Technical").pk,
        "note": make_note(client=grace, summary="Called", sticky=True).pk,
        "email": _email_to(grace),
        "template": _changed_template(),
        "account": make_card(grace).pk,
        "second": make_bank(grace).pk,
    }


def _email_to(client):
    """The id of an email to `client`, written by Email Client."""
    return email_send(
        actor=None, client=client, to=["grace@acme.example"], from_name="", from_email="d@x.test", subject="H", text="H"
    ).pk


def _changed_template():
    """The action of a template edited since it was installed (so restoring its default changes it)."""
    template = EmailTemplate.objects.get(action="invoice_delivery")
    template_update(actor=None, template=template, subject="Invoice", html="", text="Due", active=True)
    return template.action


def _as(request, api_as, persona):
    if persona == "read_only_token":
        return api_as(request.getfixturevalue("admin"), read_only=True)
    return api_as(None if persona == "anonymous" else request.getfixturevalue(persona))


def _filled(body, ids):
    """The body with each "{name}" value replaced by the id of that row."""
    if body is None:
        return None
    return {
        key: ids[value[1:-1]] if isinstance(value, str) and value[1:-1] in ids else value for key, value in body.items()
    }


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "persona", "expected"),
    [
        pytest.param(what, method, path, body, persona, statuses[i], id=f"{what}-{method}-{persona}")
        for (what, method, path, body, statuses) in CASES
        for i, persona in enumerate(PERSONAS)
    ],
)
def test_each_endpoint_answers_each_persona(request, api_as, ids, what, method, path, body, persona, expected):
    api = _as(request, api_as, persona)
    url = path.format(**ids)
    events = AuditEvent.objects.count()
    response = getattr(api, method)(url, _filled(body, ids), HTTP_IDEMPOTENCY_KEY=f"{what}-{persona}".replace(" ", "-"))
    assert response.status_code == expected, response.content
    wrote = AuditEvent.objects.count() != events
    assert wrote == (method != "get" and expected in (200, 201, 204))
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == expected
    if expected == 403 and persona == "read_only_token":
        assert response.json()["type"] == "urn:clientdesk:problem:read-only-token"


# Every URL under a client (a contact's, a note's and a payment account's too), each method.
CLIENT_URLS = [
    ("get", "/api/v1/clients/{}/", None),
    ("patch", "/api/v1/clients/{}/", {"city": "Reston"}),
    ("post", "/api/v1/clients/{}/status/", {"seen": "active"}),
    ("get", "/api/v1/clients/{}/history/", None),
    ("get", "/api/v1/clients/{}/contacts/", None),
    ("post", "/api/v1/clients/{}/contacts/", NEW_CONTACT),
    ("get", "/api/v1/clients/{}/contacts/1/", None),
    ("patch", "/api/v1/clients/{}/contacts/1/", {"city": "Bath"}),
    ("delete", "/api/v1/clients/{}/contacts/1/", None),
    ("get", "/api/v1/clients/{}/invoice-contact/", None),
    ("put", "/api/v1/clients/{}/invoice-contact/", {"invoice_contact": None}),
    ("get", "/api/v1/clients/{}/notes/", None),
    ("post", "/api/v1/clients/{}/notes/", {"summary": "Called"}),
    ("get", "/api/v1/clients/{}/notes/1/", None),
    ("patch", "/api/v1/clients/{}/notes/1/", {"summary": "Called back"}),
    ("delete", "/api/v1/clients/{}/notes/1/", None),
    ("get", "/api/v1/clients/{}/emails/", None),
    ("post", "/api/v1/clients/{}/emails/", NEW_EMAIL),
    ("get", "/api/v1/clients/{}/emails/1/", None),
    ("post", "/api/v1/clients/{}/emails/1/resend/", {}),
    ("get", "/api/v1/clients/{}/payment-accounts/", None),
    ("post", "/api/v1/clients/{}/payment-accounts/", NEW_CARD),
    ("get", "/api/v1/clients/{}/payment-accounts/1/", None),
    ("patch", "/api/v1/clients/{}/payment-accounts/1/", {"expiry_year": 2033}),
    ("delete", "/api/v1/clients/{}/payment-accounts/1/", None),
    ("post", "/api/v1/clients/{}/payment-accounts/1/auto-debit/", {}),
    ("delete", "/api/v1/clients/{}/payment-accounts/1/auto-debit/", None),
    ("get", "/api/v1/clients/{}/payment-types/", None),
    ("put", "/api/v1/clients/{}/payment-types/", PAYMENT_TYPES),
]
# The writes among them: the Read-only role holds no permission to make any of them.
CLIENT_WRITES = [case for case in CLIENT_URLS if case[0] != "get"]


@pytest.mark.parametrize(("method", "path", "body"), CLIENT_URLS)
def test_without_the_view_permission_a_client_url_says_nothing_of_whether_it_exists(
    api_as, outsider, grace, method, path, body
):
    api = api_as(outsider)
    missing = grace.pk + 1000
    there = getattr(api, method)(path.format(grace.pk), body)
    not_there = getattr(api, method)(path.format(missing), body)
    assert there.status_code == not_there.status_code == 403
    assert there.json() == not_there.json()
    assert there.json()["detail"].startswith("You need the “")


@pytest.mark.parametrize(("method", "path", "body"), CLIENT_WRITES)
def test_a_write_without_its_permission_is_refused_before_the_client_is_looked_up(
    api_as, readonly, grace, method, path, body
):
    api = api_as(readonly)
    there = getattr(api, method)(path.format(grace.pk), body)
    not_there = getattr(api, method)(path.format(grace.pk + 1000), body)
    assert there.status_code == not_there.status_code == 403
    assert there.json() == not_there.json()


@pytest.mark.parametrize(("method", "path", "body"), CLIENT_URLS)
def test_a_missing_client_is_404_for_those_who_may_see_clients(api_as, admin, grace, method, path, body):
    response = getattr(api_as(admin), method)(path.format(grace.pk + 1000), body)
    assert response.status_code == 404
    assert response.json() == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not found."}


def test_the_refusal_names_the_permission_and_the_roles_that_hold_it(api_as, support):
    response = api_as(support).post("/api/v1/clients/", NEW_CLIENT, HTTP_IDEMPOTENCY_KEY="k")
    assert response.json()["detail"] == "You need the “Can add client” permission (Billing or Admin role) to do this."


def test_the_cases_cover_every_endpoint_of_the_api(api_as, admin):
    schema = api_as(admin).get("/api/v1/schema/").json()
    described = {(path, method) for path, item in schema["paths"].items() for method in item}
    tested = set()
    for _, method, path, _, _ in CASES:
        for placeholder, name in PATH_NAMES.items():
            path = path.replace(placeholder, name)
        tested.add((path.split("?")[0], method))
    assert described <= tested
