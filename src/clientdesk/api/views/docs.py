"""The OpenAPI schema (/api/v1/schema/) and Swagger UI (/api/v1/docs/), served from the desk itself.

Swagger UI comes from drf-spectacular-sidecar (no CDN) and its start-up script from a URL of its
own, so the page runs under the desk's Content-Security-Policy unchanged: every script and
stylesheet is 'self', nothing is inline. Staff signed in to the desk read both; programs read the
schema with their token.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication

from clientdesk.api.authentication import BearerTokenAuthentication
from clientdesk.api.permissions import SignedInOrToken


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI 3.1 schema, as JSON."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [SignedInOrToken]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI for the schema (a page of the desk: signed-in staff only)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [SignedInOrToken]
    template_name = "api/docs.html"
    url_name = "api:v1:schema"
    title = "Clientdesk API"


def docs_view() -> Any:
    """The docs page: a desk page, so signing in is asked first."""
    return login_required(DocsView.as_view())
