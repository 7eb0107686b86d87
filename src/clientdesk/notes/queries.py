"""Reads of notes shared by the pages (and later the API): a client's notes, its sticky notes, search text."""

from collections.abc import Sequence

from django.db.models import QuerySet

from clientdesk.clients.models import Client
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


def sticky_notes(client: Client, *, limit: int = STICKY_MAX) -> list[Note]:
    """The client's newest-updated sticky notes, at most `limit` (one query; the `note_client_sticky` index)."""
    return list(
        Note.objects.filter(client=client, sticky=True)
        .select_related("author")
        .only(*NOTE_COLUMNS)
        .order_by("-updated_at", "-id")[:limit]
    )


def search_parts(client_ids: Sequence[int]) -> dict[int, list[str]]:
    """The text of each client's notes the client search matches: summaries and details (one query)."""
    found: dict[int, list[str]] = {pk: [] for pk in client_ids}
    rows = (
        Note.objects.filter(client_id__in=list(client_ids))
        .order_by("client_id", "created_at", "id")
        .values_list("client_id", "summary", "details")
    )
    for client_id, summary, details in rows:
        found[client_id].append(summary)
        if details:
            found[client_id].append(details)
    return found
