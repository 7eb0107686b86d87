"""Reads of payment accounts shared by the pages and the API."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from clientdesk.clients.models import Client, Contact, ContactType
from clientdesk.payments.models import ClientPaymentTypes, PaymentAccount


def client_accounts(client: Client) -> QuerySet[PaymentAccount]:
    """The client's payment accounts with their owning contact: the auto-debit one first, then cards, then banks."""
    return PaymentAccount.objects.filter(client=client).select_related("contact").order_by("-auto_debit", "kind", "id")


def payment_types(client: Client) -> ClientPaymentTypes:
    """Which kinds of account the client may use (both, unless set otherwise); unsaved when never set."""
    return ClientPaymentTypes.objects.filter(client=client).first() or ClientPaymentTypes(client=client)


def copy_sources(client: Client) -> list[Contact]:
    """The contacts an account's holder can be copied from: the primary contact, then the billing contacts."""
    order = Case(When(contact_type=ContactType.PRIMARY, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(
        Contact.objects.filter(client=client, contact_type__in=[ContactType.PRIMARY, ContactType.BILLING])
        .annotate(primary_first=order)
        .order_by("primary_first", "first_name", "last_name", "id")
    )
