"""An API add or edit of a note, read through the very form the Add / Edit note pages use.

As for clients (see client_input.py): the JSON's shape is checked by the serializer, the values by
NoteForm, then by the action and the model, so the API and the pages answer the same input with the
same messages under the same keys (`summary`, `details`).
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from clientdesk.api.versions import read_version, sign_version
from clientdesk.notes.actions import NOTE_FIELDS, note_state
from clientdesk.notes.forms import NoteForm
from clientdesk.notes.models import Note

VERSION_KIND = "note"


def note_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The summary, details and stickiness as NoteForm cleans them; ValidationError with the page's errors."""
    data = {"summary": values.get("summary", ""), "details": values.get("details", "")}
    if values.get("sticky"):
        data["sticky"] = "on"  # a ticked checkbox
    form = NoteForm(data)
    if not form.is_valid():
        raise ValidationError({name: list(messages) for name, messages in form.errors.items()})
    return {name: form.cleaned_data[name] for name in NOTE_FIELDS}


def edited_note_values(note: Note, given: Mapping[str, Any]) -> dict[str, Any]:
    """The note's current fields, overlaid with those an edit sends."""
    return {**note_state(note), **given}


def note_version(note: Note) -> str:
    """The note's ETag: its fields as read (`note_state`), signed, so an edit can be based on them."""
    return sign_version(VERSION_KIND, note.pk, note_state(note))


def note_base(note: Note, if_match: str) -> dict[str, Any]:
    """What an edit is based on: the version `If-Match` names, else the note as read now."""
    state = read_version(VERSION_KIND, note.pk, if_match)
    return note_state(note) if state is None else state
