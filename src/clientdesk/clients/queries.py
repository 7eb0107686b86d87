"""Reads of clients shared by the pages and (later) the API: list, counts, search, profile."""

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Lower, StrIndex, Substr
from django.db.models.lookups import Contains, GreaterThan

from clientdesk.clients.models import (
    Client,
    ClientStatus,
    ClientStatusCount,
    Contact,
    ContactType,
    CustomContactType,
)
from clientdesk.clients.search import (
    MIN_SUBSTRING,
    WORDS_MARK,
    ParsedQuery,
    has_cjk,
    normalise,
    parse_query,
    without_cjk,
)
from clientdesk.core import contract
from clientdesk.core.db import IsBlank

SORTS = {
    "id": ("id_value", "id"),
    "name": ("name", "id"),
    "company": ("company", "id"),
    "created": ("created_at", "id"),
}
# Sorts whose first column's blank values come last in both directions: first "is it blank?"
# (false first), then the columns. Client.Meta indexes these expressions for each direction
# (client_company_sort_asc/_desc), so the first page is read from an index, never sorted.
BLANKS_LAST = {"company"}
DEFAULT_SORT = "-id"
# The SQL function folding text for the list filters: clients.apps registers it on SQLite
# (`search.normalise` itself), migration 0008 creates it on PostgreSQL (lower + unaccent).
FOLD_FUNCTION = "clientdesk_fold"
LIST_COLUMNS = ("id", "id_code", "status", "name", "company", "email", "country", "created_at", "group")


@dataclass(frozen=True)
class ClientFilters:
    """What the client list is narrowed by."""

    name: str = ""
    email: str = ""
    company: str = ""
    country: str = ""
    group: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.name or self.email or self.company or self.country or self.group)


def status_counts() -> dict[str, int]:
    """How many clients each status tab holds: the counter the database keeps (one query of a few rows).

    Exact, in the reader's transaction: triggers on clients_client update it with every write (see
    ClientStatusCount). Counting instead took 80 ms at a million clients.
    """
    counts = dict.fromkeys(ClientStatus.values, 0)
    counts.update(ClientStatusCount.objects.values_list("status", "clients"))
    return counts


def parse_sort(sort: str | None) -> str:
    """A valid sort key such as `name` or `-created`; anything else is the default."""
    if sort and sort.lstrip("-") in SORTS:
        return sort
    return DEFAULT_SORT


class Fold(Func):
    """Text folded the way the search box reads it: lower-case, accents removed, apostrophes unified.

    `FOLD_FUNCTION` in SQL: `search.normalise` on SQLite; `lower(unaccent(...))` on PostgreSQL,
    where a trigram index on the folded name, email and company serves the list filters.
    """

    function = FOLD_FUNCTION
    output_field = TextField()


def _folded_contains(column: str, typed: str) -> Contains:
    """`column`, folded, holds `typed`, folded the same way (by the same SQL function, so both agree)."""
    return Contains(Fold(column), Fold(Value(" ".join(typed.split()))))


