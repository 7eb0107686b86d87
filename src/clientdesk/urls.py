"""The root URLconf: each app's URLs under its prefix."""

from django.urls import include, path

from clientdesk.clients.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("clientdesk.accounts.urls")),
    path("", include("clientdesk.clients.urls")),
]
