"""Who may call the API at all: a token's owner, read-only tokens reading only.

What each endpoint needs beyond that is the desk's own permission, checked in the view through
`core.access.require` (and `clients.access.get_client_for`), exactly as the pages check it.
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from clientdesk.api.models import ApiToken
from clientdesk.api.problems import Problem


class TokenScope(BasePermission):
    """Authenticated by an API token; a read-only token may only read (403 otherwise)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or not request.user.is_authenticated:
            return False  # DRF answers 401 with WWW-Authenticate: Bearer
        if token.read_only and request.method not in SAFE_METHODS:
            raise Problem("read-only-token")
        return True


class SignedInOrToken(BasePermission):
    """The schema and the docs: a signed-in staff member (session) or any valid token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)
