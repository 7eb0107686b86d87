"""Who may call the API at all: a token's owner, read-only tokens reading only.

What each endpoint needs beyond that is the desk's own permission, checked in the view through
`core.access.require` (and `clients.access.get_client_for`), exactly as the pages check it.
"""

import re
from functools import cache
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
        known = documented_parameters(request.path, request.method or "")
        if known is not None and (unknown := sorted(set(request.query_params) - known)):
            raise Problem(
                "invalid-parameters", errors={name: ["This request takes no such parameter."] for name in unknown}
            )
        return True


class SignedInOrToken(BasePermission):
    """The schema and the docs: a signed-in staff member (session) or any valid token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)


@cache
def _operations() -> list[tuple[re.Pattern[str], dict[str, frozenset[str]]]]:
    """(path pattern, {method: query parameter names}) of every path, as the OpenAPI schema states them;
    literal paths first (`clients/search/` before `clients/{id}/`)."""
    from clientdesk.api.views.docs import SchemaView

    generator = SchemaView.generator_class(urlconf=SchemaView.urlconf, api_version=SchemaView.api_version)
    schema = generator.get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$")
        methods = {
            method.upper(): frozenset(p["name"] for p in operation.get("parameters", []) if p.get("in") == "query")
            for method, operation in item.items()
        }
        found.append((pattern, methods))
    return sorted(found, key=lambda entry: entry[0].pattern.count("[^/]+"))


def documented_parameters(path: str, method: str) -> frozenset[str] | None:
    """The query parameters the schema gives the operation at `path` (a misspelt one is refused, not ignored).

    None for a path or method the schema does not know (a 404 or 405 on its way): it takes whatever it is sent.
    """
    for pattern, methods in _operations():
        if pattern.match(path):
            return methods.get(method.upper())
    return None
