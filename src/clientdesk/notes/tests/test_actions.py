from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError

from clientdesk.accounts.models import User
from clientdesk.audit.models import AuditEvent
from clientdesk.notes.actions import (
    NoteEditConflictError,
    note_create,
    note_delete,
    note_set_sticky,
    note_state,
    note_update,
)
from clientdesk.notes.models import Note

pytestmark = pytest.mark.django_db


def note_events(action: str = "note."):
    return AuditEvent.objects.filter(action__startswith=action)


@pytest.fixture
def grace(make_client):
    return make_client(first_name="Grace", last_name="Hopper")


# --- Add note -------------------------------------------------------------------------------


def test_add_keeps_the_summary_details_sticky_and_author(grace, support):
    note = note_create(actor=support, client=grace, summary="Prefers email", details="No calls.", sticky=True)
    note.refresh_from_db()
    assert (note.client, note.author, note.summary, note.details, note.sticky) == (
        grace,
        support,
        "Prefers email",
        "No calls.",
        True,
    )
    assert note.created_at is not None
    assert note.updated_at is not None
    assert note.author_name == str(support)


def test_a_note_is_not_sticky_unless_asked_and_its_event_says_only_what_it_says(grace, support):
    assert note_create(actor=support, client=grace, summary="Plain").sticky is False
    assert note_events().get().changes == {"summary": [None, "Plain"]}


def test_a_summary_of_1000_characters_is_refused_with_a_field_error_and_nothing_is_written(grace, support):
    with pytest.raises(ValidationError) as caught:
        note_create(actor=support, client=grace, summary="x" * 1000, details="Kept nowhere")
    assert list(caught.value.message_dict) == ["summary"]
    assert "at most 255 characters" in caught.value.message_dict["summary"][0]
    assert not Note.objects.exists()
    assert not note_events().exists()


def test_a_summary_of_255_characters_is_accepted(grace, support):
    assert len(note_create(actor=support, client=grace, summary="y" * 255).summary) == 255


@pytest.mark.parametrize("summary", ["", "   ", "\n\t \r\n"])
def test_a_blank_summary_is_refused_and_nothing_is_written(grace, support, summary):
    with pytest.raises(ValidationError) as caught:
        note_create(actor=support, client=grace, summary=summary, details="Some details")
    assert caught.value.message_dict == {"summary": ["Enter a summary."]}
    assert not Note.objects.exists()
    assert not note_events().exists()


def test_the_summary_is_trimmed_to_one_line(grace, support):
    note = note_create(actor=support, client=grace, summary="  Call back\n on  Monday \t")
    assert note.summary == "Call back on Monday"


def test_trailing_spaces_do_not_count_against_the_summary_limit(grace, support):
    assert note_create(actor=support, client=grace, summary="z" * 255 + "   ").summary == "z" * 255


def test_details_keep_their_line_breaks_and_lose_only_trailing_whitespace(grace, support):
    note = note_create(
        actor=support, client=grace, summary="Lines", details="  indented\r\nsecond line\n\n  fourth  \n\n\t"
    )
    note.refresh_from_db()
    assert note.details == "  indented\nsecond line\n\n  fourth"


def test_system_notes_have_no_author_and_say_so(grace):
    note = note_create(actor=None, client=grace, summary="Auto debit disabled for payment account.")
    note.refresh_from_db()
    assert note.author is None
    assert note.author_name == "System"
    event = note_events().get()
    assert (event.actor_type, event.actor_user) == ("system", None)


@dataclass
class Token:
    user: User | None
    is_audit_token: bool = True

    def __str__(self):
        return "token for support"


def test_a_note_written_through_an_api_token_is_by_the_tokens_owner(grace, support):
    note = note_create(actor=Token(support), client=grace, summary="From the API")
    assert note.author == support
    assert note_events().get().actor_type == "token"


def test_add_is_audited_with_what_the_note_says(grace, billing):
    note = note_create(actor=billing, client=grace, summary="Renewal", details="Annual plan", sticky=True)
    event = note_events().get()
    assert event.action == "note.create"
    assert (event.client_pk, event.client_code, event.actor_user) == (grace.pk, grace.id_code, billing)
    assert (event.target_model, event.target_pk) == ("notes.note", str(note.pk))
    assert event.changes == {"summary": [None, "Renewal"], "details": [None, "Annual plan"], "sticky": [None, True]}


# --- Edit note ------------------------------------------------------------------------------


