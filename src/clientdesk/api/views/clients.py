"""/api/v1/clients/: the client list (tabs, filters, sorts), search, a client, add, edit, status, history.

Each endpoint checks the same permission as its page, through the same helpers, and writes through
the same action. Without `clients.view_client` every client URL answers the same 403, whether or not
the client exists (the permission is checked before the client is looked up, as on the pages).
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from clientdesk.api.client_input import (
    ClientInput,
    client_version,
    edited_client_values,
    new_client_values,
    version_state,
)
from clientdesk.api.idempotency import idempotent
from clientdesk.api.pagination import (
    KeysetPaginator,
    decode_cursor,
    encode_cursor,
    link,
    page_size,
    unknown_cursor,
)
from clientdesk.api.problems import Problem, field_errors, validation_response
from clientdesk.api.serializers.clients import (
    BILLING_INPUT,
    ClientCreateSerializer,
    ClientEditSerializer,
    ClientRowSerializer,
    ClientSerializer,
    SearchHitSerializer,
    StatusChangeSerializer,
    country_codes,
)
from clientdesk.api.serializers.history import EventSerializer
from clientdesk.api.views.common import (
    CURSOR_PARAMETERS,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_REQUIRED,
    desk,
    paginated,
    requires,
    responses,
    token,
)
from clientdesk.audit import queries as audit_queries
from clientdesk.clients import actions, queries
from clientdesk.clients.access import get_client_for
from clientdesk.clients.forms import ClientFilterForm
from clientdesk.clients.models import Client, ClientStatus
from clientdesk.core.access import require

VIEW, ADD, CHANGE = "clients.view_client", "clients.add_client", "clients.change_client"
STATUS, BILLING, HISTORY = "clients.change_client_status", "clients.change_client_billing", "audit.view_auditevent"
SORTS = sorted({*queries.SORTS, *(f"-{key}" for key in queries.SORTS)})
ETAG = OpenApiResponse(ClientSerializer, description="The client; its ETag header is the version an edit can name.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the client as you read it: fields someone else changed since then are not overwritten "
    "(409, naming them). Without it, only the fields you send are changed, over whatever they hold.",
)
NEW_CLIENT = {
    "first_name": "Ann",
    "last_name": "Lee",
    "email": "ann@lee.example",
    "country": "US",
    "state": "US-VA",
    "phones": [{"number": "(202) 555-0143", "type": "phone", "location": "work"}],
}


def _client_response(request: Request, client: Client, *, status: int = 200) -> Response:
    """The whole client, with its version as ETag (and its URL as Location when it was just made)."""
    queries.attach_primary_contact(client)
    contact = client.primary_contact  # type: ignore[attr-defined]
    state = actions.client_state(client, contact, list(contact.phone_numbers.all()))
    headers = {"ETag": f'"{client_version(client, state)}"'}
    if status == 201:
        headers["Location"] = reverse("api:v1:client-detail", args=[client.pk], request=request)
    return Response(ClientSerializer(client, context={"request": request}).data, status=status, headers=headers)


def _billing(request: Request, given: dict[str, Any]) -> bool:
    """Whether the caller may change billing settings; 403 when they send some without that permission."""
    if BILLING_INPUT & given.keys():
        require(desk(request), BILLING)
    return bool(request.user.has_perm(BILLING))


def _list_filters(request: Request) -> tuple[str, queries.ClientFilters, str]:
    """The status tab, filters and sort asked for (a 400 problem naming any that cannot be read)."""
    form = ClientFilterForm(request.query_params)
    errors = {name: list(messages) for name, messages in form.errors.items()}
    raw_group = request.query_params.get("group", "")
    # A group that does not exist (any more) holds no client: an empty page, as for any other filter.
    missing = "group" in errors and re.fullmatch(ID_PATTERN, raw_group) is not None and int(raw_group) >= 1
    missing_group = int(raw_group) if missing else None
    if missing_group is not None:
        del errors["group"]
    sort = request.query_params.get("sort") or queries.DEFAULT_SORT
    if sort not in SORTS:
        errors["sort"] = [f"Sort by one of: {', '.join(SORTS)}."]
    if errors:
        raise Problem("invalid-parameters", errors=errors)
    data = form.cleaned_data
    filters = queries.ClientFilters(
        name=data["name"],
        email=data["email"],
        company=data["company"],
        country=data["country"],
        group=missing_group if missing_group is not None else data["group"].pk if data.get("group") else None,
    )
    return data["status"] or ClientStatus.ACTIVE, filters, sort


class ClientViewSet(viewsets.ViewSet):
    """Clients: the list and its tabs, search, one client, add, edit, status and history."""

    lookup_value_regex = ID_PATTERN

    @extend_schema(
        summary="List clients",
        description="One status tab of the Clients page, filtered and sorted as there, a page at a time.",
        parameters=[
            OpenApiParameter(
                "status", str, enum=["", *ClientStatus.values], description="The tab (empty: the default, active)."
            ),
            OpenApiParameter("name", str, description="Part of the name."),
            OpenApiParameter("email", str, description="Part of the email."),
            OpenApiParameter("company", str, description="Part of the company."),
            OpenApiParameter(
                "country", str, enum=["", *country_codes()], description="ISO 3166-1 alpha-2 (empty: any)."
            ),
            OpenApiParameter(
                "group",
                {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
                description="A client group's id (one that does not exist holds no client).",
            ),
            OpenApiParameter(
                "sort",
                str,
                enum=["", *SORTS],
                description=f"Empty: the default, {queries.DEFAULT_SORT} (newest ID first).",
            ),
            *CURSOR_PARAMETERS,
        ],
        responses=responses({200: paginated("ClientPage", ClientRowSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request) -> Response:
        require(desk(request), VIEW)
        status, filters, sort = _list_filters(request)
        size = page_size(request)
        rows = queries.client_list(status=status, filters=filters, sort=sort)
        page = KeysetPaginator().paginate(request, rows, size)
        return Response(page.data(ClientRowSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(
        summary="Add a client",
        description="Add client: the primary contact, its numbers and the client's settings. Billing settings "
        "need the billing permission. Requires an Idempotency-Key.",
        request=ClientCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        responses=responses(
            {201: OpenApiResponse(ClientSerializer, description="Created; Location is its URL, ETag its version.")},
            400,
            403,
            409,
            422,
        ),
        examples=[OpenApiExample("A new client", NEW_CLIENT, request_only=True)],
    )
    @requires(ADD)
    @idempotent(required=True)
    def create(self, request: Request) -> Response:
        shape = ClientCreateSerializer(data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        given = dict(shape.validated_data)
        allow_duplicate = bool(given.pop("allow_duplicate", False))
        send_welcome = bool(given.pop("send_welcome", False))
        billing = _billing(request, given)
        form = ClientInput(new_client_values(given), billing=billing, current=None)
        form.check()
        try:
            client = actions.client_create(
                actor=token(request),
                allow_duplicate=allow_duplicate,
                send_welcome=send_welcome,
                **form.action_arguments(),
            )
        except actions.DuplicateClientError as exc:
            duplicates = [
                {
                    "id": c.pk,
                    "id_code": c.id_code,
                    "name": c.name,
                    "url": reverse("api:v1:client-detail", args=[c.pk], request=request),
                }
                for c in exc.clients
            ]
            return validation_response(field_errors(exc), name="duplicate-client", duplicates=duplicates)
        return _client_response(request, queries.client_profile_queryset().get(pk=client.pk), status=201)

    @extend_schema(summary="Read a client", responses=responses({200: ETAG}, 403, 404))
    def retrieve(self, request: Request, pk: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=VIEW, queryset=queries.client_profile_queryset())
        return _client_response(request, client)

    @extend_schema(
        summary="Edit a client",
        description="Edit client: send only the fields to change (`phones` replaces every number). Billing "
        "settings need the billing permission.",
        request=ClientEditSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=responses({200: ETAG}, 400, 403, 404, 409, 412, 422),
        examples=[
            OpenApiExample("Move to another city", {"city": "Reston", "postal_code": "20190"}, request_only=True)
        ],
    )
    @requires(CHANGE)
    @idempotent()
    def partial_update(self, request: Request, pk: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=CHANGE, queryset=queries.client_profile_queryset())
        queries.attach_primary_contact(client)
        contact = client.primary_contact  # type: ignore[attr-defined]
        shape = ClientEditSerializer(data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        given = dict(shape.validated_data)
        billing = _billing(request, given)
        base = version_state(client, request.headers.get("If-Match", ""))
        if base is None:  # the edit is based on the client as read now: it changes only what it sends
            base = actions.client_state(client, contact, list(contact.phone_numbers.all()))
        form = ClientInput(edited_client_values(client, contact, given), billing=billing, current=client)
        form.check()
        try:
            actions.client_update(actor=token(request), client=client, base=base, **form.action_arguments())
        except actions.EditConflictError as exc:
            return validation_response(field_errors(exc), name="edit-conflict", current=exc.current)
        return _client_response(request, queries.client_profile_queryset().get(pk=client.pk))

    @extend_schema(
        summary="Change a client's status",
        description="A click on the status badge: active → inactive → fraud → active. `seen` is the status you "
        "read; when someone else changed it meanwhile nothing changes (409).",
        request=StatusChangeSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=responses({200: ETAG}, 400, 403, 404, 409, 422),
        examples=[OpenApiExample("Deactivate an active client", {"seen": "active"}, request_only=True)],
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    @requires(STATUS)
    @idempotent()
    def change_status(self, request: Request, pk: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=STATUS, queryset=queries.client_profile_queryset())
        shape = StatusChangeSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        try:
            actions.client_cycle_status(actor=token(request), client=client, seen=shape.validated_data["seen"])
        except ValidationError as exc:
            client.refresh_from_db(fields=["status"])
            return validation_response(field_errors(exc), name="edit-conflict", current={"status": client.status})
        return _client_response(request, client)

    @extend_schema(
        summary="A client's history",
        description="Every audit event of the client, newest first: who, what, when, from where, before and after.",
        parameters=CURSOR_PARAMETERS,
        responses=responses({200: paginated("EventPage", EventSerializer)}, 400, 403, 404),
    )
    @action(detail=True, methods=["get"], url_path="history", url_name="history")
    def history(self, request: Request, pk: str) -> Response:
        require(desk(request), HISTORY)
        client = get_client_for(desk(request), int(pk), perm=VIEW)
        page = KeysetPaginator().paginate(request, audit_queries.client_events(client.pk), page_size(request))
        return Response(page.data(EventSerializer(page.rows, many=True).data))

    @extend_schema(
        summary="Find clients",
        description="The search box: client ID, and every contact's name, company, email, address and phone "
        f"numbers; best first (exact ID, exact email, then similarity). At most {queries.SEARCH_CAP} matches "
        "are counted and paged through, as on the search page.",
        parameters=[
            OpenApiParameter(
                "q", str, description="What to find, as typed in the search box (blank, or none: nothing is found)."
            ),
            *CURSOR_PARAMETERS,
        ],
        responses=responses(
            {
                200: paginated(
                    "SearchPage",
                    SearchHitSerializer,
                    total=serializers.IntegerField(help_text=f"Matches, counted up to {queries.SEARCH_CAP}."),
                    capped=serializers.BooleanField(help_text=f"More than {queries.SEARCH_CAP} clients match."),
                )
            },
            400,
            403,
            404,
        ),
    )
    @action(detail=False, methods=["get"], url_path="search", url_name="search")
    def search(self, request: Request) -> Response:
        require(desk(request), VIEW)
        q = request.query_params.get("q", "")[:200]  # blank: nothing matches, as in the search box
        size = page_size(request)
        cursor = decode_cursor(request) or {"o": 0}
        offset = cursor.get("o")
        if not isinstance(offset, int) or not 0 <= offset < queries.SEARCH_CAP:
            raise unknown_cursor()
        found = queries.client_search_page(q, offset=offset, limit=min(size, queries.SEARCH_CAP - offset))
        shown = min(found.total, queries.SEARCH_CAP)
        after = encode_cursor({"o": offset + size}) if offset + size < shown else None
        before = encode_cursor({"o": max(0, offset - size)}) if offset > 0 else None
        return Response(
            {
                "next": link(request, after),
                "previous": link(request, before),
                "total": shown,
                "capped": found.total > queries.SEARCH_CAP,
                "results": SearchHitSerializer(found.hits, many=True, context={"request": request}).data,
            }
        )

    @extend_schema(
        summary="Clients per status tab",
        description="How many clients each tab of the Clients page holds.",
        responses=responses(
            {200: inline_serializer("StatusCounts", {s: serializers.IntegerField() for s in ClientStatus.values})},
            403,
        ),
    )
    @action(detail=False, methods=["get"], url_path="status-counts", url_name="status-counts")
    def status_counts(self, request: Request) -> Response:
        require(desk(request), VIEW)
        return Response(queries.status_counts())
