"""Sign-in required everywhere except views marked `login_not_required`; no page of the desk is cached."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.cache import add_never_cache_headers
from django_htmx.http import HttpResponseClientRedirect


class StaffLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Django's login-required middleware, answering htmx requests with a client redirect."""

    def handle_no_permission(self, request: HttpRequest, view_func: Any) -> HttpResponse:  # type: ignore[override]
        if getattr(request, "htmx", False):
            current = request.htmx.current_url_abs_path or "/"  # type: ignore[attr-defined]
            login = redirect_to_login(current, resolve_url(self.get_login_url(view_func)))
            return HttpResponseClientRedirect(login["Location"])
        return super().handle_no_permission(request, view_func)


class NoStoreMiddleware:
    """Every page the desk renders is `Cache-Control: no-store`: it may show client data, which must not
    be read back from the browser's cache after sign-out. Static files never reach this middleware
    (WhiteNoise answers them first, with its own caching headers)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
