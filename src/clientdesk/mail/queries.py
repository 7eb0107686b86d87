"""Reads of the mail app shared by pages and the API."""

from datetime import date

from django.db.models import QuerySet

from clientdesk.clients.models import Client, Contact
from clientdesk.clients.queries import client_contacts
from clientdesk.mail.models import OutboundEmail


def client_mail_log(client: Client) -> QuerySet[OutboundEmail]:
    """Every email to the client, automatic and manual, newest first (the Mail Log)."""
    return OutboundEmail.objects.filter(client=client).select_related("sent_by").order_by("-queued_at", "-id")


def client_email(client: Client, pk: int) -> OutboundEmail:
    """One email of the client's Mail Log (DoesNotExist when it is another client's)."""
    return OutboundEmail.objects.select_related("sent_by", "resent_from").get(client=client, pk=pk)


def mail_log(
    *, status: str = "", template_action: str = "", since: date | None = None, until: date | None = None
) -> QuerySet[OutboundEmail]:
    """All outgoing email, newest first, filtered by status, template ("manual" for staff-written mail) and day."""
    emails = OutboundEmail.objects.select_related("client", "sent_by").order_by("-queued_at", "-id")
    if status:
        emails = emails.filter(status=status)
    if template_action == "manual":
        emails = emails.filter(template_action="")
    elif template_action:
        emails = emails.filter(template_action=template_action)
    if since is not None:
        emails = emails.filter(queued_at__date__gte=since)
    if until is not None:
        emails = emails.filter(queued_at__date__lte=until)
    return emails


def recipient_contacts(client: Client) -> QuerySet[Contact]:
    """The client's contacts with an address, as Email Client offers them: the primary contact first."""
    return client_contacts(client).exclude(email="").prefetch_related(None)
