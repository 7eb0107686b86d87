"""/api/v1/clients/{id}/notes/: a client's notes (all, or the sticky ones), add, edit, stick or unstick, delete.

As on the note pages, each endpoint needs `clients.view_client` and its notes permission, checked
before the client or the note is looked up; input goes through the pages' NoteForm, then the action.
"""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from clientdesk.api.idempotency import idempotent
from clientdesk.api.note_input import edited_note_values, note_base, note_values, note_version
from clientdesk.api.pagination import KeysetPaginator, page_size
from clientdesk.api.problems import PROBLEM_TYPES, Problem, field_errors, validation_response
from clientdesk.api.serializers.notes import NoteCreateSerializer, NoteEditSerializer, NoteSerializer
from clientdesk.api.views.common import (
    CURSOR_PARAMETERS,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    KEY_IN_USE,
    KEY_IN_USE_409,
    KEY_IN_USE_TEXT,
    PROBLEMS,
    desk,
    paginated,
    problem_example,
    requires,
    responses,
    token,
)
from clientdesk.clients.access import get_client_for
from clientdesk.clients.models import Client
from clientdesk.core.access import require
from clientdesk.notes import actions, queries
from clientdesk.notes.access import get_note_for
from clientdesk.notes.models import SUMMARY_MAX, Note

VIEW_CLIENT = "clients.view_client"
VIEW, ADD, CHANGE, DELETE = "notes.view_note", "notes.add_note", "notes.change_note", "notes.delete_note"
STICKY = "sticky"
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the note as you read it: fields someone else changed since then are not overwritten "
    "(409, naming them). Without it, only the fields you send are changed, over whatever they hold.",
)
ETAG = OpenApiResponse(NoteSerializer, description="The note; its ETag header is the version an edit can name.")
SUMMARY_422 = (
    PROBLEMS[422][0],
    [
        OpenApiExample(
            "Summary too long",
            problem_example(
                422,
                "validation",
                "Nothing was written: 1 field (summary) is not valid.",
                errors={"summary": [f"Ensure this value has at most {SUMMARY_MAX} characters (it has 1000)."]},
            ),
        )
    ],
)
EDIT_409 = (
    f"Someone else changed a field this edit changes since the version in If-Match (`edit-conflict`), or "
    f"{KEY_IN_USE_TEXT}.",
    [
        OpenApiExample(
            "Edit conflict",
            problem_example(
                409,
                "edit-conflict",
                PROBLEM_TYPES["edit-conflict"][2],
                errors={
                    "summary": ["Summary was changed to “Called back” by someone else after you opened this note. …"]
                },
                current={"summary": "Called back"},
            ),
        ),
        KEY_IN_USE,
    ],
)


def _client_for(request: Request, pk: str, perm: str) -> Client:
    """Client `pk`, for a staff member who may see clients and holds `perm` (checked first, as on the pages)."""
    require(desk(request), VIEW_CLIENT, perm)
    return get_client_for(desk(request), int(pk), perm=VIEW_CLIENT)


def _sticky(request: Request) -> bool | None:
    """The `sticky` filter asked for (None: every note); a 400 problem when it is not a boolean."""
    raw = request.query_params.get(STICKY)
    if raw is None:
        return None
    if raw not in {"true", "false"}:  # as the schema states a boolean in a query string
        raise Problem("invalid-parameters", errors={STICKY: ["Send true or false."]})
    return raw == "true"


def _note_response(request: Request, client: Client, pk: int, *, status: int = 200) -> Response:
    """The note as stored, with its version as ETag (and its URL as Location when it was just made)."""
    note = get_object_or_404(queries.client_notes(client), pk=pk)
    headers = {"ETag": f'"{note_version(note)}"'}
    if status == 201:
        kwargs = {"pk": client.pk, "note_id": note.pk}
        headers["Location"] = reverse("api:v1:client-note-detail", kwargs=kwargs, request=request)
    return Response(NoteSerializer(note, context={"request": request}).data, status=status, headers=headers)


