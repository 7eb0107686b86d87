"""/api/v1/me/ (who the token acts for) and /api/v1/staff/ (Settings → Staff, read only)."""

from typing import cast

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clientdesk.accounts import queries
from clientdesk.accounts.models import User
from clientdesk.api.pagination import KeysetPaginator, page_size
from clientdesk.api.serializers.staff import MeSerializer, StaffSerializer
from clientdesk.api.views.common import CURSOR_PARAMETERS, ID_PATTERN, desk, paginated, responses
from clientdesk.core.access import require

VIEW_STAFF = "accounts.view_user"


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


class StaffViewSet(viewsets.ViewSet):
    """Staff members, for those who may see Settings → Staff."""

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
        member = get_object_or_404(queries.staff_members(), pk=int(pk))
        return Response(StaffSerializer(member, context={"request": request}).data)
