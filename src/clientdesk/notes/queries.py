"""Reads of notes shared by the pages (and later the API): a client's notes, its sticky notes, the search."""

from collections.abc import Sequence

from django.db.models import QuerySet

from clientdesk.clients.models import Client
from clientdesk.clients.queries import search_text_filter
from clientdesk.clients.search import ParsedQuery
from clientdesk.notes.models import Note

# The profile shows the first STICKY_SHOWN sticky notes, and the rest of the newest STICKY_MAX behind "Show more".
STICKY_SHOWN = 2
STICKY_MAX = 10
# What a note shows: its own columns and its author's name.
NOTE_COLUMNS = (
    "id",
    "client_id",
    "summary",
    "details",
    "sticky",
    "created_at",
    "updated_at",
    "author__full_name",
    "author__email",
)


def client_notes(client: Client) -> QuerySet[Note]:
    """The client's notes, newest first, with their authors (one query a page; the `note_client_recent` index)."""
    return (
        Note.objects.filter(client=client).select_related("author").only(*NOTE_COLUMNS).order_by("-created_at", "-id")
    )


def client_sticky_notes(client: Client) -> QuerySet[Note]:
    """Every sticky note of the client, newest-updated first, with their authors (the `note_client_sticky` index)."""
    return (
        Note.objects.filter(client=client, sticky=True)
        .select_related("author")
        .only(*NOTE_COLUMNS)
        .order_by("-updated_at", "-id")
    )


def sticky_notes(client: Client, *, limit: int = STICKY_MAX) -> list[Note]:
    """The client's newest-updated sticky notes, at most `limit` (one query; the `note_client_sticky` index)."""
    return list(
        Note.objects.filter(client=client, sticky=True)
        .select_related("author")
        .only(*NOTE_COLUMNS)
        .order_by("-updated_at", "-id")[:limit]
    )


def matching_clients(query: ParsedQuery, limit: int, exclude: Sequence[int] = ()) -> list[int]:
    """The ids of up to `limit` clients (none of `exclude`) with a note matching the search box's query.

    The app contract's `search_source`: a note matches as a client's own text does
    (`search_text_filter`, served by the notes' own trigram and search-words indexes), so a client
    is found by any of its notes however many it has, and writing a note rewrites nothing else.
    Rows are read without DISTINCT (which would read every matching note first), a few per client at most.
    """
    if not (query.terms or query.words):
        return []
    rows = (
        Note.objects.filter(search_text_filter(query, lower_estimates=False))
        .exclude(client_id__in=list(exclude))
        .order_by()
        .values_list("client_id", flat=True)[: limit * 4]
    )
    return list(dict.fromkeys(rows))[:limit]
