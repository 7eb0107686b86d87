"""/api/v1/clients/{id}/emails/ (a client's Mail Log, Email Client, Resend) and /api/v1/email-templates/.

As on the pages: reading a client's mail needs `clients.view_client` and `mail.view_outboundemail`,
sending and resending `mail.add_outboundemail`, checked before the client is looked up (so a 404
says nothing to someone who may not see clients). A send is checked by the page's EmailForm, then
`email_send`, which queues it: the answer is the email, `queued`; the worker delivers it. Sends
need an Idempotency-Key, so a retry never queues a second email. The templates are Admin's
(`mail.change_emailtemplate`), edited through `template_update` / `template_reset`.
"""

from typing import cast

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import decorators, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from clientdesk.accounts.models import User
from clientdesk.api.idempotency import idempotent
from clientdesk.api.mail_input import (
    edited_template_values,
    message_arguments,
    new_message_values,
    resent_message_values,
    template_loaded_at,
    template_version,
)
from clientdesk.api.pagination import KeysetPaginator, page_size
from clientdesk.api.problems import PROBLEM_TYPES, field_errors, validation_response
from clientdesk.api.serializers.mail import (
    EmailResendSerializer,
    EmailSendSerializer,
    EmailSerializer,
    EmailTemplateEditSerializer,
    EmailTemplateRowSerializer,
    EmailTemplateSerializer,
    MailLogRowSerializer,
    NoBodySerializer,
)
from clientdesk.api.views.common import (
    CURSOR_PARAMETERS,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_REQUIRED,
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
from clientdesk.mail import actions, queries, template_actions
from clientdesk.mail.catalog import SPECS
from clientdesk.mail.models import EmailTemplate, OutboundEmail, TemplateAction

VIEW_CLIENT = "clients.view_client"
VIEW, SEND = "mail.view_outboundemail", "mail.add_outboundemail"
TEMPLATES = "mail.change_emailtemplate"

NEW_EMAIL = {
    "to": ["grace@acme.example"],
    "cc": ["accounts@acme.example"],
    "subject": "Your renewal",
    "html": "<p>Hello Grace,</p><p>Your hosting renews on <strong>1 December</strong>.</p>",
}
SEND_422 = (
    PROBLEMS[422][0],
    [
        OpenApiExample(
            "A bad address, a line break in the subject",
            problem_example(
                422,
                "validation",
                "Nothing was written: 2 fields (to, subject) are not valid.",
                errors={
                    "to": ["“grace@” is not a valid email address."],
                    "subject": [actions.HEADER_INJECTION],
                },
            ),
        )
    ],
)
TEMPLATE_422 = (
    PROBLEMS[422][0],
    [
        OpenApiExample(
            "Unknown variable",
            problem_example(
                422,
                "validation",
                "Nothing was written: 1 field (subject) is not valid.",
                errors={"subject": ["Unknown variable: invoice.amount. Use the variables listed beside the form."]},
            ),
        )
    ],
)
TEMPLATE_409 = (
    f"Someone else saved the template since the version in If-Match (`edit-conflict`), or {KEY_IN_USE_TEXT}.",
    [
        OpenApiExample(
            "Saved by someone else",
            problem_example(
                409,
                "edit-conflict",
                PROBLEM_TYPES["edit-conflict"][2],
                errors={"__all__": ["Someone else saved this template after you opened it. …"]},
                current={},
            ),
        ),
        KEY_IN_USE,
    ],
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the template as you read it: when someone saved it since, nothing is written (409). "
    "Without it, only the parts you send are changed, over whatever they hold.",
)
ACTION = OpenApiParameter(
    "action",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=TemplateAction.values,
    description="Which automatic email.",
)
TEMPLATE_ETAG = OpenApiResponse(
    EmailTemplateSerializer, description="The template; its ETag header is the version an edit can name."
)
NO_BODY = {
    "type": "object",
    "properties": {},
    "additionalProperties": False,
    "description": "Nothing: {} (or no body).",
}
CREATED = OpenApiResponse(EmailSerializer, description="Queued; Location is its URL. The worker sends it.")


def _client_for(request: Request, pk: str, perm: str) -> Client:
    """Client `pk`, for a staff member who may see clients and holds `perm` (checked first, as on the pages)."""
    require(desk(request), VIEW_CLIENT, perm)
    return get_client_for(desk(request), int(pk), perm=VIEW_CLIENT)


def _email_of(client: Client, email_id: str | int) -> OutboundEmail:
    """Email `email_id` of the client's Mail Log, whole (404 when it is no email of this client)."""
    try:
        return queries.client_email(client, int(email_id))
    except OutboundEmail.DoesNotExist:
        raise Http404 from None


def _email_response(request: Request, client: Client, pk: int, *, status: int = 200) -> Response:
    """The email as stored (and its URL as Location when it was just queued)."""
    email = _email_of(client, pk)
    headers = {}
    if status == 201:
        kwargs = {"pk": client.pk, "email_id": email.pk}
        headers["Location"] = reverse("api:v1:client-email-detail", kwargs=kwargs, request=request)
    return Response(EmailSerializer(email, context={"request": request}).data, status=status, headers=headers)


class ClientEmailViewSet(viewsets.ViewSet):
    """A client's Mail Log: every email to it, one email whole, Email Client and Resend."""

    lookup_url_kwarg = "email_id"
    lookup_value_regex = ID_PATTERN

    @extend_schema(
        summary="List a client's emails",
        description="The client's Mail Log: every email to it, automatic and written by staff, newest first, with "
        "its status (queued, sent, failed with the error).",
        parameters=CURSOR_PARAMETERS,
        responses=responses({200: paginated("MailLogPage", MailLogRowSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request, pk: str) -> Response:
        client = _client_for(request, pk, VIEW)
        page = KeysetPaginator().paginate(request, queries.client_mail_log(client), page_size(request))
        return Response(page.data(MailLogRowSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(
        summary="Email a client",
        description="Email Client: the email is queued (`status: queued`) and sent by the worker; follow its URL to "
        "see it sent or failed. From is the token's owner unless given. Requires an Idempotency-Key: a retry "
        "queues nothing more.",
        request=EmailSendSerializer,
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        responses=responses({201: CREATED}, 400, 403, 404, problems={409: KEY_IN_USE_409, 422: SEND_422}),
        examples=[OpenApiExample("A renewal reminder", NEW_EMAIL, request_only=True)],
    )
    @requires(VIEW_CLIENT, SEND)
    def create(self, request: Request, pk: str) -> Response:
        return self._send(request, _client_for(request, pk, SEND))  # a missing client is a 404 before the key

    @idempotent(required=True)
    def _send(self, request: Request, client: Client) -> Response:
        shape = EmailSendSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        owner = cast(User, request.user)
        arguments = message_arguments(new_message_values(owner, shape.validated_data))
        email = actions.email_send(actor=token(request), client=client, **arguments)
        return _email_response(request, client, email.pk, status=201)

    @extend_schema(summary="Read an email", responses=responses({200: EmailSerializer}, 403, 404))
    def retrieve(self, request: Request, pk: str, email_id: str) -> Response:
        client = _client_for(request, pk, VIEW)
        return _email_response(request, client, int(email_id))

    @extend_schema(
        summary="Resend an email",
        description="Resend: the logged email, queued again as a new email linked to it (`resent_from`). Every "
        "field left out is the original's; `to` may name other addresses. Staff mail (a sign-in link) is never sent "
        "again. Requires an Idempotency-Key.",
        request=EmailResendSerializer,
        parameters=[IDEMPOTENCY_KEY_REQUIRED],
        responses=responses({201: CREATED}, 400, 403, 404, problems={409: KEY_IN_USE_409, 422: SEND_422}),
        examples=[
            OpenApiExample("To another address", {"to": ["accounts@acme.example"]}, request_only=True),
            OpenApiExample("As it was", {}, request_only=True),
        ],
    )
    @decorators.action(detail=True, methods=["post"], url_path="resend", url_name="resend")
    @requires(VIEW_CLIENT, SEND)
    def resend(self, request: Request, pk: str, email_id: str) -> Response:
        client = _client_for(request, pk, SEND)
        original = _email_of(client, email_id)
        if queries.body_hidden(original):
            raise Http404  # staff mail carries a single-use sign-in link: never sent again, as on the page
        return self._resend(request, client, original)

    @idempotent(required=True)
    def _resend(self, request: Request, client: Client, original: OutboundEmail) -> Response:
        shape = EmailResendSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        arguments = message_arguments(resent_message_values(original, shape.validated_data))
        email = actions.email_send(actor=token(request), client=client, resent_from=original, **arguments)
        return _email_response(request, client, email.pk, status=201)


def _template(action_name: str) -> EmailTemplate:
    """The template of automatic email `action_name` (404 when there is no such email)."""
    template = EmailTemplate.objects.filter(action=action_name).first() if action_name in SPECS else None
    if template is None:
        raise Http404
    return template


def _template_response(request: Request, template: EmailTemplate) -> Response:
    """The template with its recipients and variables, and its version as ETag."""
    data = EmailTemplateSerializer(template, context={"request": request}).data
    return Response(data, headers={"ETag": f'"{template_version(template)}"'})


class EmailTemplateViewSet(viewsets.ViewSet):
    """Settings → Email templates: every automatic email's template, edit one, restore its default (Admin)."""

    lookup_url_kwarg = "action"
    lookup_value_regex = "[a-z_]{1,64}"

    @extend_schema(
        summary="List email templates",
        description="The template of every automatic email, by its `action`. Admin only.",
        parameters=CURSOR_PARAMETERS,
        responses=responses({200: paginated("EmailTemplatePage", EmailTemplateRowSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request) -> Response:
        require(desk(request), TEMPLATES)
        rows = EmailTemplate.objects.defer("html", "text").order_by("action")
        page = KeysetPaginator().paginate(request, rows, page_size(request))
        return Response(page.data(EmailTemplateRowSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(
        summary="Read an email template",
        description="Its subject, HTML and text, who receives it, and the variables it may use. Admin only.",
        parameters=[ACTION],
        responses=responses({200: TEMPLATE_ETAG}, 403, 404),
    )
    def retrieve(self, request: Request, action: str) -> Response:
        require(desk(request), TEMPLATES)
        return _template_response(request, _template(action))

    @extend_schema(
        summary="Edit an email template",
        description="Send only the parts to change. A template that does not render with sample values, or uses a "
        "variable it is not given, is refused (422, by part). Admin only.",
        request=EmailTemplateEditSerializer,
        parameters=[ACTION, IF_MATCH, IDEMPOTENCY_KEY],
        responses=responses({200: TEMPLATE_ETAG}, 400, 403, 404, 412, problems={409: TEMPLATE_409, 422: TEMPLATE_422}),
        examples=[
            OpenApiExample(
                "A new subject", {"subject": "Invoice {{ invoice.number }} from {{ company_name }}"}, request_only=True
            ),
            OpenApiExample("Switch it off", {"active": False}, request_only=True),
        ],
    )
    @requires(TEMPLATES)
    @idempotent()
    def partial_update(self, request: Request, action: str) -> Response:
        template = _template(action)
        shape = EmailTemplateEditSerializer(data=request.data, partial=True)
        shape.is_valid(raise_exception=True)
        loaded_at = template_loaded_at(template, request.headers.get("If-Match", ""))
        values = edited_template_values(template, shape.validated_data)
        try:
            template = template_actions.template_update(
                actor=token(request), template=template, loaded_at=loaded_at, **values
            )
        except template_actions.TemplateChangedError as exc:
            return validation_response(field_errors(exc), name="edit-conflict", current={})
        except EmailTemplate.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return _template_response(request, template)

    @extend_schema(
        summary="Restore an email template's default",
        description="Put the subject, HTML and text back to those installed by default (whether it is sent stays as "
        "it is). Admin only.",
        request={"application/json": NO_BODY},
        parameters=[ACTION, IDEMPOTENCY_KEY],
        responses=responses({200: TEMPLATE_ETAG}, 400, 403, 404, 422, problems={409: KEY_IN_USE_409}),
        examples=[OpenApiExample("Restore", {}, request_only=True)],
    )
    @decorators.action(detail=True, methods=["post"], url_path="reset", url_name="reset")
    @requires(TEMPLATES)
    @idempotent()
    def reset(self, request: Request, action: str) -> Response:
        template = _template(action)
        NoBodySerializer(data=request.data).is_valid(raise_exception=True)
        try:
            template = template_actions.template_reset(actor=token(request), template=template)
        except EmailTemplate.DoesNotExist:
            raise Http404 from None  # deleted meanwhile
        return _template_response(request, template)
