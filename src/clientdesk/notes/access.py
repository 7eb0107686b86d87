"""Fetching a note for a request: the permission checks and the 404 in one place."""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from clientdesk.core.access import require
from clientdesk.notes.models import Note


def get_note_for(request: HttpRequest, pk: int, note_pk: int, *, perm: str) -> Note:
    """Note `note_pk` of client `pk`, with its client, if the staff member may see clients and holds `perm`.

    403 otherwise; 404 when there is no such note on that client (one query).
    """
    require(request, "clients.view_client", perm)
    return get_object_or_404(Note.objects.select_related("client", "author"), pk=note_pk, client_id=pk)