def register_sqlite_functions(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """Give each new SQLite connection the fold function of the list filters (`connection_created`)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FOLD_FUNCTION, 1, _sqlite_fold, deterministic=True)


def _sqlite_fold(text: str | None) -> str | None:
    return None if text is None else normalise(str(text))


def _ordering(sort: str) -> list[OrderBy]:
    """The ORDER BY of a (valid) sort key, e.g. `-company`: blank companies last, then Z→A, then id."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    columns = SORTS[key]
    order = [OrderBy(IsBlank(columns[0]))] if key in BLANKS_LAST else []
    return order + [OrderBy(F(column), descending=descending) for column in columns]


def client_list(*, status: str, filters: ClientFilters, sort: str) -> QuerySet[Client]:
    """The clients of one status tab, filtered and sorted, with their group (one query per page).

    The name, email and company filters match as the search box does: "jurgen" finds Jürgen,
    "иван" finds ИВАН, a straight apostrophe finds a curly one.
    """
    qs = Client.objects.filter(status=status).select_related("group").only(*LIST_COLUMNS, "group__name", "group__color")
    for column in ("name", "email", "company"):
        typed = getattr(filters, column)
        if typed.strip():
            qs = qs.filter(_folded_contains(column, typed))
    if filters.country:
        qs = qs.filter(country=filters.country.upper())
    if filters.group:
        qs = qs.filter(group_id=filters.group)
    return qs.order_by(*_ordering(parse_sort(sort)))


# A search counts (and pages through) at most SEARCH_CAP matches (10 pages: a reader refines the
# query before that; a limit this low also lets a very common word stop the scan early), and
# ranks them RANK_WINDOW at a time.
SEARCH_CAP = 200
RANK_WINDOW = 100
_NOT_WORD = re.compile(r"[\W_]+")


def _indexed_parts(term: str) -> list[str]:
    """What the trigram index is asked for: the term, or its words when it holds punctuation.

    Punctuation inside a term ("jo.smith@post") makes the index read the huge lists of word starts
    (every word in "p"); the words alone are 3x faster, and STRPOS then checks the whole term.
    A CJK term's CJK characters are found by their bigrams in the search words instead (pg_trgm
    may not see them at all), so only its other words of 3 or more characters are asked for here.
    """
    if has_cjk(term):
        return [w for w in _NOT_WORD.split(without_cjk(term)) if len(w) >= MIN_SUBSTRING]
    words = [w for w in _NOT_WORD.split(term) if len(w) >= MIN_SUBSTRING]
    return words or [term]


def _has_words(words: tuple[str, ...]) -> Q:
    """The client's search words include every one of `words` (on PostgreSQL through their GIN index).

    The array expression is the one migration 0005 indexes, character for character.
    """
    if connection.vendor == "postgresql":
        from django.contrib.postgres.fields import ArrayField
        from django.db.models import F, Func, TextField

        array = ArrayField(TextField())
        search_words = Func(
            F("search_text"),
            template="string_to_array(split_part(%(expressions)s, E'\\x1e ', 2), ' ')",
            output_field=array,
        )
        contains = array.get_lookup("contains")  # @> ARRAY[...]::text[], served by the GIN index
        assert contains is not None
        return Q(contains(search_words, list(words)))
    # Elsewhere (SQLite) a scan: each word, space-delimited, in the text from the mark on.
    mark = WORDS_MARK.strip(" ")
    section = Concat(Substr("search_text", StrIndex("search_text", Value(mark))), Value(" "))
    q = Q(GreaterThan(StrIndex("search_text", Value(mark)), 0))
    for word in words:
        q &= Q(GreaterThan(StrIndex(section, Value(f" {word} ")), 0))
    return q


def _holds(term: str) -> GreaterThan:
    """The search text holds `term` (STRPOS: checked row by row, never by the index)."""
    return GreaterThan(StrIndex("search_text", Value(term)), 0)


def _code_variants(code: str) -> list[str]:
    """The code as typed, upper- and lower-cased: id codes are compared through their (case-sensitive) indexes."""
    return sorted({code, code.upper(), code.lower()})


def search_text_filter(
    query: ParsedQuery, *, lower_estimates: bool = True, indexed: Collection[str] | None = None
) -> Q:
    """Rows whose `search_text` holds every term and whose search words hold every word.

    For clients, and for any app's rows carrying a `search_text` made by `join_search_text` with
    the same two indexes (the app contract's `search_source`: notes).

    A term holding punctuation is checked whole with STRPOS (the index is asked for its words, see
    `_indexed_parts`). With `lower_estimates` every other term is repeated as STRPOS too, which
    changes no result: the planner's estimate for LIKE '%...%' comes from a 100-value histogram
    and is often several times too high for clients' names; it then scans the table hoping to find
    the rows early, which at 1-2 % of a million clients takes 3-5x the trigram index. The STRPOS
    lowers the estimate, so the index is used unless the term is very common.

    `indexed`: the terms offered to the trigram index (LIKE); the others are checked with STRPOS
    alone (default: every term).
    """
    found = _has_words(query.words) if query.words else Q()
    for term in query.terms:
        parts = _indexed_parts(term)
        if indexed is None or term in indexed:
            for part in parts:
                found &= Q(search_text__contains=part)
            if lower_estimates or parts != [term]:
                found &= Q(_holds(term))
        else:
            found &= Q(_holds(term))
    return found


def estimated_rows(qs: QuerySet[Any]) -> float:
    """The planner's estimate of the rows `qs` returns (PostgreSQL's EXPLAIN; one query, nothing run)."""
    plan = json.loads(qs.explain(format="json"))
    return float(plan[0]["Plan"]["Plan Rows"])


def _matching(query: ParsedQuery) -> QuerySet[Client]:
    """Clients whose own search text matches (see `search_text_filter`).

    `#1534` is the client with that id code; one short word also matches the id codes starting with it
    (`LIKE '15%'` on the id code's pattern index).
    """
    if query.id_code_only:
        return Client.objects.filter(_exact(query))
    if not query.terms:
        # Short words: whole search words, or (one word) the start of an id code.
        found = _has_words(query.words) if query.words else Q(pk__in=[])
        if query.id_prefix:
            for code in _code_variants(query.code):
                found |= Q(id_code__startswith=code)
        return Client.objects.filter(found)
    return Client.objects.filter(search_text_filter(query))


def _exact(query: ParsedQuery) -> Q:
    """The clients whose id code is the query as typed, upper- or lower-cased (the unique index finds them).

    An exact email needs no such help: as a search term it is selective enough to be matched
    within the first window (and the trigram index answers `=` slowly for long strings).
    """
    return Q(id_code__in=_code_variants(query.code))


def _ranked(query: ParsedQuery, ids: list[int], *, with_exact: bool) -> list[Client]:
    """The clients `ids` (plus, when asked, the exact id-code hits), best first.

    Exact id code, then exact email, then similarity. Ranking costs ~35 µs a row on PostgreSQL
    (trigram similarity of the whole search text), so it only ever sees RANK_WINDOW rows, fetched
    by primary key: the trigram index has already been read once, by `_match_ids`.
    """
    exact = _exact(query)
    qs = (
        Client.objects.filter(Q(pk__in=ids) | exact) if with_exact else Client.objects.filter(pk__in=ids).exclude(exact)
    )
    qs = qs.only(*LIST_COLUMNS)  # search results show no group: no join
    raw = query.raw.strip()
    email_match = (
        Exists(Contact.objects.filter(client=OuterRef("pk"), email__iexact=raw)) if "@" in raw else Value(False)
    )
    qs = qs.annotate(
        rank_code=Case(When(id_code__iexact=query.code, then=Value(0)), default=Value(1), output_field=IntegerField()),
        rank_email=Case(When(email_match, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    order: list[str] = ["rank_code", "rank_email"]
    if connection.vendor == "postgresql" and any(_indexed_parts(term) for term in query.terms):
        from django.contrib.postgres.search import TrigramWordSimilarity

        qs = qs.annotate(similarity=TrigramWordSimilarity(query.text, "search_text"))
        order.append("-similarity")
    order += ["name", "id"]
    return list(qs.order_by(*order))


def _match_ids(query: ParsedQuery, limit: int) -> list[int]:
    """The ids of up to `limit` matching clients: those whose own text matches, in table order (one
    read of the trigram index), then those the apps' search sources find (a note's text…)."""
    ids = list(_matching(query).order_by().values_list("id", flat=True)[:limit])
    if query.id_code_only or not (query.terms or query.words):
        return ids
    for source in contract.search_sources():
        if len(ids) >= limit:
            break
        ids += source(query, limit - len(ids), ids)
    return ids


@dataclass(frozen=True)
class SearchResults:
    """One page of a search: the hits, and how many clients match (up to SEARCH_CAP + 1)."""

    total: int
    hits: list[Client]


def client_search_page(raw: str, *, offset: int = 0, limit: int = 20, cap: int = SEARCH_CAP) -> SearchResults:
    """Clients matching the search box, best first, with the (capped) number of matches.

    Two queries for the first RANK_WINDOW results: the matching ids (which also give the count),
    then those rows ranked. Deeper pages rank RANK_WINDOW ids at a time, so every match shows
    exactly once across pages; the exact id-code hits always lead the first window.
    """
    query = parse_query(raw)
    if not query.text or limit <= 0:
        return SearchResults(0, [])
    end = offset + limit
    ids = _match_ids(query, max(cap + 1, RANK_WINDOW))
    total = len(ids)
    exact_ids = set(Client.objects.filter(_exact(query)).values_list("pk", flat=True)) if end > RANK_WINDOW else set()
    first = ids[:RANK_WINDOW]
    rest = [pk for pk in ids[RANK_WINDOW:] if pk not in exact_ids]
    extra = len(exact_ids - set(first))
    hits: list[Client] = []
    position = offset
    while position < end:
        if position < RANK_WINDOW + extra:
            window = _ranked(query, first, with_exact=True)
            start = 0
        else:
            index = (position - RANK_WINDOW - extra) // RANK_WINDOW
            start = RANK_WINDOW + extra + index * RANK_WINDOW
            chunk = rest[index * RANK_WINDOW : (index + 1) * RANK_WINDOW]
            window = _ranked(query, chunk, with_exact=False) if chunk else []
        rows = window[position - start : end - start]
        hits += rows
        if not rows or start + len(window) >= end or len(window) < RANK_WINDOW:
            break
        position = start + len(window)
    return SearchResults(total, hits)


def client_search(raw: str, *, limit: int = 20, offset: int = 0) -> list[Client]:
    """Clients matching the search box, best first (see `client_search_page`).

    Every call reads the same number of matching ids, whatever the page: the matches come in the
    order the database reads them, and a query with another LIMIT may be planned (and ordered)
    otherwise, which would show a client on two pages and another on none.
    """
    return client_search_page(raw, offset=offset, limit=limit).hits


def client_search_count(raw: str, *, cap: int = SEARCH_CAP) -> int:
    """How many clients match, counted up to `cap` + 1 (a common surname at scale needs no exact total)."""
    query = parse_query(raw)
    return len(_match_ids(query, cap + 1)) if query.text else 0


def client_profile_queryset() -> QuerySet[Client]:
    """Clients with what the profile header shows (the group) joined in."""
    return Client.objects.select_related("group", "invoice_contact")


def attach_primary_contact(client: Client) -> Client:
    """Load the client's primary contact, with its phone numbers, as `client.primary_contact` (2 queries)."""
    client.primary_contact = (  # type: ignore[attr-defined]
        Contact.objects.filter(client=client, contact_type=ContactType.PRIMARY)
        .prefetch_related("phone_numbers")
        .first()
    )
    return client


def client_other_contacts(client: Client) -> QuerySet[Contact]:
    """The client's billing and other contacts, with their phone numbers."""
    return (
        Contact.objects.filter(client=client)
        .exclude(contact_type=ContactType.PRIMARY)
        .select_related("custom_type")
        .prefetch_related(Prefetch("phone_numbers"))
        .order_by("contact_type", "last_name", "first_name", "id")
    )


def client_contacts(client: Client) -> QuerySet[Contact]:
    """Every contact of the client, its primary contact first, then as `client_other_contacts` orders them.

    With their types and phone numbers (three queries a page, whatever its size).
    """
    primary_first = Case(
        When(contact_type=ContactType.PRIMARY, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Contact.objects.filter(client=client)
        .select_related("custom_type")
        .prefetch_related(Prefetch("phone_numbers"))
        .order_by(primary_first, "contact_type", "last_name", "first_name", "id")
    )


def invoice_contact_choices(client: Client) -> list[Contact]:
    """Whom invoices can be addressed to: the client's primary contact and its billing contacts."""
    return list(
        Contact.objects.filter(client=client, contact_type__in=[ContactType.PRIMARY, ContactType.BILLING])
        .select_related("custom_type")
        .order_by("contact_type", "last_name", "first_name", "id")
    )


def invoice_recipients(client: Client) -> list[Contact]:
    """Who receives the client's invoices and billing mail: its billing contacts, else its primary contact.

    The one place recipients are chosen (SPEC §3.2): mail and billing ask this and nothing else.
    """
    candidates = list(
        Contact.objects.filter(client=client, contact_type__in=[ContactType.BILLING, ContactType.PRIMARY]).order_by(
            "id"
        )
    )
    billing = [c for c in candidates if c.contact_type == ContactType.BILLING]
    return billing or [c for c in candidates if c.contact_type == ContactType.PRIMARY]


def invoice_address_contact(client: Client) -> Contact:
    """The contact whose name and address invoices carry: the one chosen to address them to, else the primary."""
    if client.invoice_contact_id is not None:
        return Contact.objects.get(pk=client.invoice_contact_id)
    return Contact.objects.get(client=client, contact_type=ContactType.PRIMARY)


def contact_types_with_counts() -> QuerySet[CustomContactType]:
    """The company's contact types, by name, each with how many contacts carry it (`contact_count`)."""
    return CustomContactType.objects.annotate(contact_count=Count("contacts")).order_by(Lower("name"), "id")
