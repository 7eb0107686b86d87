import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from clientdesk.audit.models import AuditEvent
from clientdesk.notes.models import Note

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def note_events():
    return AuditEvent.objects.filter(action__startswith="note.")


def url(name, note, **kwargs):
    return reverse(f"notes:{name}", args=[note.client_id, note.pk]) + (f"?next={kwargs['next']}" if kwargs else "")


@pytest.fixture
def grace(make_client):
    return make_client(first_name="Grace", last_name="Hopper")


@pytest.fixture
def note(grace, make_note, billing):
    return make_note(client=grace, actor=billing, summary="Prefers email", details="No calls\nbefore noon", sticky=True)


def loaded_form(web, note, **overrides):
    """The edit form as the page serves it, with `overrides` typed in."""
    html = web.get(url("note_edit", note)).content.decode()
    loaded = re.search(r'name="loaded" value="([^"]+)"', html)
    assert loaded
    data = {"summary": note.summary, "details": note.details, "loaded": loaded.group(1)}
    if note.sticky:
        data["sticky"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- Permissions: anonymous → sign-in, no role → 403 ------------------------------------------

PAGES = [
    ("note_list", False, "get"),
    ("client_notes", False, "get"),
    ("client_sticky_notes", False, "get"),
    ("note_add", False, "get"),
    ("note_add", False, "post"),
    ("note_edit", True, "get"),
    ("note_edit", True, "post"),
    ("note_delete", True, "get"),
    ("note_delete", True, "post"),
    ("note_unstick", True, "post"),
]


def page_url(name, of_note, note):
    return url(name, note) if of_note else reverse(f"notes:{name}", args=[note.client_id])


@pytest.mark.parametrize(("name", "of_note", "method"), PAGES)
def test_anonymous_is_sent_to_sign_in(client, note, name, of_note, method):
    response = getattr(client, method)(page_url(name, of_note, note), {"summary": "x"} if method == "post" else {})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert Note.objects.get().summary == "Prefers email"


@pytest.mark.parametrize(("name", "of_note", "method"), PAGES)
def test_staff_without_a_role_gets_403_everywhere(login_as, outsider, note, name, of_note, method):
    before = note_events().count()
    response = getattr(login_as(outsider), method)(
        page_url(name, of_note, note), {"summary": "x"} if method == "post" else {}
    )
    assert response.status_code == 403
    assert note_events().count() == before


def test_a_member_who_may_see_clients_but_not_notes_sees_no_notes(login_as, make_staff, note):
    viewer = make_staff("viewer@staff.test")
    viewer.user_permissions.add(Permission.objects.get(codename="view_client"))
    web = login_as(viewer)
    assert web.get(reverse("notes:note_list", args=[note.client_id])).status_code == 403
    assert web.get(reverse("notes:client_sticky_notes", args=[note.client_id])).status_code == 403
    profile = web.get(note.client.get_absolute_url()).content.decode()
    assert "/notes/" not in profile
    assert "Sticky notes" not in profile


def test_a_note_of_another_client_is_404(login_as, admin, note, make_client):
    other = make_client()
    web = login_as(admin)
    assert web.get(reverse("notes:note_edit", args=[other.pk, note.pk])).status_code == 404
    assert web.post(reverse("notes:note_delete", args=[other.pk, note.pk])).status_code == 404
    assert web.get(reverse("notes:note_list", args=[999_999])).status_code == 404
    assert Note.objects.filter(pk=note.pk).exists()


def test_unstick_and_delete_take_no_get(login_as, admin, note):
    assert login_as(admin).get(url("note_unstick", note)).status_code == 405


# --- Read-only ------------------------------------------------------------------------------


def test_read_only_sees_the_notes_but_cannot_add_edit_delete_or_unstick(login_as, readonly, note):
    web = login_as(readonly)
    pk = note.client_id
    for name in ("note_list", "client_notes", "client_sticky_notes"):
        response = web.get(reverse(f"notes:{name}", args=[pk]), headers=HTMX)
        assert response.status_code == 200
        assert "Prefers email" in response.content.decode()
    before = note_events().count()
    assert web.get(reverse("notes:note_add", args=[pk])).status_code == 403
    assert web.post(reverse("notes:note_add", args=[pk]), {"summary": "Sneaky"}).status_code == 403
    assert web.get(url("note_edit", note)).status_code == 403
    assert web.post(url("note_edit", note), {"summary": "Changed"}).status_code == 403
    assert web.post(url("note_delete", note)).status_code == 403
    assert web.post(url("note_unstick", note), headers=HTMX).status_code == 403
    note.refresh_from_db()
    assert (note.summary, note.sticky, Note.objects.count()) == ("Prefers email", True, 1)
    assert note_events().count() == before


def test_read_only_gets_no_add_edit_delete_or_unstick_controls(login_as, readonly, note):
    web = login_as(readonly)
    pk = note.client_id
    profile = web.get(note.client.get_absolute_url()).content.decode()
    assert reverse("notes:note_add", args=[pk]) not in profile
    assert reverse("notes:client_sticky_notes", args=[pk]) in profile
    assert reverse("notes:client_notes", args=[pk]) in profile
    for name in ("note_list", "client_notes", "client_sticky_notes"):
        html = web.get(reverse(f"notes:{name}", args=[pk]), headers=HTMX).content.decode()
        assert "/edit/" not in html
        assert "/delete/" not in html
        assert "/unstick/" not in html
        assert "Add note" not in html


# --- Add note -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["support", "billing", "admin"])
def test_add_note_from_the_profile_lands_back_on_it_with_the_note(login_as, request, grace, who):
    member = request.getfixturevalue(who)
    web = login_as(member)
    profile = web.get(grace.get_absolute_url()).content.decode()
    add = reverse("notes:note_add", args=[grace.pk])
    assert f'href="{add}">Add note</a>' in profile
    assert web.get(add).status_code == 200
    response = web.post(add, {"summary": "Renewal", "details": "Line one\r\nLine two", "sticky": "on"}, follow=True)
    assert response.redirect_chain == [(grace.get_absolute_url(), 302)]
    assert "The note has been added." in response.content.decode()
    note = Note.objects.get()
    assert (note.client, note.author, note.summary, note.details, note.sticky) == (
        grace,
        member,
        "Renewal",
        "Line one\nLine two",
        True,
    )
    assert note_events().get().action == "note.create"


def test_an_unticked_sticky_box_adds_a_plain_note(login_as, support, grace):
    login_as(support).post(reverse("notes:note_add", args=[grace.pk]), {"summary": "Plain"})
    assert Note.objects.get().sticky is False


@pytest.mark.parametrize(
    ("summary", "message"),
    [("", "Enter a summary."), ("   ", "Enter a summary."), ("x" * 1000, "at most 255 characters")],
)
def test_add_note_with_a_bad_summary_says_why_and_writes_nothing(login_as, support, grace, summary, message):
    response = login_as(support).post(
        reverse("notes:note_add", args=[grace.pk]), {"summary": summary, "details": "Kept in the form"}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert "Kept in the form" in html
    assert not Note.objects.exists()
    assert not note_events().exists()


# --- Edit note ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["support", "billing", "admin"])
def test_edit_note_saves_the_change_and_goes_back_to_the_notes(login_as, request, note, who):
    web = login_as(request.getfixturevalue(who))
    response = web.post(url("note_edit", note), loaded_form(web, note, summary="Prefers phone", sticky=None))
    assert response.status_code == 302
    assert response["Location"] == reverse("notes:note_list", args=[note.client_id])
    note.refresh_from_db()
    assert (note.summary, note.details, note.sticky) == ("Prefers phone", "No calls\nbefore noon", False)
    event = note_events().get(action="note.update")
    assert event.changes == {"summary": ["Prefers email", "Prefers phone"], "sticky": [True, False]}


def test_edit_note_opened_from_the_profile_goes_back_to_it(login_as, support, note):
    web = login_as(support)
    profile = note.client.get_absolute_url()
    response = web.post(url("note_edit", note, next=profile), loaded_form(web, note, summary="Changed"))
    assert response["Location"] == profile


def test_edit_note_never_goes_back_to_another_site(login_as, support, note):
    web = login_as(support)
    response = web.post(url("note_edit", note, next="https://evil.example/"), loaded_form(web, note, summary="Changed"))
    assert response["Location"] == reverse("notes:note_list", args=[note.client_id])


def test_an_edit_that_changes_nothing_says_so_and_records_nothing(login_as, support, note):
    web = login_as(support)
    before = note_events().count()
    response = web.post(url("note_edit", note), loaded_form(web, note), follow=True)
    assert "No changes to save." in response.content.decode()
    assert note_events().count() == before


def test_edit_note_with_a_blank_summary_says_why_and_writes_nothing(login_as, support, note):
    web = login_as(support)
    response = web.post(url("note_edit", note), loaded_form(web, note, summary="  ", details="Changed"))
    assert response.status_code == 422
    assert "Enter a summary." in response.content.decode()
    note.refresh_from_db()
    assert (note.summary, note.details) == ("Prefers email", "No calls\nbefore noon")


def test_edit_note_refuses_a_change_to_a_field_someone_else_changed_meanwhile(login_as, support, billing, note):
    from clientdesk.notes.actions import note_update

    web = login_as(support)
    data = loaded_form(web, note, summary="Mine")
    note_update(actor=billing, note=note, summary="Theirs", details=note.details, sticky=True)
    response = web.post(url("note_edit", note), data)
    assert response.status_code == 409
    assert "changed to “Theirs” by someone else" in response.content.decode()
    note.refresh_from_db()
    assert note.summary == "Theirs"
    # Saving the form again, as shown, overwrites theirs knowingly.
    loaded = re.search(r'name="loaded" value="([^"]+)"', response.content.decode())
    assert loaded
    assert web.post(url("note_edit", note), {**data, "loaded": loaded.group(1)}).status_code == 302
    note.refresh_from_db()
    assert note.summary == "Mine"


def test_edit_note_with_a_tampered_form_writes_nothing(login_as, support, note):
    response = login_as(support).post(url("note_edit", note), {"summary": "Changed", "loaded": "forged"})
    assert response.status_code == 422
    assert "could not be read back" in response.content.decode()
    note.refresh_from_db()
    assert note.summary == "Prefers email"


# --- Delete note ----------------------------------------------------------------------------


def test_support_cannot_delete_a_note(login_as, support, note):
    web = login_as(support)
    assert web.get(url("note_delete", note)).status_code == 403
    assert web.post(url("note_delete", note)).status_code == 403
    assert Note.objects.filter(pk=note.pk).exists()
    html = web.get(reverse("notes:note_list", args=[note.client_id])).content.decode()
    assert "/delete/" not in html
    assert "/edit/" in html


@pytest.mark.parametrize("who", ["billing", "admin"])
def test_delete_asks_first_naming_the_note_then_deletes_it(login_as, request, note, who):
    web = login_as(request.getfixturevalue(who))
    question = web.get(url("note_delete", note))
    assert question.status_code == 200
    assert "Delete the note “Prefers email”?" in question.content.decode()
    assert Note.objects.filter(pk=note.pk).exists()
    response = web.post(url("note_delete", note), follow=True)
    assert response.redirect_chain == [(reverse("notes:note_list", args=[note.client_id]), 302)]
    assert "The note has been deleted." in response.content.decode()
    assert not Note.objects.filter(pk=note.pk).exists()
    assert note_events().filter(action="note.delete").count() == 1


# --- Unstick --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["support", "billing", "admin"])
def test_unstick_through_htmx_answers_the_sticky_widget_without_the_note(login_as, request, note, make_note, who):
    other = make_note(client=note.client, summary="Still sticky", sticky=True)
    web = login_as(request.getfixturevalue(who))
    response = web.post(url("note_unstick", note), headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="widget-sticky-notes">')
    assert "Still sticky" in html
    assert reverse("notes:note_unstick", args=[other.client_id, other.pk]) in html
    assert reverse("notes:note_unstick", args=[note.client_id, note.pk]) not in html
    assert "“Prefers email” is no longer sticky." in html
    assert response["HX-Trigger"] == "notesChanged, clientChanged"
    note.refresh_from_db()
    assert note.sticky is False
    assert note_events().filter(action="note.unstick").count() == 1


def test_unstick_without_htmx_goes_back_to_the_profile(login_as, support, note):
    response = login_as(support).post(url("note_unstick", note), {"next": note.client.get_absolute_url()}, follow=True)
    assert response.redirect_chain == [(note.client.get_absolute_url(), 302)]
    assert "The note is no longer sticky." in response.content.decode()
    note.refresh_from_db()
    assert note.sticky is False


def test_unstick_from_behind_show_more_keeps_it_open(login_as, support, note, make_note):
    for i in range(4):
        make_note(client=note.client, summary=f"More {i}", sticky=True)
    web = login_as(support)
    html = web.post(url("note_unstick", note), headers=HTMX).content.decode()  # four left: two behind Show more
    assert '<details class="border-top">' in html
    hidden = Note.objects.filter(sticky=True).order_by("updated_at", "id").first()
    html = web.post(url("note_unstick", hidden), {"open": "1"}, headers=HTMX).content.decode()
    assert '<details class="border-top" open>' in html
    assert "Show 1 more sticky note<" in html


# --- The widgets and the Notes page ---------------------------------------------------------


def test_sticky_widget_shows_two_and_up_to_eight_more_behind_show_more(login_as, readonly, grace, make_note):
    now = timezone.now()
    for i in range(12):
        note = make_note(client=grace, summary=f"Sticky {i:02}", sticky=True)
        Note.objects.filter(pk=note.pk).update(updated_at=now - timedelta(minutes=i))
    make_note(client=grace, summary="Not sticky at all")
    html = login_as(readonly).get(reverse("notes:client_sticky_notes", args=[grace.pk]), headers=HTMX).content.decode()
    shown, _, more = html.partition("<details")
    assert re.findall(r"Sticky \d\d", shown) == ["Sticky 00", "Sticky 01"]
    assert re.findall(r"Sticky \d\d", more) == [f"Sticky {i:02}" for i in range(2, 10)]
    assert "Show 8 more" in more
    assert "Not sticky at all" not in html


def test_sticky_widget_without_sticky_notes_says_so_briefly(login_as, readonly, grace, make_note):
    make_note(client=grace, summary="Not sticky")
    html = login_as(readonly).get(reverse("notes:client_sticky_notes", args=[grace.pk]), headers=HTMX).content.decode()
    assert "No sticky notes." in html
    assert "Not sticky" not in html.replace("No sticky notes.", "")


def test_notes_page_is_newest_first_20_a_page_with_the_page_in_the_url(login_as, readonly, grace, make_note):
    now = timezone.now()
    for i in range(21):
        note = make_note(client=grace, summary=f"Note {i:02}")
        Note.objects.filter(pk=note.pk).update(created_at=now - timedelta(minutes=i))
    web = login_as(readonly)
    page_url = reverse("notes:note_list", args=[grace.pk])
    first = web.get(page_url).content.decode()
    assert re.findall(r"Note \d\d", first) == [f"Note {i:02}" for i in range(20)]
    assert 'href="?page=2"' in first
    assert 'hx-push-url="true"' in first
    second = web.get(page_url, {"page": 2}).content.decode()
    assert re.findall(r"Note \d\d", second) == ["Note 20"]
    partial = web.get(page_url, {"page": 2}, headers=HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="note-list">')


def test_notes_show_their_author_or_system_and_their_line_breaks(login_as, readonly, grace, make_note, support):
    make_note(client=grace, actor=support, summary="By staff", details="one\ntwo")
    make_note(client=grace, actor=None, summary="Auto debit disabled for payment account.")
    html = login_as(readonly).get(reverse("notes:note_list", args=[grace.pk])).content.decode()
    assert f'<span class="note-author">{support}</span>' in html
    assert '<span class="note-author">System</span>' in html
    assert "one<br>two" in html


def test_notes_widget_pages_five_at_a_time_and_links_to_the_notes_page(login_as, readonly, grace, make_note):
    for i in range(6):
        make_note(client=grace, summary=f"Note {i}")
    web = login_as(readonly)
    widget = web.get(reverse("notes:client_notes", args=[grace.pk]), headers=HTMX).content.decode()
    assert widget.count('class="list-group-item note-row"') == 5
    assert 'hx-target="#widget-notes"' in widget
    profile = web.get(grace.get_absolute_url()).content.decode()
    assert f'href="{reverse("notes:note_list", args=[grace.pk])}">All notes</a>' in profile
    own_page = web.get(reverse("notes:client_notes", args=[grace.pk])).content.decode()
    assert "<h1" in own_page
    assert own_page.count('class="list-group-item note-row"') == 5


def test_the_sticky_widget_sits_above_the_main_column_of_the_profile(login_as, readonly, grace):
    html = login_as(readonly).get(grace.get_absolute_url()).content.decode()
    sticky = html.index(reverse("notes:client_sticky_notes", args=[grace.pk]))
    notes = html.index(reverse("notes:client_notes", args=[grace.pk]))
    activity = html.index(reverse("clients:client_activity", args=[grace.pk]))
    assert sticky < notes < activity
