"""/api/v1/clients/{id}/notes/: the note pages' rules, through the same actions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clientdesk.audit.models import AuditEvent
from clientdesk.notes.models import Note

pytestmark = pytest.mark.django_db


def notes_url(client):
    return f"/api/v1/clients/{client.pk}/notes/"


def url(note):
    return f"/api/v1/clients/{note.client_id}/notes/{note.pk}/"


def writes():
    return Note.objects.count(), AuditEvent.objects.count()


def walk(api, link):
    rows = []
    while link:
        body = api.get(link).json()
        rows += body["results"]
        link = body["next"]
    return rows


def aged(note, **ages):
    """Move the note's dates back by the given hours (`created`, `updated`)."""
    now = timezone.now()
    fields = {f"{name}_at": now - timedelta(hours=hours) for name, hours in ages.items()}
    Note.objects.filter(pk=note.pk).update(**fields)


# --- The list ------------------------------------------------------------------------------------


def test_the_list_is_the_clients_notes_newest_first(api_as, readonly, grace, make_client, make_note, admin):
    notes = [make_note(client=grace, summary=f"Note {i}", actor=admin) for i in range(5)]
    for age, note in enumerate(notes):
        aged(note, created=age)
    make_note(client=make_client(), summary="Not hers")
    rows = walk(api_as(readonly), f"{notes_url(grace)}?page_size=2")
    assert [r["summary"] for r in rows] == [f"Note {i}" for i in range(5)]
    assert rows[0]["author"] == {"id": admin.pk, "name": str(admin)}
    assert rows[0]["url"] == f"http://testserver{url(notes[0])}"


