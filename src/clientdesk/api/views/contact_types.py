"""/api/v1/contact-types/: the company's contact types (Settings → Contact types), add, rename, delete.

Every role reads the list; managing it is Admin's, as on the Settings page. Names go through the
page's own form (ContactTypeForm), then the action and the model.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from clientdesk.api.idempotency import idempotent
from clientdesk.api.pagination import KeysetPaginator, page_size
from clientdesk.api.serializers.contacts import ContactTypeInputSerializer, ContactTypeSerializer
from clientdesk.api.views.common import (
    CURSOR_PARAMETERS,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    KEY_IN_USE_409,
    PROBLEMS,
    desk,
    paginated,
    problem_example,
    requires,
    responses,
    token,
)
from clientdesk.clients import actions, queries
from clientdesk.clients.forms import ContactTypeForm
from clientdesk.clients.models import CustomContactType
from clientdesk.core.access import require

VIEW, ADD = "clients.view_customcontacttype", "clients.add_customcontacttype"
CHANGE, DELETE = "clients.change_customcontacttype", "clients.delete_customcontacttype"
NAME_422 = (
    PROBLEMS[422][0],
    [
        OpenApiExample(
            "Name taken",
            problem_example(
                422,
                "validation",
                "Nothing was written: 1 field (name) is not valid.",
                errors={"name": ["There is already a contact type named “Technical”."]},
            ),
        )
    ],
)


def _name(given: dict[str, str]) -> str:
    """The name as the Settings page's form reads it; ValidationError with the page's errors."""
    form = ContactTypeForm({"name": given.get("name", "")})
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    return str(form.cleaned_data["name"])


def _type_response(request: Request, pk: int, *, status: int = 200) -> Response:
    """The contact type with how many contacts carry it (and its URL as Location when it was just made)."""
    contact_type = get_object_or_404(queries.contact_types_with_counts(), pk=pk)
    headers = {}
    if status == 201:
        headers["Location"] = reverse("api:v1:contact-type-detail", args=[pk], request=request)
    data = ContactTypeSerializer(contact_type, context={"request": request}).data
    return Response(data, status=status, headers=headers)


class ContactTypeViewSet(viewsets.ViewSet):
    """The company's contact types (Technical, Sales…): the list with their contact counts, add, rename, delete."""

    lookup_value_regex = ID_PATTERN

    @extend_schema(
        summary="List contact types",
        description="The company's contact types by name, each with how many contacts carry it.",
        parameters=CURSOR_PARAMETERS,
        responses=responses({200: paginated("ContactTypePage", ContactTypeSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request) -> Response:
        require(desk(request), VIEW)
        page = KeysetPaginator().paginate(request, queries.contact_types_with_counts(), page_size(request))
        return Response(page.data(ContactTypeSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(
        summary="Add a contact type",
        description="A kind of contact of the company's own (Technical, Sales…), for `other` contacts. Admin only.",
        responses=responses(
            {201: OpenApiResponse(ContactTypeSerializer, description="Created; Location is its URL.")},
            400,
            403,
            problems={409: KEY_IN_USE_409, 422: NAME_422},
        ),
        request=ContactTypeInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        examples=[OpenApiExample("Technical", {"name": "Technical"}, request_only=True)],
    )
    @requires(VIEW, ADD)
    @idempotent()
    def create(self, request: Request) -> Response:
        shape = ContactTypeInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        made = actions.contact_type_create(actor=token(request), name=_name(shape.validated_data))
        return _type_response(request, made.pk, status=201)

    @extend_schema(summary="Read a contact type", responses=responses({200: ContactTypeSerializer}, 403, 404))
    def retrieve(self, request: Request, pk: str) -> Response:
        require(desk(request), VIEW)
        return _type_response(request, int(pk))

    @extend_schema(
        summary="Rename a contact type",
        description="Its contacts keep it under the new name. Admin only. Without `name` nothing changes.",
        responses=responses({200: ContactTypeSerializer}, 400, 403, 404, problems={409: KEY_IN_USE_409, 422: NAME_422}),
        request=ContactTypeInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        examples=[OpenApiExample("Rename", {"name": "Technical support"}, request_only=True)],
    )
    @requires(CHANGE)
    @idempotent()
    def partial_update(self, request: Request, pk: str) -> Response:
        contact_type = get_object_or_404(CustomContactType, pk=int(pk))
        shape = ContactTypeInputSerializer(data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        if "name" not in shape.validated_data:  # nothing to change
            return _type_response(request, contact_type.pk)
        try:
            actions.contact_type_rename(
                actor=token(request), contact_type=contact_type, name=_name(shape.validated_data)
            )
        except CustomContactType.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return _type_response(request, contact_type.pk)

    @extend_schema(
        summary="Delete a contact type",
        description="Its contacts stay, as untyped `other` contacts. Admin only.",
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {204: OpenApiResponse(description="Deleted.")}, 400, 403, 404, 422, problems={409: KEY_IN_USE_409}
        ),
    )
    @requires(DELETE)
    @idempotent()
    def destroy(self, request: Request, pk: str) -> Response:
        contact_type = get_object_or_404(CustomContactType, pk=int(pk))
        try:
            actions.contact_type_delete(actor=token(request), contact_type=contact_type)
        except CustomContactType.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return Response(status=204)
