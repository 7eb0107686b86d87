from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clientdesk.clients.models import Client
from clientdesk.clients.queries import client_search, client_search_count, client_search_page, search_text_filter
from clientdesk.clients.search import parse_query
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


def test_matching_clients_finds_each_client_once_however_many_notes_match(grace, alan, make_note, make_client):
    for i in range(6):
        make_note(client=grace, summary=f"Renewal call {i}")
    make_note(client=alan, summary="Renewal", details="by post")
    make_note(client=make_client(), summary="Nothing to see")
    assert sorted(queries.matching_clients(parse_query("renewal"), 10)) == sorted([grace.pk, alan.pk])
    assert queries.matching_clients(parse_query("renewal"), 10, [grace.pk]) == [alan.pk]
    assert len(queries.matching_clients(parse_query("renewal"), 1)) == 1
    assert queries.matching_clients(parse_query("renewal post"), 10) == [alan.pk]  # every term, in one note
    assert queries.matching_clients(parse_query("grace"), 10) == []  # contacts are the client's own text


def test_a_short_word_or_cjk_in_a_note_is_found_through_its_search_words(grace, alan, make_note):
    make_note(client=grace, summary="Spoke to Mr Wu")
    make_note(client=alan, summary="請求書の件", details="山田さんより")
    assert client_search("wu") == [grace]
    assert client_search("請求") == [alan]
    assert client_search("山田") == [alan]


def test_the_search_counts_clients_found_by_their_notes(grace, alan, make_note, make_client):
    make_client(first_name="Hawthorn", last_name="Berry")
    make_note(client=grace, summary="Hawthorn hedge quote")
    make_note(client=grace, summary="Second hawthorn quote")
    assert client_search_count("hawthorn") == 2
    assert client_search_page("hawthorn").total == 2


def test_writing_a_note_leaves_the_clients_own_search_text_alone(grace, make_note, admin):
    before = Client.objects.get(pk=grace.pk).search_text
    note = make_note(client=grace, summary="Quixotic", details="Marmalade")
    note_update(actor=admin, note=note, summary="Pelican", details="Marmalade", sticky=False)
    assert Client.objects.get(pk=grace.pk).search_text == before
    assert Note.objects.get(pk=note.pk).search_text.startswith("pelican | marmalade")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no trigram index: it scans")
@pytest.mark.parametrize(("query", "index"), [("marmalade", "note_search_text_trgm"), ("wu", "note_search_words")])
def test_note_matches_are_read_through_the_notes_indexes_on_postgresql(grace, make_note, query, index):
    make_note(client=grace, summary="Mr Wu likes marmalade")
    qs = Note.objects.filter(search_text_filter(parse_query(query))).order_by().values("client_id")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a 1-row table would be scanned otherwise
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan


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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the quick plan is PostgreSQL's")
def test_words_found_together_or_apart_give_the_same_clients_by_either_plan(grace, alan, make_note, monkeypatch):
    make_note(client=grace, summary="Upgrade to the business plan")
    make_note(client=alan, summary="Business as usual", details="Renewal plan sent")  # apart: both words
    make_note(client=alan, summary="Certificate renewed")
    for text, expected in [
        ("business plan", {grace.pk, alan.pk}),
        ("renewal certificate", set()),
        ("upgrade plan", {grace.pk}),
    ]:
        quick = set(queries.matching_clients(parse_query(text), 10))
        monkeypatch.setattr(queries, "_quick_rows", lambda *args: None)  # the index's plan alone
        plain = set(queries.matching_clients(parse_query(text), 10))
        monkeypatch.undo()
        assert quick == plain == expected, text
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout')")
        assert cursor.fetchone()[0] == "0"  # the quick plan's limit is lifted again
