"""Fetching a payment account for a request: the permission checks and the 404 in one place."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from clientdesk.core.access import require
from clientdesk.payments.models import PaymentAccount


def get_account_for(request: HttpRequest, pk: int, account_pk: int, *, perm: str) -> PaymentAccount:
    """Account `account_pk` of client `pk`, with its client and owner, if the staff member may see clients and
    holds `perm`. 403 otherwise; 404 when that client has no such account (one query)."""
    require(request, "clients.view_client", perm)
    return get_object_or_404(PaymentAccount.objects.select_related("client", "contact"), pk=account_pk, client_id=pk)
