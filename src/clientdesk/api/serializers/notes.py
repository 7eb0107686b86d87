"""Notes on a client, in and out of the API.

Out: a note as the Notes page shows it (summary, details, sticky, author, dates). In: the shape of an
add or edit only; what the values must be is checked by the pages' NoteForm, then by the actions and
the model.
"""

from typing import Any

from rest_framework import serializers

from clientdesk.api.serializers.clients import StrictSerializer
from clientdesk.api.serializers.fields import ChildUrl, Text
from clientdesk.notes.models import SUMMARY_MAX


class AuthorSerializer(serializers.Serializer[Any]):
    """The staff member who wrote a note."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__", help_text="Their full name (their email when they have none).")


class NoteSerializer(serializers.Serializer[Any]):
    """A note on a client."""

    id = serializers.IntegerField()
    url = ChildUrl("api:v1:client-note-detail", lookup_url_kwarg="note_id")
    summary = serializers.CharField()
    details = serializers.CharField(help_text="Plain text; line breaks are kept (as \\n).")
    sticky = serializers.BooleanField(help_text="Shown at the top of the client's profile.")
    author = AuthorSerializer(allow_null=True, help_text="Null for notes written by the system.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class NoteInputSerializer(StrictSerializer):
    """The fields of Add note / Edit note (an edit sends only those it changes)."""

    summary = Text(required=True, help_text=f"One line, at most {SUMMARY_MAX} characters.")
    details = Text(required=False, help_text="Plain text; line breaks are kept.")
    sticky = serializers.BooleanField(required=False, help_text="Show it at the top of the client's profile.")


class NoteCreateSerializer(NoteInputSerializer):
    """Add note."""


class NoteEditSerializer(NoteInputSerializer):
    """Edit note: only the fields sent are changed."""

    summary = Text(required=False, help_text=f"One line, at most {SUMMARY_MAX} characters.")