def test_sticky_true_lists_the_sticky_notes_last_updated_first(api_as, readonly, support, grace, make_note):
    sticky = [make_note(client=grace, summary=f"Sticky {i}", sticky=True) for i in range(12)]
    plain = make_note(client=grace, summary="Not sticky")
    for age, note in enumerate(sticky):
        aged(note, created=100 - age, updated=age)
    api = api_as(readonly)
    rows = walk(api, f"{notes_url(grace)}?sticky=true&page_size=5")
    assert [r["summary"] for r in rows] == [f"Sticky {i}" for i in range(12)]
    # Unstuck and stuck again, the oldest comes first: it was updated last.
    writer = api_as(support)
    assert writer.patch(url(sticky[11]), {"sticky": False}).json()["sticky"] is False
    assert writer.patch(url(sticky[11]), {"sticky": True}).status_code == 200
    rows = api.get(f"{notes_url(grace)}?sticky=true").json()["results"]
    assert rows[0]["id"] == sticky[11].pk
    assert [r["id"] for r in api.get(f"{notes_url(grace)}?sticky=false").json()["results"]] == [plain.pk]


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_sticky_filter_that_is_no_boolean_is_a_400_naming_it(api_as, readonly, grace, value):
    response = api_as(readonly).get(notes_url(grace), {"sticky": value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["sticky"]


def test_the_sticky_list_is_read_through_the_sticky_index(api_as, readonly, grace, make_note):
    for i in range(3):
        make_note(client=grace, summary=f"Sticky {i}", sticky=True)
    api = api_as(readonly)
    first = api.get(f"{notes_url(grace)}?sticky=true&page_size=1").json()
    with CaptureQueriesContext(connection) as captured:
        api.get(first["next"])
    (sql,) = [q["sql"] for q in captured.captured_queries if '"notes_note"' in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a 3-row table would be scanned otherwise
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    assert "note_client_sticky" in plan, plan
    assert "TEMP B-TREE" not in plan.upper(), plan  # SQLite: no sort of its own
    assert "Sort" not in plan, plan  # PostgreSQL


# --- Add, edit, delete ---------------------------------------------------------------------------


def test_add_note_writes_it_by_the_tokens_owner(api_as, support, grace):
    body = {"summary": "  Prefers calls after 2pm ", "details": "Ask for\r\nthe accounts desk.  ", "sticky": True}
    response = api_as(support).post(notes_url(grace), body, HTTP_IDEMPOTENCY_KEY="n1")
    assert response.status_code == 201, response.json()
    note = Note.objects.get()
    assert response["Location"] == f"http://testserver{url(note)}"
    assert (note.summary, note.details, note.sticky, note.author) == (
        "Prefers calls after 2pm",
        "Ask for\nthe accounts desk.",
        True,
        support,
    )
    assert response.json()["author"]["id"] == support.pk
    assert AuditEvent.objects.get(action="note.create").actor_label.startswith("API token ")


def test_a_summary_of_1000_characters_is_refused_and_nothing_is_written(api_as, support, grace, make_note):
    note = make_note(client=grace, summary="Short")
    api = api_as(support)
    before = writes()
    for response in (
        api.post(notes_url(grace), {"summary": "x" * 1000}),
        api.patch(url(note), {"summary": "x" * 1000}),
    ):
        assert response.status_code == 422
        assert response.json()["errors"] == {"summary": ["Ensure this value has at most 255 characters (it has 1000)."]}
    assert writes() == before


def test_a_note_needs_a_summary(api_as, support, grace):
    api = api_as(support)
    assert api.post(notes_url(grace), {"details": "x"}).json()["errors"] == {"summary": ["This field is required."]}
    assert api.post(notes_url(grace), {"summary": "   "}).json()["errors"] == {"summary": ["Enter a summary."]}


def test_an_edit_changes_only_the_fields_it_sends(api_as, support, grace, make_note):
    note = make_note(client=grace, summary="Called", details="About the invoice")
    response = api_as(support).patch(url(note), {"details": "About the renewal"})
    assert response.status_code == 200
    note.refresh_from_db()
    assert (note.summary, note.details) == ("Called", "About the renewal")
    assert AuditEvent.objects.get(action="note.update").changes == {
        "details": ["About the invoice", "About the renewal"]
    }


def test_an_edit_of_a_field_someone_else_changed_since_its_version_is_refused_by_name(
    api_as, support, billing, grace, make_note
):
    note = make_note(client=grace, summary="Called", details="About the invoice")
    mine, theirs = api_as(support), api_as(billing)
    version = mine.get(url(note))["ETag"]
    assert theirs.patch(url(note), {"summary": "Called back"}).status_code == 200
    kept = mine.patch(url(note), {"details": "About the renewal"}, HTTP_IF_MATCH=version)
    assert kept.status_code == 200
    assert (kept.json()["summary"], kept.json()["details"]) == ("Called back", "About the renewal")
    events = AuditEvent.objects.count()
    refused = mine.patch(url(note), {"summary": "Emailed"}, HTTP_IF_MATCH=version)
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:clientdesk:problem:edit-conflict"
    assert refused.json()["current"] == {"summary": "Called back"}
    assert AuditEvent.objects.count() == events
    assert mine.patch(url(note), {"summary": "Emailed"}, HTTP_IF_MATCH='"nonsense"').status_code == 412


def test_unsticking_alone_is_the_profiles_unstick(api_as, support, grace, make_note):
    note = make_note(client=grace, sticky=True)
    response = api_as(support).patch(url(note), {"sticky": False})
    assert response.status_code == 200
    assert response.json()["sticky"] is False
    assert AuditEvent.objects.filter(action="note.unstick").count() == 1


def test_delete_removes_the_note_and_the_audit_log_keeps_what_it_said(api_as, billing, grace, make_note):
    note = make_note(client=grace, summary="Gone soon")
    response = api_as(billing).delete(url(note))
    assert response.status_code == 204
    assert not Note.objects.exists()
    assert AuditEvent.objects.get(action="note.delete").changes == {"summary": ["Gone soon", None]}


def test_a_note_of_another_client_is_not_found_under_this_one(api_as, admin, grace, make_client, make_note):
    other = make_note(client=make_client())
    api = api_as(admin)
    elsewhere = f"{notes_url(grace)}{other.pk}/"
    before = writes()
    assert api.get(elsewhere).status_code == 404
    assert api.patch(elsewhere, {"summary": "Mine now"}).status_code == 404
    assert api.delete(elsewhere).status_code == 404
    assert writes() == before
