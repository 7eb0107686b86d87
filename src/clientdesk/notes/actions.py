"""Writes to notes: add, edit (never losing another edit), delete, stick and unstick.

Each is an action: one transaction, validated by the model, audited with the before/after of the
note's fields. A note's own search text (kept by the model) lets the client search find its client.
"""

import copy
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import capfirst

from clientdesk import audit
from clientdesk.accounts.models import User
from clientdesk.clients.models import Client
from clientdesk.notes.events import NoteEvent
from clientdesk.notes.models import Note

# What an edit changes, what the audit log keeps and what an edit form is loaded with.
NOTE_FIELDS: tuple[str, ...] = ("summary", "details", "sticky")
# Checked by the actions themselves: the note's client and author are rows already loaded.
RELATIONS = ("client", "author")


class NoteEditConflictError(ValidationError):
    """Fields this edit changes were changed by someone else since the edit began (nothing written).

    `current` holds those fields' current values: an edit based on them may overwrite them knowingly.
    """

    def __init__(self, messages: dict[str, str], *, current: dict[str, Any]) -> None:
        super().__init__(messages, code="conflict")
        self.current = current


def author_of(actor: audit.Actor) -> User | None:
    """The staff member a note is by: the actor, an API token's owner, or None for the system."""
    if actor is None:
        return None
    if getattr(actor, "is_audit_token", False):
        return getattr(actor, "user", None)
    return actor if isinstance(actor, User) else None


def note_state(note: Note) -> dict[str, Any]:
    """The note's editable fields as plain values: what an edit form is loaded with and the audit log keeps."""
    return audit.snapshot(note, NOTE_FIELDS)


def _said(note: Note) -> dict[str, Any]:
    """What the audit log keeps of a note added or deleted: its text, and that it was sticky if it was."""
    return {name: value for name, value in note_state(note).items() if value is not False}


def _lock(note: Note) -> Note:
    return Note.objects.select_for_update().select_related("client").get(pk=note.pk)


@audit.action(NoteEvent.CREATE)
def note_create(*, actor: audit.Actor, client: Client, summary: str, details: str = "", sticky: bool = False) -> Note:
    """Add a note to a client; the system's notes (`actor` None) have no author."""
    note = Note(client=client, author=author_of(actor), summary=summary, details=details, sticky=sticky)
    note.full_clean(exclude=RELATIONS)
    note.save()
    audit.record(
        actor=actor,
        action=NoteEvent.CREATE,
        client=client,
        target=note,
        changes=audit.diff({}, _said(note), skip_empty=True),
    )
    return note


def _conflict_message(name: str, value: Any) -> str:
    label = capfirst(getattr(Note._meta.get_field(name), "verbose_name", name))
    shown = ("Yes" if value else "No") if isinstance(value, bool) else (value or "(empty)")
    return (
        f"{label} was changed to “{shown}” by someone else after you opened this note. "
        "Your change to it was not saved: check the current value and enter yours again."
    )


@audit.action(NoteEvent.UPDATE)
def note_update(
    *,
    actor: audit.Actor,
    note: Note,
    summary: str,
    details: str,
    sticky: bool,
    base: Mapping[str, Any] | None = None,
) -> Note:
    """Change a note's summary, details and stickiness: only the fields this edit changed.

    `base` is the `note_state` the edit was made from (the form as loaded). A field is changed when
    the edit's value differs from `base`; when someone else changed that same field since (its
    current value differs from `base` too), NoteEditConflictError names it and nothing is written.
    Without `base` every given value counts as changed. An edit changing nothing records nothing.
    """
    locked = _lock(note)
    current = note_state(locked)
    wanted_note = copy.copy(locked)
    wanted_note.summary, wanted_note.details, wanted_note.sticky = summary, details, sticky
    wanted_note.full_clean(exclude=RELATIONS)
    wanted = note_state(wanted_note)

    since = current if base is None else base
    changed = [name for name in NOTE_FIELDS if wanted[name] != since.get(name)]
    conflicts = {
        name: _conflict_message(name, current[name])
        for name in changed
        if current[name] != since.get(name) and current[name] != wanted[name]
    }
    if conflicts:
        raise NoteEditConflictError(conflicts, current={name: current[name] for name in conflicts})
    changed = [name for name in changed if wanted[name] != current[name]]
    if not changed:
        audit.nothing_changed()
        return locked

    for name in changed:
        setattr(locked, name, getattr(wanted_note, name))
    locked.save(update_fields=[*changed, "updated_at"])
    audit.record(
        actor=actor,
        action=NoteEvent.UPDATE,
        client=locked.client,
        target=locked,
        changes=audit.diff(current, note_state(locked)),
    )
    return locked


@audit.action(NoteEvent.DELETE)
def note_delete(*, actor: audit.Actor, note: Note) -> None:
    """Delete a note; the audit log keeps what it said."""
    locked = _lock(note)
    audit.record(
        actor=actor,
        action=NoteEvent.DELETE,
        client=locked.client,
        target=locked,
        changes=audit.diff(_said(locked), {}, skip_empty=True),
    )
    locked.delete()


@audit.action(NoteEvent.STICK, NoteEvent.UNSTICK)
def note_set_sticky(*, actor: audit.Actor, note: Note, sticky: bool) -> Note:
    """Make a note sticky (to the top of the profile) or not; a note already so records nothing.

    The client's search text does not read stickiness, so it is left as it is.
    """
    locked = _lock(note)
    if locked.sticky == sticky:
        audit.nothing_changed()
        return locked
    locked.sticky = sticky
    locked.save(update_fields=["sticky", "updated_at"])
    audit.record(
        actor=actor,
        action=NoteEvent.STICK if sticky else NoteEvent.UNSTICK,
        client=locked.client,
        target=locked,
        changes={"sticky": [not sticky, sticky]},
    )
    return locked
