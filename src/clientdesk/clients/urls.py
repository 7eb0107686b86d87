"""Client pages: list, add, profile and its widgets, edit, status, history, search."""

from django.urls import path

from clientdesk.clients import views

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
    path("search/", views.client_search, name="client_search"),
]
