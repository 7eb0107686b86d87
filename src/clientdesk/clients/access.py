"""Fetching a client for a request: 404 and permission check in one place."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from clientdesk.clients.models import Client
from clientdesk.core.access import require


def get_client_for(request: HttpRequest, pk: int, *, perm: str, queryset: QuerySet[Client] | None = None) -> Client:
    """The client `pk`, if the staff member holds `perm` (403 otherwise; 404 when it does not exist)."""
    require(request, perm)
    return get_object_or_404(queryset if queryset is not None else Client.objects.all(), pk=pk)
