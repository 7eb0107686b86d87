"""Note pages: a client's Notes page and profile widgets, add, edit, delete, unstick."""

from django.urls import path

from clientdesk.notes import views

app_name = "notes"

urlpatterns = [
    path("clients/<int:pk>/notes/", views.note_list, name="note_list"),
    path("clients/<int:pk>/notes/add/", views.note_add, name="note_add"),
    path("clients/<int:pk>/notes/widget/", views.client_notes, name="client_notes"),
    path("clients/<int:pk>/notes/sticky/", views.client_sticky_notes, name="client_sticky_notes"),
    path("clients/<int:pk>/notes/<int:note_pk>/edit/", views.note_edit, name="note_edit"),
    path("clients/<int:pk>/notes/<int:note_pk>/delete/", views.note_delete, name="note_delete"),
    path("clients/<int:pk>/notes/<int:note_pk>/unstick/", views.note_unstick, name="note_unstick"),
]
