"""AuditContextMiddleware: events written during a request carry the caller's IP, and only then."""

import pytest
from django.http import HttpResponse
from django.urls import reverse

from clientdesk.audit.context import current_ip
from clientdesk.audit.middleware import AuditContextMiddleware
from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def ip_seen_by_a_view(request):
    """Run the middleware around a view that reports the IP an audit event would get."""
    seen = []

    def view(request):
        seen.append(current_ip.get())
        return HttpResponse()

    AuditContextMiddleware(view)(request)
    return seen[0]


def sign_in_ip(client, user, **meta):
    response = client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD}, **meta)
    assert response.status_code == 302
    return AuditEvent.objects.get(action="auth.sign_in").ip


def test_the_middleware_sets_the_callers_ip_for_the_request_and_clears_it_after(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.20")
    assert ip_seen_by_a_view(request) == "198.51.100.20"
    assert current_ip.get() is None


def test_the_middleware_clears_the_ip_even_when_the_view_fails(rf):
    def broken(request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        AuditContextMiddleware(broken)(rf.get("/", REMOTE_ADDR="198.51.100.21"))
    assert current_ip.get() is None


def test_events_written_during_a_request_carry_the_remote_address(client, admin):
    assert sign_in_ip(client, admin, REMOTE_ADDR="198.51.100.23") == "198.51.100.23"
    assert current_ip.get() is None


def test_forwarded_for_is_ignored_without_a_trusted_proxy(client, admin):
    ip = sign_in_ip(client, admin, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert ip == "10.0.0.5"


def test_forwarded_for_gives_the_address_our_one_proxy_saw(client, admin, settings):
    settings.CLIENTDESK_PROXY_COUNT = 1
    # The caller forged the first entry; our proxy appended the address it was connected from.
    ip = sign_in_ip(client, admin, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.66, 203.0.113.9")
    assert ip == "203.0.113.9"


def test_without_a_forwarded_for_header_the_remote_address_is_used_behind_a_proxy(rf, settings):
    settings.CLIENTDESK_PROXY_COUNT = 1
    assert ip_seen_by_a_view(rf.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"


def test_an_ipv6_caller_is_recorded(client, admin):
    assert sign_in_ip(client, admin, REMOTE_ADDR="2001:db8::42") == "2001:db8::42"
