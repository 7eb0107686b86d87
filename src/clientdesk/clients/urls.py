"""Client pages: list, add, profile and its widgets, edit, status, history, search."""

from django.urls import path

from clientdesk.clients import contact_views, views

app_name = "clients"

urlpatterns = [
    path("clients/", views.client_list, name="client_list"),
    path("clients/add/", views.client_add, name="client_add"),
    path("clients/states/", views.state_options, name="state_options"),
    path("clients/<int:pk>/", views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:pk>/status/", views.client_status, name="client_status"),
    path("clients/<int:pk>/history/", views.client_history, name="client_history"),
    path("clients/<int:pk>/contacts/", views.client_contacts, name="client_contacts"),
    path("clients/<int:pk>/activity/", views.client_activity, name="client_activity"),
    path("clients/<int:pk>/contacts/add/", contact_views.contact_add, name="contact_add"),
    path("clients/<int:pk>/contacts/<int:contact_pk>/edit/", contact_views.contact_edit, name="contact_edit"),
    path("clients/<int:pk>/contacts/<int:contact_pk>/delete/", contact_views.contact_delete, name="contact_delete"),
    path("clients/<int:pk>/invoice-address/", contact_views.invoice_contact, name="invoice_contact"),
    path("settings/contact-types/", contact_views.contact_type_list, name="contact_type_list"),
    path("settings/contact-types/<int:type_pk>/edit/", contact_views.contact_type_edit, name="contact_type_edit"),
    path("settings/contact-types/<int:type_pk>/delete/", contact_views.contact_type_delete, name="contact_type_delete"),
    path("search/", views.client_search, name="client_search"),
]
