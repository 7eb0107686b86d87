"""Schemathesis against the live schema, with every check it has.

Each operation of the schema `/api/v1/schema/` serves gets generated requests, valid and invalid,
sent through the WSGI application as an Admin's token (the `ignored_auth` check also sends them
without one and with a wrong one): no server error, every response as the schema says (status,
content type, headers, body), invalid input refused and valid input accepted, deleted resources
gone. The examples per operation are bounded so the whole run stays within a minute or two.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client as DjangoClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config._checks import PositiveDataAcceptanceConfig

from clientdesk.accounts.actions import user_deactivate
from clientdesk.accounts.tests.test_staff_actions import enrol_two_factor, lock_out
from clientdesk.api.views.docs import SchemaView
from clientdesk.core.contract import Role
from clientdesk.mail.actions import email_send
from clientdesk.mail.models import EmailTemplate
from clientdesk.mail.template_actions import template_update

pytestmark = pytest.mark.django_db

EXAMPLES = 12  # per operation and generation mode
# The same examples on every run, so a run fails only for a change in the code (random runs found and
# fixed what they could before this was set: a new random search is `derandomize=False` away).

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())


def _served_schema() -> dict[str, Any]:
    """The schema exactly as `/api/v1/schema/` serves it (its view's own generator; no database needed)."""
    generator = SchemaView.generator_class(urlconf=SchemaView.urlconf, api_version=SchemaView.api_version)
    return json.loads(json.dumps(generator.get_schema(request=None, public=True), default=str))


APP = get_wsgi_application()
schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = APP
# A request the schema allows may still break a rule no schema can state (a number not valid in the
# contact's country, a name already taken): that is a 422 problem naming the field, never a 400. An
# If-Match naming another version than the current one is a 412, as HTTP says.
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2xx", "3xx", "401", "403", "404", "409", "412", "422", "429"]
)


@pytest.fixture
def token(admin: Any, make_token: Any, make_client: Any, vault_settings: Any) -> Iterator[str]:
    """An Admin's token, with a client to list, read and change; the requests keep the test's connection.

    Payment accounts added on the way are sealed in a vault of the test's own (`vault_settings`).
    """
    from django.core import signals
    from django.db import close_old_connections

    make_client(first_name="Ada", last_name="Lovelace")
    _, secret = make_token(admin, name="schemathesis")
    # Like Django's test client: the end of a request must not close the test's database connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield secret
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_schema_tested_is_the_one_served(admin: Any, make_token: Any) -> None:
    _, secret = make_token(admin)
    served = DjangoClient().get("/api/v1/schema/", headers={"Authorization": f"Bearer {secret}"}, secure=True)
    assert served.status_code == 200
    assert json.loads(served.content) == _served_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_its_schema(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=ALL_CHECKS)


# The fuzzer seldom names a staff member who is not the token's owner: each staff write, made once where
# it changes something (a Support member with two-factor on, locked out; deactivated, to reactivate),
# answers as the schema says, under every check above.
STAFF_WRITES = [
    ("/api/v1/staff/", "POST", {"email": "lin@example.test", "full_name": "Lin Wu", "roles": ["Billing"]}),
    ("/api/v1/staff/{id}/roles/", "PUT", {"roles": ["Billing", "Support"], "base": ["Support"]}),
    ("/api/v1/staff/{id}/roles/", "POST", {"roles": ["Billing"]}),
    ("/api/v1/staff/{id}/deactivate/", "POST", {}),
    ("/api/v1/staff/{id}/reactivate/", "POST", {}),
    ("/api/v1/staff/{id}/two-factor-reset/", "POST", {}),
    ("/api/v1/staff/{id}/lock-clear/", "POST", {}),
    ("/api/v1/staff/{id}/password-link/", "POST", {}),
]


@pytest.mark.parametrize(("path", "method", "body"), STAFF_WRITES)
def test_each_staff_write_answers_as_the_schema_says(
    token: str, make_staff: Any, path: str, method: str, body: Any
) -> None:
    member = make_staff("tess@staff.test", Role.SUPPORT)
    enrol_two_factor(member)
    lock_out(member)
    if "reactivate" in path:
        user_deactivate(actor=None, user=member)
    case: Any = schema[path][method].Case(path_parameters={"id": str(member.pk)} if "{id}" in path else {}, body=body)
    response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=ALL_CHECKS)
    assert response.status_code in (200, 201), response.text


