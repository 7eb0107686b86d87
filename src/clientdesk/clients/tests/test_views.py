import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from clientdesk.audit.models import AuditEvent
from clientdesk.clients.actions import CONTACT_FIELDS
from clientdesk.clients.models import Client, Contact, PhoneNumber

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def form_data(**overrides):
    data = {
        "first_name": "Grace",
        "last_name": "Hopper",
        "company": "Cobol Works",
        "title": "",
        "email": "grace@navy.example",
        "address1": "1 Harbor Way",
        "address2": "",
        "city": "Arlington",
        "country": "US",
        "state": "US-VA",
        "postal_code": "22201",
        "group": "",
        "currency": "USD",
        "language": "en",
        "tax_id": "",
        "invoice_method": "email",
        "phones-TOTAL_FORMS": "2",
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "50",
        "phones-0-type": "phone",
        "phones-0-location": "work",
        "phones-0-number": "(202) 555-0143",
        "phones-1-type": "fax",
        "phones-1-location": "home",
        "phones-1-number": "",
    }
    data.update(overrides)
    return data


# --- Permissions: anonymous → sign-in, wrong role → 403, right role → the change ------------

PAGES = [
    ("clients:client_list", False, "get"),
    ("clients:client_add", False, "get"),
    ("clients:client_detail", True, "get"),
    ("clients:client_edit", True, "get"),
    ("clients:client_history", True, "get"),
    ("clients:client_contacts", True, "get"),
    ("clients:client_activity", True, "get"),
    ("clients:client_status", True, "post"),
    ("clients:client_search", False, "get"),
]


@pytest.mark.parametrize(("name", "needs_pk", "method"), PAGES)
def test_anonymous_is_sent_to_sign_in(client, make_client, name, needs_pk, method):
    url = reverse(name, args=[make_client().pk] if needs_pk else [])
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(("name", "needs_pk", "method"), PAGES)
def test_staff_without_a_role_gets_403_everywhere(login_as, outsider, make_client, name, needs_pk, method):
    url = reverse(name, args=[make_client().pk] if needs_pk else [])
    assert getattr(login_as(outsider), method)(url).status_code == 403


def test_profile_widgets_need_their_own_permission(login_as, readonly, make_staff, make_client):
    c = make_client()
    assert login_as(readonly).get(reverse("clients:client_contacts", args=[c.pk])).status_code == 200
    assert login_as(readonly).get(reverse("clients:client_activity", args=[c.pk])).status_code == 200
    # A member who may see clients but not the audit log gets the contacts but not the activity.
    viewer = make_staff("viewer@staff.test")
    viewer.user_permissions.add(Permission.objects.get(codename="view_client"))
    web = login_as(viewer)
    assert web.get(reverse("clients:client_contacts", args=[c.pk])).status_code == 200
    assert web.get(reverse("clients:client_activity", args=[c.pk])).status_code == 403
    profile = web.get(c.get_absolute_url()).content.decode()
    assert reverse("clients:client_contacts", args=[c.pk]) in profile
    assert reverse("clients:client_activity", args=[c.pk]) not in profile
    assert "History" not in profile


def test_read_only_sees_but_cannot_add_edit_or_change_status(login_as, readonly, make_client):
    c = make_client()
    web = login_as(readonly)
    assert web.get(reverse("clients:client_list")).status_code == 200
    assert web.get(c.get_absolute_url()).status_code == 200
    assert web.get(reverse("clients:client_history", args=[c.pk])).status_code == 200
    assert web.get(reverse("clients:client_add")).status_code == 403
    assert web.post(reverse("clients:client_add"), form_data()).status_code == 403
    assert web.post(reverse("clients:client_edit", args=[c.pk]), form_data()).status_code == 403
    assert web.post(reverse("clients:client_status", args=[c.pk])).status_code == 403
    c.refresh_from_db()
    assert c.status == "active"
    assert Client.objects.count() == 1


def test_support_cannot_add_clients_or_change_status(login_as, support, make_client):
    c = make_client()
    web = login_as(support)
    assert web.post(reverse("clients:client_add"), form_data()).status_code == 403
    assert web.post(reverse("clients:client_status", args=[c.pk])).status_code == 403
    assert Client.objects.count() == 1


def test_profile_hides_actions_the_member_may_not_use(login_as, readonly, billing, make_client):
    c = make_client()
    page = login_as(readonly).get(c.get_absolute_url()).content.decode()
    assert reverse("clients:client_edit", args=[c.pk]) not in page
    assert reverse("clients:client_status", args=[c.pk]) not in page
    page = login_as(billing).get(c.get_absolute_url()).content.decode()
    assert reverse("clients:client_edit", args=[c.pk]) in page
    assert reverse("clients:client_status", args=[c.pk]) in page