def test_edit_changes_the_fields_and_records_before_and_after(make_note, support):
    note = make_note(summary="Old", details="Old details")
    edited = note_update(actor=support, note=note, summary="New", details="Old details", sticky=True)
    note.refresh_from_db()
    assert (note.summary, note.details, note.sticky) == ("New", "Old details", True)
    assert edited.summary == "New"
    event = note_events("note.update").get()
    assert event.actor_user == support
    assert event.changes == {"summary": ["Old", "New"], "sticky": [False, True]}


def test_edit_refreshes_the_updated_time_but_not_the_added_time(make_note, support):
    note = make_note(summary="Old")
    Note.objects.filter(pk=note.pk).update(created_at="2020-01-01T00:00Z", updated_at="2020-01-01T00:00Z")
    note_update(actor=support, note=note, summary="New", details="", sticky=False)
    note.refresh_from_db()
    assert note.created_at.year == 2020
    assert note.updated_at.year > 2020


def test_an_edit_that_changes_nothing_records_nothing(make_note, support):
    note = make_note(summary="Same", details="Same details")
    before = note_events().count()
    updated_at = Note.objects.get(pk=note.pk).updated_at
    edited = note_update(actor=support, note=note, summary=" Same ", details="Same details\n", sticky=False)
    assert note_state(edited) == note_state(note)
    assert note_events().count() == before
    assert Note.objects.get(pk=note.pk).updated_at == updated_at


def test_an_edit_refuses_an_overlong_summary_and_writes_nothing(make_note, support):
    note = make_note(summary="Kept")
    before = note_events().count()
    with pytest.raises(ValidationError) as caught:
        note_update(actor=support, note=note, summary="x" * 1000, details="changed too", sticky=True)
    assert list(caught.value.message_dict) == ["summary"]
    note.refresh_from_db()
    assert (note.summary, note.details, note.sticky) == ("Kept", "", False)
    assert note_events().count() == before


def test_an_edit_refuses_a_field_someone_else_changed_since_it_began(make_note, support, billing):
    note = make_note(summary="Loaded")
    base = note_state(note)
    note_update(actor=billing, note=note, summary="Theirs", details="", sticky=False)
    with pytest.raises(NoteEditConflictError) as caught:
        note_update(actor=support, note=note, summary="Mine", details="", sticky=False, base=base)
    assert list(caught.value.message_dict) == ["summary"]
    assert "changed to “Theirs” by someone else" in caught.value.message_dict["summary"][0]
    assert caught.value.current == {"summary": "Theirs"}
    note.refresh_from_db()
    assert note.summary == "Theirs"


def test_an_edit_keeps_what_someone_else_changed_in_other_fields(make_note, support, billing):
    note = make_note(summary="Loaded", sticky=True)
    base = note_state(note)
    note_set_sticky(actor=billing, note=note, sticky=False)  # unstuck from the profile meanwhile
    note_update(actor=support, note=note, summary="Mine", details="", sticky=True, base=base)
    note.refresh_from_db()
    assert (note.summary, note.sticky) == ("Mine", False)


# --- Delete note ----------------------------------------------------------------------------


def test_delete_removes_the_note_and_the_audit_log_keeps_what_it_said(make_note, billing):
    note = make_note(summary="Gone soon", details="Details too", sticky=True)
    pk = note.pk
    note_delete(actor=billing, note=note)
    assert not Note.objects.filter(pk=pk).exists()
    event = note_events("note.delete").get()
    assert (event.target_model, event.target_pk, event.actor_user) == ("notes.note", str(pk), billing)
    assert event.changes == {
        "summary": ["Gone soon", None],
        "details": ["Details too", None],
        "sticky": [True, None],
    }


# --- Sticky ---------------------------------------------------------------------------------


def test_unstick_then_stick_again_each_recorded_once(make_note, support):
    note = make_note(summary="Pinned", sticky=True)
    note_set_sticky(actor=support, note=note, sticky=False)
    note.refresh_from_db()
    assert note.sticky is False
    assert list(note_events("note.unstick").values_list("changes", flat=True)) == [{"sticky": [True, False]}]
    note_set_sticky(actor=support, note=note, sticky=False)  # already so: nothing recorded
    assert note_events("note.unstick").count() == 1
    note_set_sticky(actor=support, note=note, sticky=True)
    note.refresh_from_db()
    assert note.sticky is True
    assert list(note_events("note.stick").values_list("changes", flat=True)) == [{"sticky": [False, True]}]


def test_the_history_names_the_note_events_in_words():
    from clientdesk.audit.codes import label_for

    assert [label_for(f"note.{code}") for code in ("create", "update", "delete", "stick", "unstick")] == [
        "Added note",
        "Edited note",
        "Deleted note",
        "Made note sticky",
        "Unstuck note",
    ]
