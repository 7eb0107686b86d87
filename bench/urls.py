"""The desk's URLs plus a bare view for `bench throughput` to compare pages with (installed by the bench settings)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clientdesk.urls import urlpatterns as desk_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    """A tiny response after the whole middleware stack: the session and the signed-in user are all it reads."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [*desk_urlpatterns, path("bench/bare/", bare, name="bench_bare")]
