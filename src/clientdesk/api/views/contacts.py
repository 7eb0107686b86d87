"""/api/v1/clients/{id}/contacts/ and /invoice-contact/: a client's contacts, add, edit, delete; who invoices go to.

Each endpoint checks the same permission as its page (Add contact, Edit contact, Delete contact,
Address invoices to) before the client is looked up, and writes through the same action; input goes
through the page's own form first. The primary contact is listed with the others but is changed with
its client (PATCH /api/v1/clients/{id}/): edits and deletes of it are refused, as the actions refuse them.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from clientdesk.api.contact_input import (
    ContactInput,
    contact_version,
    edited_contact_values,
    loaded_at,
    new_contact_values,
)
from clientdesk.api.idempotency import idempotent
from clientdesk.api.pagination import KeysetPaginator, page_size
from clientdesk.api.problems import PROBLEM_TYPES, field_errors, validation_response
from clientdesk.api.serializers.contacts import (
    ContactInputSerializer,
    ContactSerializer,
    InvoiceContactInputSerializer,
    InvoiceContactSerializer,
)
from clientdesk.api.views.common import (
    CURSOR_PARAMETERS,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    KEY_IN_USE,
    KEY_IN_USE_409,
    KEY_IN_USE_TEXT,
    desk,
    paginated,
    problem_example,
    requires,
    responses,
    token,
)
from clientdesk.clients import actions, queries
from clientdesk.clients.access import get_client_for
from clientdesk.clients.forms import InvoiceContactForm
from clientdesk.clients.models import Client, Contact, ContactType

VIEW, BILLING = "clients.view_client", "clients.change_client_billing"
ADD, CHANGE, DELETE = "clients.add_contact", "clients.change_contact", "clients.delete_contact"
# contact_update's own words for an edit of the primary contact (a test holds the two equal).
PRIMARY_REFUSAL = "The primary contact holds the client's details: change it with Edit client."
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the contact as you read it: when someone saved the contact since, nothing is written "
    "(409). Without it, only the fields you send are changed, over whatever they hold.",
)
ETAG = OpenApiResponse(ContactSerializer, description="The contact; its ETag header is the version an edit can name.")
NEW_CONTACT = {
    "contact_type": "billing",
    "first_name": "Ada",
    "last_name": "Byron",
    "email": "ada@engines.example",
    "country": "GB",
    "phones": [{"number": "020 7946 0958", "type": "phone", "location": "work"}],
}


REFUSED = PROBLEM_TYPES["refused"][2]
EDIT_409 = (
    "The contact is the primary one (`refused`: it is changed with its client), someone else saved it since the "
    f"version in If-Match (`edit-conflict`), or {KEY_IN_USE_TEXT}.",
    [
        OpenApiExample(
            "Primary contact", problem_example(409, "refused", REFUSED, errors={"contact_type": [PRIMARY_REFUSAL]})
        ),
        OpenApiExample(
            "Saved by someone else",
            problem_example(
                409,
                "edit-conflict",
                PROBLEM_TYPES["edit-conflict"][2],
                errors={"__all__": ["Someone else saved this contact after you opened this form. …"]},
                current={},
            ),
        ),
        KEY_IN_USE,
    ],
)
DELETE_409 = (
    f"The contact is the primary one, or the one invoices are addressed to (`refused`), or {KEY_IN_USE_TEXT}.",
    [
        OpenApiExample(
            "Invoices are addressed to it",
            problem_example(
                409,
                "refused",
                REFUSED,
                errors={
                    "__all__": [
                        "Invoices are addressed to Ann Lee. Choose another contact under “Address invoices to” "
                        "before changing this contact's type or deleting it."
                    ]
                },
            ),
        ),
        KEY_IN_USE,
    ],
)


def _contact_of(client: Client, contact_id: str | int) -> Contact:
    """Contact `contact_id` of `client`, with its type and numbers (404 when it is no contact of this client)."""
    return get_object_or_404(queries.client_contacts(client), pk=int(contact_id))


def _contact_response(request: Request, contact: Contact, *, status: int = 200) -> Response:
    """The contact, with its version as ETag (and its URL as Location when it was just made)."""
    headers = {"ETag": f'"{contact_version(contact)}"'}
    if status == 201:
        kwargs = {"pk": contact.client_id, "contact_id": contact.pk}
        headers["Location"] = reverse("api:v1:client-contact-detail", kwargs=kwargs, request=request)
    data = ContactSerializer(contact, context={"request": request}).data
    return Response(data, status=status, headers=headers)


class ContactViewSet(viewsets.ViewSet):
    """A client's contacts: the list (the primary first), one contact, add, edit, delete."""

    lookup_url_kwarg = "contact_id"
    lookup_value_regex = ID_PATTERN

    @extend_schema(
        summary="List a client's contacts",
        description="Every contact of the client: the primary contact first (`contact_type: primary`, changed with "
        "the client), then its billing contacts and the others, by name.",
        parameters=CURSOR_PARAMETERS,
        responses=responses({200: paginated("ContactPage", ContactSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request, pk: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=VIEW)
        page = KeysetPaginator().paginate(request, queries.client_contacts(client), page_size(request))
        return Response(page.data(ContactSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(
        summary="Add a contact",
        description="Add contact: a billing contact (who receives invoices and billing mail) or a contact of one of "
        "the company's contact types, with any number of phone numbers.",
        request=ContactInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {201: OpenApiResponse(ContactSerializer, description="Created; Location is its URL, ETag its version.")},
            400,
            403,
            404,
            422,
            problems={409: KEY_IN_USE_409},
        ),
        examples=[OpenApiExample("A billing contact", NEW_CONTACT, request_only=True)],
    )
    @requires(ADD)
    @idempotent()
    def create(self, request: Request, pk: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=ADD)
        shape = ContactInputSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = ContactInput(new_contact_values(client, shape.validated_data), contact=None)
        form.check()
        contact = actions.contact_create(actor=token(request), client=client, **form.action_arguments())
        return _contact_response(request, _contact_of(client, contact.pk), status=201)

    @extend_schema(summary="Read a contact", responses=responses({200: ETAG}, 403, 404))
    def retrieve(self, request: Request, pk: str, contact_id: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=VIEW)
        return _contact_response(request, _contact_of(client, contact_id))

    @extend_schema(
        summary="Edit a contact",
        description="Edit contact: send only the fields to change (`phones` replaces every number). The primary "
        "contact is changed with its client; the contact invoices are addressed to stays a billing contact.",
        request=ContactInputSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses=responses({200: ETAG}, 400, 403, 404, 412, 422, problems={409: EDIT_409}),
        examples=[OpenApiExample("A new address", {"city": "Bath", "postal_code": "BA1 1LT"}, request_only=True)],
    )
    @requires(CHANGE)
    @idempotent()
    def partial_update(self, request: Request, pk: str, contact_id: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=CHANGE)
        contact = _contact_of(client, contact_id)
        shape = ContactInputSerializer(data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        if contact.contact_type == ContactType.PRIMARY:
            return validation_response({"contact_type": [PRIMARY_REFUSAL]}, name="refused")
        since = loaded_at(contact, request.headers.get("If-Match", ""))
        form = ContactInput(edited_contact_values(contact, shape.validated_data), contact=contact)
        form.check()
        try:
            actions.contact_update(actor=token(request), contact=contact, loaded_at=since, **form.action_arguments())
        except actions.EditConflictError as exc:
            return validation_response(field_errors(exc), name="edit-conflict", current=exc.current)
        except Contact.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return _contact_response(request, _contact_of(client, contact.pk))

    @extend_schema(
        summary="Delete a contact",
        description="Delete contact, with its phone numbers. The primary contact cannot be deleted, nor the contact "
        "invoices are addressed to (address them to another first).",
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {204: OpenApiResponse(description="Deleted.")}, 400, 403, 404, 422, problems={409: DELETE_409}
        ),
    )
    @requires(DELETE)
    @idempotent()
    def destroy(self, request: Request, pk: str, contact_id: str) -> Response:
        client = get_client_for(desk(request), int(pk), perm=DELETE)
        contact = get_object_or_404(Contact, pk=int(contact_id), client=client)
        try:
            actions.contact_delete(actor=token(request), contact=contact)
        except ValidationError as exc:
            return validation_response(field_errors(exc), name="refused")
        except Contact.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return Response(status=204)


def _invoice_response(request: Request, client: Client) -> Response:
    """Who the client's invoices are addressed to, and who receives them."""
    addressed, recipients = queries.invoice_address_contact(client), queries.invoice_recipients(client)
    prefetch_related_objects([addressed, *recipients], "phone_numbers")
    found = {"invoice_contact": addressed, "recipients": recipients}
    return Response(InvoiceContactSerializer(found, context={"request": request}).data)


SET_INVOICE_CONTACT: dict[str, Any] = {
    "summary": "Address invoices to",
    "description": "Address the client's invoices to its primary contact (`null`, or its id) or one of its billing "
    "contacts. Needs the billing permission. (A PATCH without `invoice_contact` changes nothing.)",
    "request": InvoiceContactInputSerializer,
    "parameters": [IDEMPOTENCY_KEY],
    "responses": responses({200: InvoiceContactSerializer}, 400, 403, 404, 422, problems={409: KEY_IN_USE_409}),
    "examples": [OpenApiExample("A billing contact", {"invoice_contact": 812}, request_only=True)],
}


class InvoiceContactView(APIView):
    """Address invoices to: whose name and address the client's invoices carry, and who receives them."""

    @extend_schema(
        summary="Who invoices are addressed to",
        description="The contact invoices are addressed to (the one chosen, else the primary contact) and who "
        "receives invoices and billing mail (the billing contacts, else the primary contact).",
        responses=responses({200: InvoiceContactSerializer}, 403, 404),
    )
    def get(self, request: Request, pk: int) -> Response:
        client = get_client_for(desk(request), int(pk), perm=VIEW)
        return _invoice_response(request, client)

    @extend_schema(**SET_INVOICE_CONTACT)
    @requires(BILLING)
    @idempotent()
    def put(self, request: Request, pk: int) -> Response:
        return self._address_invoices(request, pk, partial=False)

    @extend_schema(**SET_INVOICE_CONTACT)
    @requires(BILLING)
    @idempotent()
    def patch(self, request: Request, pk: int) -> Response:
        return self._address_invoices(request, pk, partial=True)

    def _address_invoices(self, request: Request, pk: int, *, partial: bool) -> Response:
        client = get_client_for(desk(request), int(pk), perm=BILLING)
        shape = InvoiceContactInputSerializer(data=request.data, partial=partial)
        shape.is_valid(raise_exception=True)
        if "invoice_contact" not in shape.validated_data:  # a PATCH naming nothing to change
            return _invoice_response(request, client)
        contacts = queries.invoice_contact_choices(client)
        chosen = shape.validated_data["invoice_contact"]
        if chosen is None:  # the primary contact
            chosen = next((c.pk for c in contacts if c.contact_type == ContactType.PRIMARY), "")
        form = InvoiceContactForm({"invoice_contact": str(chosen)}, contacts=contacts)
        if not form.is_valid():
            raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
        actions.client_set_invoice_contact(actor=token(request), client=client, contact=form.chosen())
        return _invoice_response(request, client)
