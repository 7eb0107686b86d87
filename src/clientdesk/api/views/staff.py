"""/api/v1/me/ (who the token acts for) and /api/v1/staff/ (Settings → Staff): the list, a member, and
what an Admin does there: add a member, change their roles, deactivate and reactivate them, reset their
two-factor sign-in, clear their sign-in lock, issue a set-password link.

Each write needs the permission its page needs (`accounts.add_user` to add, `accounts.change_user` for
the rest: only Admin holds them), checked before the member is looked up, and calls the page's action
with the token as the actor. What an action refuses as things stand (the last active Admin, one's own
account, a link for a deactivated member) is a 409 `refused` naming why; roles changed since the `base`
sent, a 409 `edit-conflict`.
"""

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from clientdesk.accounts import actions, queries
from clientdesk.accounts.actions.staff import RolesChangedError, SetPasswordLink
from clientdesk.accounts.models import User
from clientdesk.api.idempotency import idempotent
from clientdesk.api.pagination import KeysetPaginator, page_size
from clientdesk.api.problems import field_errors, validation_response
from clientdesk.api.serializers.staff import (
    MeSerializer,
    NoInputSerializer,
    StaffCreateSerializer,
    StaffLinkSerializer,
    StaffRolesSerializer,
    StaffSerializer,
)
from clientdesk.api.staff_input import new_member_values, role_values
from clientdesk.api.views.common import (
    CURSOR_PARAMETERS,
    ID_PATTERN,
    IDEMPOTENCY_KEY,
    KEY_IN_USE_409,
    desk,
    paginated,
    requires,
    responses,
    token,
)
from clientdesk.api.views.staff_schema import (
    ADD_422,
    DEACTIVATE_409,
    LINK_409,
    NO_INPUT,
    NO_INPUT_422,
    ROLES_409,
    ROLES_422,
    TWO_FACTOR_409,
)
from clientdesk.core.access import require

VIEW_STAFF = "accounts.view_user"
ADD, CHANGE = "accounts.add_user", "accounts.change_user"
NEW_MEMBER = {"email": "lin@example.com", "full_name": "Lin Wu", "roles": ["Billing", "Support"]}


class MeView(APIView):
    """The token's owner, their roles and permissions, and the token itself."""

    @extend_schema(summary="Who am I", responses=responses({200: MeSerializer}))
    def get(self, request: Request) -> Response:
        user, token = cast(User, request.user), request.auth
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "roles": sorted(user.role_names),
            "permissions": sorted(user.get_all_permissions()),
            "token": token,
        }
        return Response(MeSerializer(data).data)


def _member(pk: str | int) -> User:
    """Staff member `pk`, with roles, two-factor and lock, as Settings → Staff reads them (404 when none)."""
    return get_object_or_404(queries.staff_members(), pk=int(pk))


def _member_response(request: Request, pk: int, *, link: SetPasswordLink | None = None, status: int = 200) -> Response:
    """The member as they are now (and the link they set their password through, when one was issued)."""
    member = _member(pk)
    context = {"request": request}
    if link is None:
        return Response(StaffSerializer(member, context=context).data, status=status)
    member.set_password_link = request.build_absolute_uri(link.path)  # type: ignore[attr-defined]
    member.set_password_link_expires_at = link.expires_at  # type: ignore[attr-defined]
    headers = {"Location": reverse("api:v1:staff-detail", args=[pk], request=request)} if status == 201 else {}
    return Response(StaffLinkSerializer(member, context=context).data, status=status, headers=headers)


def _refused(exc: ValidationError) -> Response:
    """A 409 `refused`: the action's reason, keyed as it raised it (`__all__`, or `roles`)."""
    return validation_response(field_errors(exc), name="refused")


LINK_RESPONSE = "The member, and the link where they set their password (shown this once: pass it on)."
MEMBER = OpenApiResponse(StaffSerializer, description="The member, as they are now.")
# A write that takes nothing: an empty object (or no body); a field sent is refused (422), as NoInputSerializer does.
NOTHING = {"type": "object", "maxProperties": 0, "description": "Nothing to send: an empty object, or no body."}
WRITE: dict[str, Any] = {
    "parameters": [IDEMPOTENCY_KEY],
    "request": {"application/json": NOTHING},
    "examples": [NO_INPUT],
}


