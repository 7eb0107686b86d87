"""Reads of clients shared by the pages and (later) the API: list, counts, search, profile."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When

from clientdesk.clients.models import Client, ClientStatus
from clientdesk.clients.search import ParsedQuery, parse_query
from clientdesk.contacts.models import Contact, ContactType

SORTS = {
    "id": ("id_value", "id"),
    "name": ("name", "id"),
    "company": ("company", "id"),
    "created": ("created_at", "id"),
}
DEFAULT_SORT = "-id"
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
    """How many clients each status tab holds (one query)."""
    rows = Client.objects.order_by().values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(ClientStatus.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def parse_sort(sort: str | None) -> str:
    """A valid sort key such as `name` or `-created`; anything else is the default."""
    if sort and sort.lstrip("-") in SORTS:
        return sort
    return DEFAULT_SORT


def client_list(*, status: str, filters: ClientFilters, sort: str) -> QuerySet[Client]:
    """The clients of one status tab, filtered and sorted, with their group (one query per page)."""
    qs = Client.objects.filter(status=status).select_related("group").only(*LIST_COLUMNS, "group__name", "group__color")
    if filters.name:
        qs = qs.filter(name__icontains=filters.name.strip())
    if filters.email:
        qs = qs.filter(email__icontains=filters.email.strip())
    if filters.company:
        qs = qs.filter(company__icontains=filters.company.strip())
    if filters.country:
        qs = qs.filter(country=filters.country.upper())
    if filters.group:
        qs = qs.filter(group_id=filters.group)
    sort = parse_sort(sort)
    descending = sort.startswith("-")
    return qs.order_by(*[f"-{col}" if descending else col for col in SORTS[sort.lstrip("-")]])


def _matching(query: ParsedQuery) -> QuerySet[Client]:
    """Clients whose search text holds every term (or, for short queries, whose id code matches)."""
    if query.id_code_only:
        code = query.raw.strip()
        return (
            Client.objects.filter(Q(id_code__iexact=code) | Q(id_code__istartswith=code))
            if code
            else Client.objects.none()
        )
    qs = Client.objects.all()
    for term in query.terms:
        qs = qs.filter(search_text__contains=term)
    return qs


def client_search(raw: str, *, limit: int = 20, offset: int = 0) -> list[Client]:
    """Clients matching the search box, best first: exact id code, exact email, then similarity."""
    query = parse_query(raw)
    qs = _matching(query).select_related("group").only(*LIST_COLUMNS, "group__name", "group__color")
    exact = query.raw.strip()
    email_match = (
        Exists(Contact.objects.filter(client=OuterRef("pk"), email__iexact=exact)) if "@" in exact else Value(False)
    )
    qs = qs.annotate(
        rank_code=Case(When(id_code__iexact=exact, then=Value(0)), default=Value(1), output_field=IntegerField()),
        rank_email=Case(When(email_match, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    order: list[str] = ["rank_code", "rank_email"]
    if connection.vendor == "postgresql" and not query.id_code_only:
        from django.contrib.postgres.search import TrigramWordSimilarity

        qs = qs.annotate(similarity=TrigramWordSimilarity(query.text, "search_text"))
        order.append("-similarity")
    order += ["name", "id"]
    return list(qs.order_by(*order)[offset : offset + limit])


def client_search_count(raw: str, *, cap: int = 1000) -> int:
    """How many clients match, counted up to `cap` + 1 (a common surname at scale needs no exact total)."""
    return len(_matching(parse_query(raw)).order_by().values_list("id", flat=True)[: cap + 1])


def client_profile_queryset() -> QuerySet[Client]:
    """Clients with what the profile header shows (the group) joined in."""
    return Client.objects.select_related("group")


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
        .prefetch_related(Prefetch("phone_numbers"))
        .order_by("contact_type", "last_name", "first_name", "id")
    )
