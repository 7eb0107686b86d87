"""Notes are plain text: markup and template syntax in them show literally, wherever a note is shown."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from clientdesk.core.sanitize import CONTROL_CHARACTERS
from clientdesk.notes.actions import note_delete, note_update
from clientdesk.notes.models import Note

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{ 7*7 }}", '{% now "Y" %} O\'Brien "Q"']


@pytest.fixture
def hostile_note(make_client, make_note, billing):
    client = make_client(first_name="Grace", last_name="Hopper")
    return make_note(client=client, actor=billing, summary=" ".join(HOSTILE), details="\n".join(HOSTILE), sticky=True)


def assert_literal(html: str) -> None:
    for text in HOSTILE:
        assert text not in html or text == "{{ 7*7 }}"  # only the braces survive escaping unchanged
        assert escape(text) in html
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert ">49<" not in html


@pytest.mark.parametrize("name", ["note_list", "client_notes", "client_sticky_notes"])
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
def test_hostile_text_shows_literally_in_the_widgets_and_the_notes_page(login_as, admin, hostile_note, name, headers):
    response = login_as(admin).get(reverse(f"notes:{name}", args=[hostile_note.client_id]), headers=headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert_literal(html)
    # The details keep their line breaks, each line escaped.
    assert "<br>".join(escape(text) for text in HOSTILE) in html


def test_hostile_text_shows_literally_on_the_edit_and_delete_pages(login_as, admin, hostile_note):
    web = login_as(admin)
    for name in ("note_edit", "note_delete"):
        html = web.get(reverse(f"notes:{name}", args=[hostile_note.client_id, hostile_note.pk])).content.decode()
        assert_literal(html)


def test_hostile_text_shows_literally_in_the_history(login_as, admin, hostile_note):
    note_update(actor=admin, note=hostile_note, summary="Calm", details="", sticky=False)
    note_delete(actor=admin, note=Note.objects.get(pk=hostile_note.pk))
    web = login_as(admin)
    for name in ("client_history", "client_activity"):
        html = web.get(reverse(f"clients:{name}", args=[hostile_note.client_id])).content.decode()
        assert_literal(html)
        assert "Added note" in html


def test_hostile_text_is_stored_as_typed_through_the_form(login_as, support, make_client):
    client = make_client()
    summary, details = HOSTILE[0] + HOSTILE[2], "\n".join(HOSTILE)
    data = {"summary": summary, "details": details}
    response = login_as(support).post(reverse("notes:note_add", args=[client.pk]), data)
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.summary, note.details) == (summary, details)


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x1b", "\x7f", "\x85"])
def test_control_characters_never_reach_a_note(login_as, support, make_client, char):
    client = make_client()
    response = login_as(support).post(
        reverse("notes:note_add", args=[client.pk]), {"summary": f"Call{char} back", "details": f"a{char}\nb"}
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.summary, note.details) == ("Call back", "a\nb")
    assert not CONTROL_CHARACTERS.search(note.summary + note.details)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999", "1e3", "\x00"])
def test_a_bad_page_number_shows_a_page_of_notes(login_as, readonly, hostile_note, page):
    for name in ("note_list", "client_notes"):
        response = login_as(readonly).get(reverse(f"notes:{name}", args=[hostile_note.client_id]), {"page": page})
        assert response.status_code == 200
        assert escape(HOSTILE[0]) in response.content.decode()
