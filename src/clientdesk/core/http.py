"""Request helpers shared by every app."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The caller's IP address, trusting exactly CLIENTDESK_PROXY_COUNT proxies in front."""
    proxies = settings.CLIENTDESK_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies and (ip := _valid_ip(forwarded[-proxies])):
            return ip
    return _valid_ip(request.META.get("REMOTE_ADDR"))


def is_htmx(request: HttpRequest) -> bool:
    """True for a request made by htmx (and not a history restore, which wants the full page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def redirect_or_htmx(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to `url`: an HX-Location for htmx, a plain 302 otherwise."""
    from django.shortcuts import redirect
    from django_htmx.http import HttpResponseClientRedirect

    if is_htmx(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter when it points at this site, else `fallback`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback
