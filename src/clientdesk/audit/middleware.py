"""Remembers the caller's IP for the audit events of this request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from clientdesk.audit.context import current_ip
from clientdesk.core.http import client_ip


class AuditContextMiddleware:
    """Sets `audit.context.current_ip` for the duration of each request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
