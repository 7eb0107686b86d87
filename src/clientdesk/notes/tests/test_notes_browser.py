"""Notes in real Chromium: Add note from Account Actions, sticky notes at the top, unstick in place, search."""

import re

import pytest
from playwright.sync_api import expect

from clientdesk.notes.models import Note

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_a_sticky_note_unstick_it_in_place_and_find_the_client_by_it(page, sign_in, support, make_client):
    client = make_client(first_name="Ada", last_name="Lovelace")
    sign_in(support)
    page.goto(client.get_absolute_url())

    page.locator("#account-actions").get_by_role("link", name="Add note").click()
    expect(page.get_by_role("heading", name="Add note")).to_be_visible()
    page.get_by_label("Summary").fill("Analytical engine upgrade")
    page.get_by_label("Details").fill("Talked about the Bellerophon contract.\nCall back on Monday.")
    page.get_by_label(re.compile("^Sticky")).check()
    page.get_by_role("button", name="Add note").click()

    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))
    expect(page.get_by_role("alert")).to_contain_text("The note has been added.")
    top = page.get_by_role("region", name="Sticky notes")
    expect(top.locator(".sticky-note")).to_have_count(1)
    expect(top).to_contain_text("Analytical engine upgrade")
    expect(top.locator(".note-details")).to_contain_text("Talked about the Bellerophon contract.")
    expect(top.locator(".note-details br")).to_have_count(1)  # the line break kept, as a line break
    notes = page.get_by_role("region", name="Notes", exact=True)
    expect(notes).to_contain_text("Analytical engine upgrade")
    expect(notes.locator(".badge", has_text="Sticky")).to_have_count(1)

    # Unstick in place: the page is not reloaded (the marker survives), the note leaves the top.
    page.evaluate("window.__sameDocument = true")
    top.get_by_role("button", name=re.compile("^Unstick")).click()
    expect(top.locator(".sticky-note")).to_have_count(0)
    expect(top).to_contain_text("No sticky notes.")
    expect(top.locator(".sticky-note", has_text="Analytical engine upgrade")).to_have_count(0)
    expect(top.get_by_role("status")).to_have_text("“Analytical engine upgrade” is no longer sticky.")
    assert page.evaluate("window.__sameDocument") is True
    note = Note.objects.get()
    assert note.sticky is False
    # The Notes widget and the recent activity follow without a reload.
    expect(notes.locator(".badge", has_text="Sticky")).to_have_count(0)
    expect(notes).to_contain_text("Analytical engine upgrade")
    expect(page.locator("#widget-activity tbody tr").first).to_contain_text("Unstuck note")

    # Found by the words of its details through the search box, from another page.
    page.goto("/clients/")
    page.get_by_placeholder(re.compile("Find a client")).fill("bellerophon")
    hit = page.locator("#search-suggest a", has_text="Ada Lovelace")
    expect(hit).to_be_visible()
    hit.click()
    expect(page).to_have_url(re.compile(rf"/clients/{client.pk}/$"))


def test_show_more_opens_from_the_keyboard_and_stays_open_after_an_unstick(page, sign_in, billing, make_note):
    first = make_note(summary="Sticky one", sticky=True)
    for n in ("two", "three", "four", "five"):
        make_note(client=first.client, summary=f"Sticky {n}", sticky=True)
    sign_in(billing)
    page.goto(first.client.get_absolute_url())
    top = page.get_by_role("region", name="Sticky notes")
    expect(top.locator(".sticky-note:visible")).to_have_count(2)
    expect(top.get_by_role("heading", name="Sticky five")).to_be_visible()  # newest first
    expect(top.get_by_role("heading", name="Sticky one")).to_be_hidden()

    more = top.locator("summary")
    expect(more).to_have_text("Show 3 more sticky notes")
    more.focus()
    page.keyboard.press("Enter")
    expect(top.get_by_role("heading", name="Sticky one")).to_be_visible()
    expect(top.locator(".sticky-note:visible")).to_have_count(5)

    top.get_by_role("button", name="Unstick note “Sticky one”").click()
    expect(top.get_by_role("heading", name="Sticky one")).to_have_count(0)
    expect(top.locator("details")).to_have_attribute("open", "")
    expect(top.locator(".sticky-note:visible")).to_have_count(4)
    first.refresh_from_db()
    assert first.sticky is False


def test_edit_and_delete_a_note_from_the_notes_page(page, sign_in, billing, make_note):
    note = make_note(summary="Typo in the summray", details="Some details")
    sign_in(billing)
    page.goto(f"/clients/{note.client_id}/notes/")
    expect(page.get_by_role("heading", name=re.compile("^Notes of"))).to_be_visible()
    page.get_by_role("link", name="Edit note “Typo in the summray”").click()
    page.get_by_label("Summary").fill("Typo in the summary")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("alert")).to_contain_text("The note has been updated.")
    expect(page.get_by_role("heading", name="Typo in the summary")).to_be_visible()

    page.get_by_role("link", name="Delete note “Typo in the summary”").click()
    expect(page.get_by_role("heading", name="Delete the note “Typo in the summary”?")).to_be_visible()
    page.get_by_role("button", name="Delete note").click()
    expect(page.get_by_role("alert")).to_contain_text("The note has been deleted.")
    expect(page.get_by_text("No notes yet.")).to_be_visible()
    assert not Note.objects.exists()
