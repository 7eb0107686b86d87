"""The note pages run the same exact number of queries for one note as for 50 (STYLE.md, 10).

The fixtures fill every relation the pages show: notes by several staff members (their names are
shown) and by the system, sticky and not, with details. An author read note by note (N+1) then
shows as 1 note and 50 differing; a join removed shows as a count above the stated one.

Every request starts with the same four queries: the session, the user, and the user's permissions
(those given to the user, those of the user's roles), read once by the first permission check.
"""

import pytest
from django.urls import reverse

from clientdesk.clients.models import Client

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOTE_ROW = 'class="list-group-item note-row"'
STICKY_ROW = 'class="list-group-item sticky-note"'


@pytest.fixture
def add_notes(make_note, admin, billing, support):
    """Factory: `n` notes on the client, by three staff members in turn and (every fourth) the system; half sticky."""

    def add(client: Client, n: int) -> None:
        authors = [admin, billing, support, None]
        for i in range(n):
            make_note(
                client=client,
                actor=authors[i % len(authors)],
                summary=f"Note {i}",
                details=f"Line one of {i}\nLine two",
                sticky=i % 2 == 0 or n == 1,
            )

    return add


def rows(response, marker: str) -> int:
    assert response.status_code == 200
    return response.content.decode().count(marker)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize(("notes", "shown"), [(1, 1), (50, 5)])
def test_notes_widget_runs_7_queries_for_one_note_or_fifty(
    login_as, admin, make_client, add_notes, django_assert_num_queries, notes, shown, headers
):
    client = make_client()
    add_notes(client, notes)
    web = login_as(admin)
    # 4 (session, user, permissions) + the client, COUNT of its notes, the page of notes with their authors.
    with django_assert_num_queries(7):
        response = web.get(reverse("notes:client_notes", args=[client.pk]), headers=headers)
    assert rows(response, NOTE_ROW) == shown


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize(("notes", "shown"), [(1, 1), (50, 10)])
def test_sticky_widget_runs_6_queries_for_one_sticky_note_or_twenty_five(
    login_as, admin, make_client, add_notes, django_assert_num_queries, notes, shown, headers
):
    client = make_client()
    add_notes(client, notes)  # 50 notes: 25 sticky, of which the newest 10 show
    web = login_as(admin)
    # 4 (session, user, permissions) + the client, its newest sticky notes with their authors (no COUNT).
    with django_assert_num_queries(6):
        response = web.get(reverse("notes:client_sticky_notes", args=[client.pk]), headers=headers)
    assert rows(response, STICKY_ROW) == shown


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize(("notes", "shown"), [(1, 1), (50, 20)])
def test_notes_page_runs_7_queries_for_one_note_or_fifty(
    login_as, admin, make_client, add_notes, django_assert_num_queries, notes, shown, headers
):
    client = make_client()
    add_notes(client, notes)
    web = login_as(admin)
    # 4 (session, user, permissions) + the client, COUNT of its notes, the page of notes with their authors.
    with django_assert_num_queries(7):
        response = web.get(reverse("notes:note_list", args=[client.pk]), headers=headers)
    assert rows(response, NOTE_ROW) == shown


@pytest.mark.parametrize("notes", [0, 50])
def test_the_profile_runs_its_7_queries_whatever_notes_the_client_has(
    login_as, admin, make_client, add_notes, django_assert_num_queries, notes
):
    client = make_client(phones=("(202) 555-0143",))
    add_notes(client, notes)
    web = login_as(admin)
    # As without notes (clients/tests/test_query_counts.py): the note widgets load from their own URLs.
    with django_assert_num_queries(7):
        response = web.get(client.get_absolute_url())
    html = response.content.decode()
    assert reverse("notes:client_sticky_notes", args=[client.pk]) in html
    assert reverse("notes:client_notes", args=[client.pk]) in html
    assert "Note 0" not in html


def test_the_edit_form_runs_5_queries(login_as, admin, make_client, add_notes, django_assert_num_queries):
    client = make_client()
    add_notes(client, 3)
    note = client.notes.first()
    web = login_as(admin)
    # 4 (session, user, permissions) + the note with its client and author.
    with django_assert_num_queries(5):
        response = web.get(reverse("notes:note_edit", args=[client.pk, note.pk]))
    assert response.status_code == 200