class StaffViewSet(viewsets.ViewSet):
    """Staff members, for those who may see Settings → Staff; adding and changing them is Admin's."""

    lookup_value_regex = ID_PATTERN

    @extend_schema(
        summary="List staff members",
        description="Active members first, then by email.",
        parameters=CURSOR_PARAMETERS,
        responses=responses({200: paginated("StaffPage", StaffSerializer)}, 400, 403, 404),
    )
    def list(self, request: Request) -> Response:
        require(desk(request), VIEW_STAFF)
        page = KeysetPaginator().paginate(request, queries.staff_members(), page_size(request))
        return Response(page.data(StaffSerializer(page.rows, many=True, context={"request": request}).data))

    @extend_schema(summary="Read a staff member", responses=responses({200: StaffSerializer}, 403, 404))
    def retrieve(self, request: Request, pk: str) -> Response:
        require(desk(request), VIEW_STAFF)
        return _member_response(request, int(pk))

    @extend_schema(
        summary="Add a staff member",
        description="Add staff member: their email, name and at least one role. They have no password: the answer "
        "holds the single-use link where they set one, to pass on. Admin only.",
        request=StaffCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=responses(
            {201: OpenApiResponse(StaffLinkSerializer, description=f"Added; Location is their URL. {LINK_RESPONSE}")},
            400,
            403,
            problems={409: KEY_IN_USE_409, 422: ADD_422},
        ),
        examples=[OpenApiExample("A new member", NEW_MEMBER, request_only=True)],
    )
    @requires(ADD)
    @idempotent()
    def create(self, request: Request) -> Response:
        shape = StaffCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        member, link = actions.user_invite(actor=token(request), **new_member_values(shape.validated_data))
        return _member_response(request, member.pk, link=link, status=201)

    @extend_schema(
        summary="Change a staff member's roles",
        description="The member holds exactly the roles sent (PUT or POST). Send the roles you read as `base` to "
        "have a change someone made meanwhile refused (409) instead of overwritten. The last active Admin keeps "
        "the Admin role (409). Admin only.",
        request=StaffRolesSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses=responses({200: MEMBER}, 400, 403, 404, problems={409: ROLES_409, 422: ROLES_422}),
        examples=[
            OpenApiExample("Billing as well", {"roles": ["Billing", "Support"], "base": ["Support"]}, request_only=True)
        ],
    )
    @action(detail=True, methods=["put", "post"], url_path="roles", url_name="roles")
    @requires(CHANGE)
    @idempotent()
    def roles(self, request: Request, pk: str) -> Response:
        member = _member(pk)
        shape = StaffRolesSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        roles, base = role_values(shape.validated_data["roles"]), shape.validated_data.get("base")
        try:
            actions.user_roles_set(actor=token(request), user=member, roles=roles, base=base)
        except RolesChangedError as exc:
            current = sorted(member.groups.values_list("name", flat=True))
            return validation_response(field_errors(exc), name="edit-conflict", current={"roles": current})
        except ValidationError as exc:  # the roles are the page's; what is left is the last active Admin
            return _refused(exc)
        return _member_response(request, member.pk)

    @extend_schema(
        summary="Deactivate a staff member",
        description="They can no longer sign in (nor can their API tokens be used), and any session they have open "
        "ends at its next request. Not your own account, nor the last active Admin (409). Deactivating a "
        "deactivated member changes nothing. Admin only.",
        responses=responses({200: MEMBER}, 400, 403, 404, problems={409: DEACTIVATE_409, 422: NO_INPUT_422}),
        **WRITE,
    )
    @action(detail=True, methods=["post"], url_path="deactivate", url_name="deactivate")
    @requires(CHANGE)
    @idempotent()
    def deactivate(self, request: Request, pk: str) -> Response:
        member = _member(pk)
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            actions.user_deactivate(actor=token(request), user=member)
        except ValidationError as exc:
            return _refused(exc)
        return _member_response(request, member.pk)

    @extend_schema(
        summary="Reactivate a staff member",
        description="Let a deactivated member sign in again, with the password they had (or a new link). "
        "Reactivating an active member changes nothing. Admin only.",
        responses=responses({200: MEMBER}, 400, 403, 404, problems={409: KEY_IN_USE_409, 422: NO_INPUT_422}),
        **WRITE,
    )
    @action(detail=True, methods=["post"], url_path="reactivate", url_name="reactivate")
    @requires(CHANGE)
    @idempotent()
    def reactivate(self, request: Request, pk: str) -> Response:
        member = _member(pk)
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        actions.user_reactivate(actor=token(request), user=member)
        return _member_response(request, member.pk)

    @extend_schema(
        summary="Reset a staff member's two-factor sign-in",
        description="After a lost phone: their authenticator app and recovery codes stop working, and they sign in "
        "with their password alone until they set it up again. Your own is switched off on your own page (409). "
        "Admin only.",
        responses=responses({200: MEMBER}, 400, 403, 404, problems={409: TWO_FACTOR_409, 422: NO_INPUT_422}),
        **WRITE,
    )
    @action(detail=True, methods=["post"], url_path="two-factor-reset", url_name="two-factor-reset")
    @requires(CHANGE)
    @idempotent()
    def two_factor_reset(self, request: Request, pk: str) -> Response:
        member = _member(pk)
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            actions.user_two_factor_reset(actor=token(request), user=member)
        except ValidationError as exc:
            return _refused(exc)
        return _member_response(request, member.pk)

    @extend_schema(
        summary="Clear a staff member's sign-in lock",
        description="After too many failed sign-ins: the lock on their account and its failure counts go, so they "
        "can sign in again at once. A member without a lock is left as they are. Admin only.",
        responses=responses({200: MEMBER}, 400, 403, 404, problems={409: KEY_IN_USE_409, 422: NO_INPUT_422}),
        **WRITE,
    )
    @action(detail=True, methods=["post"], url_path="lock-clear", url_name="lock-clear")
    @requires(CHANGE)
    @idempotent()
    def lock_clear(self, request: Request, pk: str) -> Response:
        member = _member(pk)
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        actions.user_lock_clear(actor=token(request), user=member)
        return _member_response(request, member.pk)

    @extend_schema(
        summary="Issue a set-password link",
        description="A new single-use link where the member sets their password. Any earlier link stops working, and "
        "so does their current password (and any session they have open): they cannot sign in until they set a "
        "new one. Not for your own account, nor a deactivated member (409). Admin only.",
        responses=responses(
            {200: OpenApiResponse(StaffLinkSerializer, description=LINK_RESPONSE)},
            400,
            403,
            404,
            problems={409: LINK_409, 422: NO_INPUT_422},
        ),
        **WRITE,
    )
    @action(detail=True, methods=["post"], url_path="password-link", url_name="password-link")
    @requires(CHANGE)
    @idempotent()
    def password_link(self, request: Request, pk: str) -> Response:
        member = _member(pk)
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            link = actions.user_password_link_issue(actor=token(request), user=member)
        except ValidationError as exc:
            return _refused(exc)
        return _member_response(request, member.pk, link=link)
