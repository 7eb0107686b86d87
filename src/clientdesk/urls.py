"""The root URLconf: each app's URLs under its prefix."""

from django.urls import include, path

from clientdesk.clients.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("clientdesk.accounts.urls")),
    path("", include("clientdesk.clients.urls")),
    path("", include("clientdesk.notes.urls")),
    path("", include("clientdesk.mail.urls")),
    path("", include("clientdesk.mail.template_urls")),
    path("", include("clientdesk.payments.urls")),
    path("", include("clientdesk.payments.settings_urls")),
    path("api/", include("clientdesk.api.urls")),
]

# 403 and 404 in the desk's layout (htmx gets the message alone); 400 and 500 keep Django's handlers,
# whose 400.html and 500.html render without a request.
handler403 = "clientdesk.core.access.permission_denied"
handler404 = "clientdesk.core.access.page_not_found"