# Likewise a client's mail and the email templates: each call, made where there is something to read or
# change (an email to the client, a template edited since it was installed), answers as the schema says.
MAIL_CALLS = [
    ("/api/v1/clients/{id}/emails/", "GET", None),
    ("/api/v1/clients/{id}/emails/", "POST", {"to": ["ada@example.test"], "subject": "Hello", "html": "<p>Hi</p>"}),
    ("/api/v1/clients/{id}/emails/{email_id}/", "GET", None),
    ("/api/v1/clients/{id}/emails/{email_id}/resend/", "POST", {"cc": ["cc@example.test"]}),
    ("/api/v1/email-templates/", "GET", None),
    ("/api/v1/email-templates/{action}/", "GET", None),
    ("/api/v1/email-templates/{action}/", "PATCH", {"subject": "Invoice {{ invoice.number }}", "active": False}),
    ("/api/v1/email-templates/{action}/reset/", "POST", {}),
]


@pytest.mark.parametrize(("path", "method", "body"), MAIL_CALLS)
def test_each_mail_call_answers_as_the_schema_says(
    token: str, make_client: Any, path: str, method: str, body: Any
) -> None:
    client = make_client(first_name="Grace")
    email = email_send(
        actor=None, client=client, to=["g@example.test"], from_name="", from_email="d@x.test", subject="H", text="H"
    )
    template = EmailTemplate.objects.get(action="invoice_delivery")
    template_update(actor=None, template=template, subject="Invoice", html="", text="Due", active=True)
    found = {"id": str(client.pk), "email_id": str(email.pk), "action": template.action}
    parameters = {name: value for name, value in found.items() if f"{{{name}}}" in path}
    case: Any = schema[path][method].Case(path_parameters=parameters, **({} if body is None else {"body": body}))
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{method}-{path}"}
    response = case.call_and_validate(headers=headers, checks=ALL_CHECKS)
    assert response.status_code in (200, 201), response.text


# Likewise a client's payment accounts: each call, made where there is an account to read or change (a card,
# the client's auto-debit account, and a bank account), answers as the schema says.
NEW_CARD = {
    "kind": "card",
    "number": "4000 0566 5566 5556",
    "expiry_month": 12,
    "expiry_year": 2031,
    "security_code": "739",
    "holder": {"first_name": "Ada", "last_name": "Lovelace"},
}
NEW_BANK = {
    "kind": "bank",
    "account_type": "savings",
    "routing_number": "021000021",
    "account_number": "98765432101",
    "copy_from": "{contact}",
}
ACCOUNT = "/api/v1/clients/{id}/payment-accounts/{account_id}/"
PAYMENT_CALLS = [
    ("/api/v1/clients/{id}/payment-accounts/", "GET", None, None),
    ("/api/v1/clients/{id}/payment-accounts/", "POST", NEW_CARD, None),
    ("/api/v1/clients/{id}/payment-accounts/", "POST", NEW_BANK, None),
    (ACCOUNT, "GET", None, "card"),
    (ACCOUNT, "PATCH", {"expiry_year": 2033, "holder": {"city": "York"}}, "card"),
    (ACCOUNT, "PATCH", {"routing_number": "011000015", "account_number": "0001234"}, "bank"),
    (ACCOUNT, "DELETE", None, "card"),
    (f"{ACCOUNT}auto-debit/", "POST", {}, "bank"),
    (f"{ACCOUNT}auto-debit/", "DELETE", None, "card"),
    ("/api/v1/clients/{id}/payment-types/", "GET", None, None),
    ("/api/v1/clients/{id}/payment-types/", "PUT", {"cards": True, "bank_accounts": False}, None),
]


@pytest.mark.parametrize(("path", "method", "body", "account"), PAYMENT_CALLS)
def test_each_payment_call_answers_as_the_schema_says(
    token: str, make_client: Any, make_card: Any, make_bank: Any, path: str, method: str, body: Any, account: Any
) -> None:
    from clientdesk.clients.models import Contact

    client = make_client(first_name="Grace")
    accounts = {"card": make_card(client), "bank": make_bank(client)}  # the card is the auto-debit account
    contact = Contact.objects.get(client=client)
    found = {"id": str(client.pk), "account_id": str(accounts[account].pk) if account else ""}
    parameters = {name: value for name, value in found.items() if f"{{{name}}}" in path}
    if body is not None:
        body = {k: contact.pk if v == "{contact}" else v for k, v in body.items()}
    case: Any = schema[path][method].Case(path_parameters=parameters, **({} if body is None else {"body": body}))
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{method}-{path}"}
    response = case.call_and_validate(headers=headers, checks=ALL_CHECKS)
    assert response.status_code in (200, 201, 204), response.text
