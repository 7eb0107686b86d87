"""Recipients of automatic client email: billing mail to billing contacts (else primary), the rest to the primary."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from clientdesk.clients.actions import ContactData
from clientdesk.clients.actions.contact_writes import contact_create
from clientdesk.clients.models import ContactType
from clientdesk.mail.models import EmailTemplate, MailStatus, OutboundEmail, TemplateAction
from clientdesk.mail.recipients import recipients, send_client_mail

pytestmark = pytest.mark.django_db


def _billing(client: Any, email: str, first_name: str = "Bill") -> Any:
    data = ContactData(first_name=first_name, last_name="Payer", email=email, country="US")
    return contact_create(actor=None, client=client, contact_type=ContactType.BILLING, data=data)


def test_billing_mail_goes_to_every_billing_contact_else_the_primary(make_client: Callable[..., Any]) -> None:
    client = make_client(email="owner@acme.example")
    assert [c.email for c in recipients(TemplateAction.INVOICE_DELIVERY, client)] == ["owner@acme.example"]
    _billing(client, "ap@acme.example")
    _billing(client, "cfo@acme.example", "Cee")
    assert [c.email for c in recipients(TemplateAction.INVOICE_DELIVERY, client)] == [
        "ap@acme.example",
        "cfo@acme.example",
    ]
    # Service and welcome mail stay with the primary contact.
    assert [c.email for c in recipients(TemplateAction.SERVICE_SUSPENDED, client)] == ["owner@acme.example"]


def test_each_recipient_gets_their_own_email_greeted_by_name(make_client: Callable[..., Any]) -> None:
    client = make_client(email="owner@acme.example")
    _billing(client, "ap@acme.example", "Ada")
    _billing(client, "cfo@acme.example", "Cee")
    context = {"payment": {"amount": "$5.00", "method": "Visa ending 4242", "date": "today", "reference": "R1"}}
    with transaction.atomic():
        ids = send_client_mail(TemplateAction.PAYMENT_RECEIPT, client, context=context)
    emails = list(OutboundEmail.objects.filter(pk__in=ids).order_by("id"))
    assert [e.to for e in emails] == [["ap@acme.example"], ["cfo@acme.example"]]
    assert emails[0].text_body.startswith("Hello Ada,")
    assert emails[1].text_body.startswith("Hello Cee,")
    assert all(e.client_id == client.pk and e.status == MailStatus.QUEUED for e in emails)
    assert all(e.template_action == TemplateAction.PAYMENT_RECEIPT for e in emails)
    assert "$5.00" in emails[0].subject


def test_a_switched_off_template_sends_nothing(make_client: Callable[..., Any]) -> None:
    client = make_client(email="owner@acme.example")
    EmailTemplate.objects.filter(action=TemplateAction.ACCOUNT_WELCOME).update(active=False)
    with transaction.atomic():
        assert send_client_mail(TemplateAction.ACCOUNT_WELCOME, client) == []
    assert not OutboundEmail.objects.exists()


def test_a_missing_variable_is_logged_as_failed_not_raised(make_client: Callable[..., Any]) -> None:
    client = make_client(email="owner@acme.example")
    EmailTemplate.objects.filter(action=TemplateAction.ACCOUNT_WELCOME).update(
        subject="Welcome {{ client.name }}", text="{{ 1 / 0 }}"
    )
    with transaction.atomic():
        (pk,) = send_client_mail(TemplateAction.ACCOUNT_WELCOME, client)
    email = OutboundEmail.objects.get(pk=pk)
    assert email.status == MailStatus.FAILED
    assert "could not be rendered" in email.last_error