class NoteViewSet(viewsets.ViewSet):
    """A client's notes: the list (or its sticky notes), one note, add, edit, delete."""

    lookup_url_kwarg = "note_id"
    lookup_value_regex = ID_PATTERN

    @extend_schema(
        summary="List a client's notes",
        description="The client's notes, newest first. With `sticky=true`, its sticky notes (those at the top of its "
        "profile), last updated first; `sticky=false`, the others, newest first.",
        parameters=[
            OpenApiParameter(STICKY, bool, description="Only the sticky notes (true), or only the others (false)."),
            *CURSOR_PARAMETERS,
        ],
        responses=responses({200: paginated("NotePage", NoteSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request, pk: str) -> Response:
        client = _client_for(request, pk, VIEW)
        sticky = _sticky(request)
        size = page_size(request)
        if sticky is None:
            rows = queries.client_notes(client)
        elif sticky:
            rows = queries.client_sticky_notes(client)
        else:
            rows = queries.client_notes(client).filter(sticky=False)
        page = KeysetPaginator().paginate(request, rows, size)
        return Response(page.data(NoteSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(
        summary="Add a note",
        description="Add note: a summary, details (plain text) and whether it is sticky. Its author is the token's "
        "owner.",
        request=NoteCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {201: OpenApiResponse(NoteSerializer, description="Created; Location is its URL, ETag its version.")},
            400,
            403,
            404,
            problems={409: KEY_IN_USE_409, 422: SUMMARY_422},
        ),
        examples=[
            OpenApiExample(
                "A sticky note",
                {"summary": "Prefers calls after 2pm", "details": "Ask for the accounts desk.", "sticky": True},
                request_only=True,
            )
        ],
    )
    @requires(VIEW_CLIENT, ADD)
    @idempotent()
    def create(self, request: Request, pk: str) -> Response:
        client = _client_for(request, pk, ADD)
        shape = NoteCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        values = note_values({"details": "", STICKY: False, **shape.validated_data})
        note = actions.note_create(actor=token(request), client=client, **values)
        return _note_response(request, client, note.pk, status=201)

    @extend_schema(summary="Read a note", responses=responses({200: ETAG}, 403, 404))
    def retrieve(self, request: Request, pk: str, note_id: str) -> Response:
        note = get_note_for(desk(request), int(pk), int(note_id), perm=VIEW)
        return _note_response(request, note.client, note.pk)

    @extend_schema(
        summary="Edit a note",
        description="Edit note: send only the fields to change. Sending only `sticky` (without If-Match) sticks or "
        "unsticks the note, as the profile's Unstick button does.",
        request=NoteEditSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=responses({200: ETAG}, 400, 403, 404, 412, problems={409: EDIT_409, 422: SUMMARY_422}),
        examples=[OpenApiExample("Unstick", {STICKY: False}, request_only=True)],
    )
    @requires(VIEW_CLIENT, CHANGE)
    @idempotent()
    def partial_update(self, request: Request, pk: str, note_id: str) -> Response:
        note = get_note_for(desk(request), int(pk), int(note_id), perm=CHANGE)
        shape = NoteEditSerializer(data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        given: dict[str, Any] = dict(shape.validated_data)
        if_match = request.headers.get("If-Match", "")
        base = note_base(note, if_match)
        try:
            if set(given) == {STICKY} and not if_match.strip():
                actions.note_set_sticky(actor=token(request), note=note, sticky=given[STICKY])
            else:
                values = note_values(edited_note_values(note, given))
                actions.note_update(actor=token(request), note=note, base=base, **values)
        except actions.NoteEditConflictError as exc:
            return validation_response(field_errors(exc), name="edit-conflict", current=exc.current)
        except Note.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return _note_response(request, note.client, note.pk)

    @extend_schema(
        summary="Delete a note",
        description="The audit log keeps what it said.",
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {204: OpenApiResponse(description="Deleted.")}, 400, 403, 404, 422, problems={409: KEY_IN_USE_409}
        ),
    )
    @requires(VIEW_CLIENT, DELETE)
    @idempotent()
    def destroy(self, request: Request, pk: str, note_id: str) -> Response:
        note = get_note_for(desk(request), int(pk), int(note_id), perm=DELETE)
        try:
            actions.note_delete(actor=token(request), note=note)
        except Note.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return Response(status=204)
