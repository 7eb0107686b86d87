"""Reads of notes shared by the pages (and later the API): a client's notes, its sticky notes, the search."""

from collections.abc import Sequence

from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet

from clientdesk.clients.models import Client
from clientdesk.clients.queries import estimated_rows, search_text_filter
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
    return list(client_sticky_notes(client)[:limit])


# How long the quick plan for common words may run before the index's plan is used instead.
QUICK_PLAN_MS = 15


def matching_clients(query: ParsedQuery, limit: int, exclude: Sequence[int] = ()) -> list[int]:
    """The ids of up to `limit` clients (none of `exclude`) with a note matching the search box's query.

    The app contract's `search_source`: a note matches as a client's own text does
    (`search_text_filter`, served by the notes' own trigram and search-words indexes), so a client
    is found by any of its notes however many it has, and writing a note rewrites nothing else.
    Rows are read without DISTINCT (which would read every matching note first), a few per client at most.
    """
    if not (query.terms or query.words):
        return []
    notes = Note.objects.exclude(client_id__in=list(exclude)).order_by()
    rows: list[int] | None = None
    if connection.vendor == "postgresql" and len(query.terms) > 1:
        rows = _quick_rows(query, notes, limit * 4)
    if rows is None:
        rows = list(
            notes.filter(search_text_filter(query, lower_estimates=False)).values_list("client_id", flat=True)[
                : limit * 4
            ]
        )
    return list(dict.fromkeys(rows))[:limit]


def _quick_rows(query: ParsedQuery, notes: QuerySet[Note], count: int) -> list[int] | None:
    """Notes written in common words, found by a scan that stops early; None when that is not quicker.

    Notes use common words, often together ("business plan" in 80 000 of 1.2 million notes): a
    scan stopping at the first few hundred matches takes 5 ms where the index's bitmap of every
    match takes 40. The planner cannot see that two words come together, so only the term it expects
    the fewest notes to hold is offered to the index (one EXPLAIN a term), and the others are checked
    on the rows found. Should the words never meet, that scan would read every note: it is given
    QUICK_PLAN_MS, then the index's plan answers instead.
    """

    def estimate(term: str) -> float:
        return estimated_rows(
            notes.filter(search_text_filter(ParsedQuery(query.raw, term, (term,)), lower_estimates=False))
        )

    rarest = min(query.terms, key=estimate)
    quick = notes.filter(search_text_filter(query, lower_estimates=False, indexed=[rarest]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        previous = cursor.fetchone()[0]
        try:
            with transaction.atomic():  # a savepoint: a cancelled query leaves the transaction usable
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(QUICK_PLAN_MS)])
                return list(quick.values_list("client_id", flat=True)[:count])
        except OperationalError:  # cancelled: the words are rare together
            return None
        finally:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
