"""Who a client's automatic email goes to (SPEC §3.2, §4), and the client part of its template context.

Welcome, service and ticket mail go to the primary contact; invoices, notices and receipts to
`invoice_recipients(client)` (its billing contacts, else its primary contact). Each recipient gets
their own email, greeted by name, and each is one row of the client's Mail Log.
"""

from collections.abc import Mapping
from typing import Any

from clientdesk import audit
from clientdesk.clients.models import Client, Contact, ContactType
from clientdesk.clients.queries import invoice_recipients
from clientdesk.mail.models import TemplateAction
from clientdesk.mail.outbox import send_template_mail

BILLING_MAIL = frozenset({TemplateAction.INVOICE_DELIVERY, TemplateAction.PAYMENT_RECEIPT})


def client_context(client: Client, contact: Contact) -> dict[str, Any]:
    """The `client` and `contact` variables of a client email, as plain strings."""
    return {
        "client": {"id_code": client.id_code, "name": client.name},
        "contact": {"first_name": contact.first_name, "last_name": contact.last_name, "email": contact.email},
    }


def recipients(action: str, client: Client) -> list[Contact]:
    """The contacts template `action`'s email goes to, for this client (those with an address)."""
    if action in BILLING_MAIL:
        contacts = invoice_recipients(client)
    else:
        contacts = list(Contact.objects.filter(client=client, contact_type=ContactType.PRIMARY))
    return [contact for contact in contacts if contact.email]


def send_client_mail(
    action: str, client: Client, *, context: Mapping[str, Any] | None = None, actor: audit.Actor = None
) -> list[int]:
    """Queue template `action`'s email to each of the client's recipients for it, in the caller's transaction."""
    ids: list[int] = []
    for contact in recipients(action, client):
        ids += send_template_mail(
            action,
            to=[contact.email],
            context={**(context or {}), **client_context(client, contact)},
            client_id=client.pk,
            actor=actor,
        )
    return ids
