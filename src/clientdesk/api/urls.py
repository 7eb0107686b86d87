"""/api/v1/ (the REST API, names `api:v1:…`) and the API tokens pages of the account menu (`api:…`).

Layout: a client's own collections hang under it (`clients/<id>/contacts/`, `clients/<id>/notes/`),
the desk's settings lists at the top (`contact-types/`, `staff/`), each a viewset registered here (a step
on one row, like `staff/<id>/deactivate/`, is an action of its viewset); a single resource of a client is
a view of its own (`clients/<id>/invoice-contact/`, `clients/<id>/payment-types/`).
"""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from clientdesk.api import token_views
from clientdesk.api.views.clients import ClientViewSet
from clientdesk.api.views.common import ID_PATTERN, not_found
from clientdesk.api.views.contact_types import ContactTypeViewSet
from clientdesk.api.views.contacts import ContactViewSet, InvoiceContactView
from clientdesk.api.views.docs import SchemaView, docs_view
from clientdesk.api.views.mail import ClientEmailViewSet, EmailTemplateViewSet
from clientdesk.api.views.notes import NoteViewSet
from clientdesk.api.views.payments import PaymentAccountViewSet, PaymentTypesView
from clientdesk.api.views.staff import MeView, StaffViewSet

app_name = "api"

router = SimpleRouter()
router.register("clients", ClientViewSet, basename="client")
router.register(rf"clients/(?P<pk>{ID_PATTERN})/contacts", ContactViewSet, basename="client-contact")
router.register(rf"clients/(?P<pk>{ID_PATTERN})/notes", NoteViewSet, basename="client-note")
router.register(rf"clients/(?P<pk>{ID_PATTERN})/emails", ClientEmailViewSet, basename="client-email")
router.register(
    rf"clients/(?P<pk>{ID_PATTERN})/payment-accounts", PaymentAccountViewSet, basename="client-payment-account"
)
router.register("contact-types", ContactTypeViewSet, basename="contact-type")
router.register("email-templates", EmailTemplateViewSet, basename="email-template")
router.register("staff", StaffViewSet, basename="staff")

v1 = [
    path("me/", MeView.as_view(), name="me"),
    *router.urls,
    re_path(
        rf"^clients/(?P<pk>{ID_PATTERN})/invoice-contact/$", InvoiceContactView.as_view(), name="client-invoice-contact"
    ),
    re_path(rf"^clients/(?P<pk>{ID_PATTERN})/payment-types/$", PaymentTypesView.as_view(), name="client-payment-types"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", docs_view(), name="docs"),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found),  # last: any other URL under /api/v1/ is a 404 problem
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    path("tokens/", token_views.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
]