def test_missing_client_is_404(login_as, admin):
    assert login_as(admin).get(reverse("clients:client_detail", args=[999999])).status_code == 404


# --- Add client ---------------------------------------------------------------------------


def test_billing_adds_a_client_and_lands_on_its_profile(login_as, billing):
    response = login_as(billing).post(reverse("clients:client_add"), form_data())
    client = Client.objects.get()
    assert response.status_code == 302
    assert response["Location"] == client.get_absolute_url()
    assert client.id_code == "1500"
    assert list(PhoneNumber.objects.values_list("number", "location")) == [("+12025550143", "work")]
    event = AuditEvent.objects.get(action="client.create")
    assert event.actor_user == billing
    assert event.ip == "127.0.0.1"


def field_and_feedback(html: str, name: str) -> tuple[str, str]:
    """The tag of the input named `name`, and the HTML after it up to the next input (where its errors show)."""
    found = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert found, f"no input named {name}"
    rest = html[found.end() :]
    following = re.search(r"<(?:input|select|textarea)\b", rest)
    return found.group(0), rest[: following.start() if following else len(rest)]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"email": "nope"}, "email", "Enter a valid email address."),
        ({"country": "ZZ"}, "country", "Select a valid choice"),
        ({"state": "DE-BY"}, "state", "Select a valid choice"),
        ({"phones-0-number": "12"}, "phones-0-number", "not a valid phone number"),
        ({"currency": "XXX"}, "currency", "Select a valid choice"),
    ],
)
def test_add_client_bad_input_shows_the_field_error_and_writes_nothing(login_as, billing, overrides, field, message):
    response = login_as(billing).post(reverse("clients:client_add"), form_data(**overrides))
    assert response.status_code == 422
    tag, feedback = field_and_feedback(response.content.decode(), field)
    assert "is-invalid" in tag
    assert message in feedback
    assert not Client.objects.exists()
    assert not Contact.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="client.").exists()


