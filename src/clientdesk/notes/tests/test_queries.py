from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clientdesk.clients.queries import client_search
from clientdesk.notes import queries
from clientdesk.notes.actions import note_delete, note_set_sticky, note_update
from clientdesk.notes.models import Note

pytestmark = pytest.mark.django_db


@pytest.fixture
def grace(make_client):
    return make_client(first_name="Grace", last_name="Hopper")


@pytest.fixture
def alan(make_client):
    return make_client(first_name="Alan", last_name="Turing")


# --- The client search reads the notes -----------------------------------------------------


def test_the_client_search_finds_a_client_by_a_word_of_a_notes_summary(grace, alan, make_note):
    make_note(client=grace, summary="Wants a Quixotic upgrade")
    assert client_search("quixotic") == [grace]


def test_the_client_search_finds_a_client_by_a_word_of_a_notes_details(grace, alan, make_note):
    make_note(client=alan, summary="Call", details="First line\nmentions the Zanzibar office")
    assert client_search("zanzibar office") == [alan]


def test_the_client_search_stops_finding_a_client_by_a_deleted_note(grace, make_note, admin):
    note = make_note(client=grace, summary="Quixotic", details="Marmalade")
    note_delete(actor=admin, note=note)
    assert client_search("quixotic") == []
    assert client_search("marmalade") == []
    assert client_search("grace") == [grace]  # the rest of its search text is kept


def test_the_client_search_follows_an_edited_note(grace, make_note, admin):
    note = make_note(client=grace, summary="Quixotic", details="Marmalade")
    note_update(actor=admin, note=note, summary="Pelican", details="Marmalade", sticky=False)
    assert client_search("quixotic") == []
    assert client_search("pelican") == [grace]
    assert client_search("marmalade") == [grace]
    note_update(actor=admin, note=note, summary="Pelican", details="Lighthouse", sticky=False)
    assert client_search("marmalade") == []
    assert client_search("lighthouse") == [grace]


def test_the_search_page_goes_to_the_client_found_by_its_note(grace, alan, make_note, login_as, readonly):
    make_note(client=alan, summary="Escalation", details="Talked about the Kilimanjaro project")
    response = login_as(readonly).get(reverse("clients:client_search"), {"q": "kilimanjaro"})
    assert response.status_code == 302
    assert response["Location"] == alan.get_absolute_url()


def test_search_parts_reads_every_clients_notes_in_one_query(grace, alan, make_note, django_assert_num_queries):
    make_note(client=grace, summary="First", details="One\ntwo")
    make_note(client=grace, summary="Second")
    make_note(client=alan, summary="Third", details="Three")
    with django_assert_num_queries(1):
        parts = queries.search_parts([grace.pk, alan.pk, 999_999])
    assert parts == {grace.pk: ["First", "One\ntwo", "Second"], alan.pk: ["Third", "Three"], 999_999: []}


# --- Lists ----------------------------------------------------------------------------------


def test_a_clients_notes_are_newest_first_and_only_its_own(grace, alan, make_note):
    first = make_note(client=grace, summary="First")
    second = make_note(client=grace, summary="Second")
    make_note(client=alan, summary="Not hers")
    Note.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(days=1))
    third = make_note(client=grace, summary="Third")
    assert list(queries.client_notes(grace)) == [third, first, second]


def test_sticky_notes_are_the_newest_updated_ten(grace, make_note, admin):
    notes = [make_note(client=grace, summary=f"Sticky {i}", sticky=True) for i in range(12)]
    make_note(client=grace, summary="Not sticky")
    now = timezone.now()
    for age, note in enumerate(notes):
        Note.objects.filter(pk=note.pk).update(updated_at=now - timedelta(hours=age))
    assert [n.summary for n in queries.sticky_notes(grace)] == [f"Sticky {i}" for i in range(10)]
    # Unstuck and stuck again, the oldest comes first: it was updated last.
    note_set_sticky(actor=admin, note=notes[11], sticky=False)
    note_set_sticky(actor=admin, note=notes[11], sticky=True)
    assert queries.sticky_notes(grace)[0] == notes[11]