def test_the_add_client_form_shows_exactly_the_contact_fields(login_as, billing):
    html = login_as(billing).get(reverse("clients:client_add")).content.decode()
    fieldset = html.split("Contact information</legend>", 1)[1].split("</fieldset>", 1)[0]
    shown = re.findall(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', fieldset)
    assert sorted(shown) == sorted(CONTACT_FIELDS)


def test_state_must_belong_to_the_country_even_when_posted_by_hand(login_as, billing):
    # US-VA is a valid choice for US; posting it with Germany must fail, not store a US state for Germany.
    response = login_as(billing).post(reverse("clients:client_add"), form_data(country="DE"))
    assert response.status_code == 422
    assert not Client.objects.exists()


def test_add_another_number_returns_the_phone_rows_with_one_more_and_keeps_typed_values(login_as, billing):
    response = login_as(billing).post(
        reverse("clients:client_add"), form_data(add_phone="1", **{"phones-1-number": "555 0100"}), headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<fieldset class="card card-body mb-4" id="phones">')
    assert 'name="phones-TOTAL_FORMS" value="3"' in html
    assert 'value="(202) 555-0143"' in html
    assert 'value="555 0100"' in html
    assert 'name="phones-2-number"' in html
    assert "<html" not in html
    assert not Client.objects.exists()


def test_add_another_number_without_htmx_rerenders_the_whole_form(login_as, billing):
    response = login_as(billing).post(reverse("clients:client_add"), form_data(add_phone="1"))
    assert response.status_code == 200
    assert b"<html" in response.content
    assert b'name="phones-2-number"' in response.content


def test_state_options_follow_the_country(login_as, billing):
    html = login_as(billing).get(reverse("clients:state_options"), {"country": "CA"}).content.decode()
    assert '<option value="CA-ON">Ontario</option>' in html
    assert "US-" not in html


# --- Edit client ---------------------------------------------------------------------------


def test_edit_form_shows_current_values(login_as, billing, make_client):
    c = make_client(first_name="Ann", phones=("2025550143",))
    html = login_as(billing).get(reverse("clients:client_edit", args=[c.pk])).content.decode()
    assert 'value="Ann"' in html
    assert 'value="+1 202-555-0143"' in html


def loaded(web, c):
    """The signed `loaded` value of client `c`'s edit form, as the browser would post it back."""
    html = web.get(reverse("clients:client_edit", args=[c.pk])).content.decode()
    return html.split('name="loaded" value="')[1].split('"')[0]


def test_edit_can_move_a_client_to_another_country_keeping_its_numbers(login_as, billing, make_client):
    c = make_client(phones=("2025550143",))
    web = login_as(billing)
    html = web.get(reverse("clients:client_edit", args=[c.pk])).content.decode()
    shown = html.split('name="phones-0-number" value="')[1].split('"')[0]
    response = web.post(
        reverse("clients:client_edit", args=[c.pk]),
        form_data(
            country="GB",
            state="",
            loaded=loaded(web, c),
            **{"phones-0-number": shown, "phones-1-number": "020 7946 0958"},
        ),
    )
    assert response.status_code == 302
    assert list(PhoneNumber.objects.order_by("position").values_list("number", flat=True)) == [
        "+12025550143",
        "+442079460958",
    ]


def test_edit_changes_the_client_and_audits(login_as, support, make_client):
    c = make_client(first_name="Ann", phones=("2025550143",))
    web = login_as(support)
    response = web.post(
        reverse("clients:client_edit", args=[c.pk]),
        form_data(first_name="Annie", loaded=loaded(web, c), **{"phones-0-number": ""}),
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.name == "Annie Hopper"
    assert not PhoneNumber.objects.exists()
    assert AuditEvent.objects.get(action="client.update").changes["first_name"] == ["Ann", "Annie"]


def test_an_edit_without_what_it_was_loaded_with_is_refused(login_as, billing, make_client):
    c = make_client(first_name="Ann")
    response = login_as(billing).post(reverse("clients:client_edit", args=[c.pk]), form_data(first_name="Annie"))
    assert response.status_code == 422
    assert "This form could not be read back" in response.content.decode()
    c.refresh_from_db()
    assert c.name.startswith("Ann ")
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_an_edit_form_of_another_client_is_refused(login_as, billing, make_client):
    a, b = make_client(first_name="Ann"), make_client(first_name="Bea")
    web = login_as(billing)
    response = web.post(reverse("clients:client_edit", args=[b.pk]), form_data(first_name="Cy", loaded=loaded(web, a)))
    assert response.status_code == 422
    b.refresh_from_db()
    assert b.name.startswith("Bea ")


def test_edit_bad_input_changes_nothing(login_as, billing, make_client):
    c = make_client(first_name="Ann")
    response = login_as(billing).post(reverse("clients:client_edit", args=[c.pk]), form_data(email=""))
    assert response.status_code == 422
    c.refresh_from_db()
    assert c.name.startswith("Ann")
    assert not AuditEvent.objects.filter(action="client.update").exists()


# --- Status --------------------------------------------------------------------------------


def test_status_badge_cycles_through_htmx(login_as, billing, make_client):
    c = make_client()
    web = login_as(billing)
    url = reverse("clients:client_status", args=[c.pk])
    labels = []
    for seen, confirm in [("active", ""), ("inactive", "fraud"), ("fraud", "")]:
        response = web.post(url, {"from": seen, "confirm": confirm}, headers=HTMX)
        html = response.content.decode()
        assert 'id="client-status"' in html
        assert response["HX-Trigger"] == "clientChanged"  # the activity widget reloads
        labels.append(html.split('data-status="')[1].split('"')[0])
    assert labels == ["inactive", "fraud", "active"]
    assert AuditEvent.objects.filter(action="client.status", actor_user=billing).count() == 3


def test_marking_a_client_as_fraud_asks_first_and_changes_nothing_until_confirmed(login_as, billing, make_client):
    from clientdesk.clients.actions import client_cycle_status

    c = make_client()
    client_cycle_status(actor=None, client=c)  # inactive: the next click means fraud
    url = reverse("clients:client_status", args=[c.pk])
    response = login_as(billing).post(url, {"from": "inactive"}, headers=HTMX)
    assert response.status_code == 200
    assert "Mark #" in response.content.decode()
    assert "Mark as fraud" in response.content.decode()
    c.refresh_from_db()
    assert c.status == "inactive"
    cancel = login_as(billing).get(url, headers=HTMX).content.decode()
    assert 'data-status="inactive"' in cancel


def test_a_status_click_on_a_status_changed_meanwhile_changes_nothing(login_as, billing, make_client):
    c = make_client()
    url = reverse("clients:client_status", args=[c.pk])
    response = login_as(billing).post(url, {"from": "fraud"}, headers=HTMX)
    assert response.status_code == 409
    assert "Someone else changed the status to Active meanwhile" in response.content.decode()
    c.refresh_from_db()
    assert c.status == "active"
    assert not AuditEvent.objects.filter(action="client.status").exists()


def test_getting_the_status_url_changes_nothing(login_as, billing, make_client):
    c = make_client()
    response = login_as(billing).get(reverse("clients:client_status", args=[c.pk]))
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == "active"


# --- List ----------------------------------------------------------------------------------


def test_list_shows_tabs_with_counts_and_twenty_per_page(login_as, readonly, make_client, admin):
    from clientdesk.clients.actions import client_cycle_status

    clients = [make_client() for _ in range(23)]
    client_cycle_status(actor=admin, client=clients[0])
    web = login_as(readonly)
    html = web.get(reverse("clients:client_list")).content.decode()
    assert html.count("<tr>") == 21  # header + 20 rows
    assert ">22</span>" in html
    assert ">1</span>" in html
    assert "Page 1 of 2" in html
    html = web.get(reverse("clients:client_list"), {"page": 2}).content.decode()
    assert html.count("<tr>") == 3
    html = web.get(reverse("clients:client_list"), {"status": "inactive"}).content.decode()
    assert clients[0].email in html


def test_list_filter_through_htmx_returns_only_the_results(login_as, readonly, make_client):
    make_client(first_name="Zora", last_name="Quill")
    make_client(first_name="Abe", last_name="Other")
    response = login_as(readonly).get(reverse("clients:client_list"), {"name": "zora"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="client-results">')
    assert "Zora Quill" in html
    assert "Abe Other" not in html


def test_list_ignores_bad_filter_values(login_as, readonly, make_client):
    make_client()
    response = login_as(readonly).get(
        reverse("clients:client_list"), {"group": "abc", "sort": "drop table", "page": "x"}
    )
    assert response.status_code == 200


# --- Search --------------------------------------------------------------------------------


def test_one_search_result_goes_straight_to_the_profile(login_as, readonly, make_client):
    c = make_client(first_name="Unique", last_name="Zebra")
    response = login_as(readonly).get(reverse("clients:client_search"), {"q": "zebra"})
    assert response.status_code == 302
    assert response["Location"] == c.get_absolute_url()


def test_several_results_are_listed(login_as, readonly, make_client):
    make_client(last_name="Twin")
    make_client(last_name="Twin")
    html = login_as(readonly).get(reverse("clients:client_search"), {"q": "twin"}).content.decode()
    assert "2 clients found" in html


def test_search_results_page_through_every_match_once(login_as, readonly, make_client):
    made = {make_client(last_name="Pagewise").email for _ in range(25)}
    web = login_as(readonly)
    first = web.get(reverse("clients:client_search"), {"q": "pagewise"}).content.decode()
    second = web.get(reverse("clients:client_search"), {"q": "pagewise", "page": 2}).content.decode()
    beyond = web.get(reverse("clients:client_search"), {"q": "pagewise", "page": 9}).content.decode()
    assert "25 clients found" in first
    assert "Page 1 of 2" in first
    shown = [e for e in made if e in first] + [e for e in made if e in second]
    assert sorted(shown) == sorted(made)
    assert "Page 2 of 2" in beyond


def test_typeahead_returns_at_most_eight_hits(login_as, readonly, make_client):
    for _ in range(10):
        make_client(last_name="Manyfold")
    response = login_as(readonly).get(
        reverse("clients:client_search"), {"q": "manyfold"}, headers={**HTMX, "HX-Target": "search-suggest"}
    )
    html = response.content.decode()
    assert html.count('role="option"') == 8
    assert "<html" not in html


def test_short_search_explains_the_three_character_rule(login_as, readonly, make_client):
    make_client(last_name="Ng")
    html = login_as(readonly).get(reverse("clients:client_search"), {"q": "zq"}).content.decode()
    assert "at least 3 characters" in html
    assert "whole words" in html


def test_a_two_letter_surname_is_found_as_a_whole_word(login_as, readonly, make_client):
    ng = make_client(first_name="Mei", last_name="Ng")
    make_client(first_name="Yan", last_name="Young")
    response = login_as(readonly).get(reverse("clients:client_search"), {"q": "ng"})
    assert response.status_code == 302
    assert response["Location"] == ng.get_absolute_url()


# --- Hostile input -------------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "{{ 7|add:1 }}", '{% now "Y" %}', 'O\'Brien "Q"']


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_names_show_literally_everywhere(login_as, admin, make_client, text):
    c = make_client(first_name=text, company=text)
    web = login_as(admin)
    from django.utils.html import escape

    for url in [c.get_absolute_url(), reverse("clients:client_list"), reverse("clients:client_edit", args=[c.pk])]:
        html = web.get(url).content.decode()
        assert escape(text) in html
        assert "<script>alert(1)</script>" not in html
    typeahead = web.get(
        reverse("clients:client_search"), {"q": "person"}, headers={**HTMX, "HX-Target": "search-suggest"}
    ).content.decode()
    assert escape(text) in typeahead


def test_list_pages_are_numbered_counted_and_kept_in_the_address(login_as, readonly, make_client):
    for _ in range(45):
        make_client()
    html = login_as(readonly).get(reverse("clients:client_list"), {"page": 2}).content.decode()
    assert "Page 2 of 3 · 45 clients" in html
    assert 'aria-label="Page 3"' in html
    assert 'hx-push-url="true"' in html  # reload and Back keep the page
    assert 'aria-current="page"><span class="page-link">2</span>' in html


def test_list_filters_have_visible_labels(login_as, readonly):
    html = login_as(readonly).get(reverse("clients:client_list")).content.decode()
    for name, label in [("name", "Name"), ("email", "Email"), ("company", "Company"), ("country", "Country")]:
        assert f'<label class="form-label small mb-1" for="id_{name}">{label}</label>' in html


def test_billing_settings_need_their_own_permission(login_as, support, billing, make_client):
    c = make_client()
    web = login_as(support)
    form = web.get(reverse("clients:client_edit", args=[c.pk])).content.decode()
    assert 'name="tax_exempt"' not in form
    assert 'name="auto_debit"' not in form
    data = form_data(first_name="Annie", tax_exempt="on", currency="EUR", loaded=loaded(web, c))
    data.pop("auto_debit", None)
    assert web.post(reverse("clients:client_edit", args=[c.pk]), data).status_code == 302
    c.refresh_from_db()
    assert c.name.startswith("Annie")  # the rest of the edit landed
    assert (c.tax_exempt, c.currency, c.auto_debit) == (False, "USD", True)  # billing settings did not

    web = login_as(billing)
    form = web.get(reverse("clients:client_edit", args=[c.pk])).content.decode()
    assert 'name="auto_debit"' in form
    data = form_data(first_name="Annie", tax_exempt="on", currency="EUR", loaded=loaded(web, c))
    data.pop("auto_debit", None)  # an unticked checkbox is not posted
    assert web.post(reverse("clients:client_edit", args=[c.pk]), data).status_code == 302
    c.refresh_from_db()
    assert (c.tax_exempt, c.currency, c.auto_debit) == (True, "EUR", False)
    event = AuditEvent.objects.filter(action="client.update").latest("id")
    assert event.changes["auto_debit"] == [True, False]


def test_the_profile_shows_the_clients_language_in_words(login_as, readonly, make_client):
    from clientdesk.clients.actions import ClientData

    c = make_client(data=ClientData(language="de"))
    html = login_as(readonly).get(c.get_absolute_url()).content.decode()
    assert '<dd class="col-7">German</dd>' in html


def test_a_bad_email_and_a_bad_number_are_reported_in_one_round(login_as, billing):
    response = login_as(billing).post(
        reverse("clients:client_add"), form_data(email="not-an-email", **{"phones-0-number": "12"})
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "12 is not a valid phone number" in html
    assert not Client.objects.exists()


def test_an_edit_with_a_bad_email_and_a_bad_number_reports_both(login_as, billing, make_client):
    c = make_client()
    web = login_as(billing)
    data = form_data(email="", loaded=loaded(web, c), **{"phones-0-number": "call me"})
    html = web.post(reverse("clients:client_edit", args=[c.pk]), data).content.decode()
    assert "This field is required." in html
    assert "is not a phone number" in html


@pytest.mark.parametrize("seen", ["bogus", "", "ACTIVE"])
def test_a_status_click_with_a_status_that_does_not_exist_changes_nothing(login_as, billing, make_client, seen):
    c = make_client()
    response = login_as(billing).post(reverse("clients:client_status", args=[c.pk]), {"from": seen}, headers=HTMX)
    c.refresh_from_db()
    assert response.status_code in {200, 409}
    if seen:
        assert response.status_code == 409
        assert c.status == "active"
    else:  # no `from` at all: the click is on what the client shows now
        assert c.status == "inactive"
