"""/api/v1/clients/: the same list, search, add, edit and status as the pages, through the same actions."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission

from clientdesk.audit.models import AuditEvent
from clientdesk.clients import queries
from clientdesk.clients.actions import ClientData, client_cycle_status
from clientdesk.clients.models import Client, ClientStatus, Contact, PhoneNumber

pytestmark = pytest.mark.django_db

CLIENTS = "/api/v1/clients/"
NEW_CLIENT = {
    "first_name": "Ann",
    "last_name": "Lee",
    "company": "Lee Hosting",
    "email": "ann@lee.example",
    "country": "US",
    "state": "US-VA",
    "city": "Arlington",
    "phones": [{"number": "(202) 555-0143", "type": "phone", "location": "work"}, {"number": "+44 20 7946 0958"}],
}


def url(client):
    return f"{CLIENTS}{client.pk}/"


def walk(api, first):
    """Every row of a list, following `next` from `first`; and the pages' links."""
    rows, pages, link = [], [], first
    while link:
        body = api.get(link).json()
        pages.append(body)
        rows += body["results"]
        link = body["next"]
    return rows, pages


# --- The list ------------------------------------------------------------------------------------


def test_the_list_pages_through_a_tab_in_the_pages_order_once_each(api_as, readonly, make_client):
    made = [make_client(last_name=f"Lee{i:02d}") for i in range(45)]
    api = api_as(readonly)
    rows, pages = walk(api, f"{CLIENTS}?sort=name")
    assert [r["id"] for r in rows] == [c.pk for c in sorted(made, key=lambda c: (c.name, c.pk))]
    assert [len(p["results"]) for p in pages] == [20, 20, 5]
    assert pages[0]["previous"] is None
    back = api.get(pages[2]["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in pages[1]["results"]]


@pytest.mark.parametrize("sort", sorted({*queries.SORTS, *(f"-{k}" for k in queries.SORTS)}))
def test_every_sort_of_the_page_is_the_lists(api_as, readonly, make_client, make_group, sort):
    group = make_group()
    for i, company in enumerate(["Acme", "", "Beta", "Acme", "Zeta", "", "Beta"]):
        make_client(last_name=f"Same{i % 2}", company=company, data=ClientData(group=group))
    rows, _ = walk(api_as(readonly), f"{CLIENTS}?sort={sort}&page_size=2")
    expected = queries.client_list(status=ClientStatus.ACTIVE, filters=queries.ClientFilters(), sort=sort)
    assert [r["id"] for r in rows] == [c.pk for c in expected]


def test_tabs_and_filters_are_the_pages(api_as, readonly, make_client, make_group, admin):
    group = make_group("Resellers")
    keep = make_client(first_name="Ada", last_name="King", company="Analytical", data=ClientData(group=group))
    make_client(first_name="Ada", last_name="Byron", company="Analytical")  # no group
    make_client(first_name="Alan", last_name="Turing", company="Analytical", data=ClientData(group=group))
    gone = make_client(first_name="Ada", last_name="Gone", company="Analytical", data=ClientData(group=group))
    client_cycle_status(actor=admin, client=gone)
    api = api_as(readonly)
    found = api.get(CLIENTS, {"name": "ada", "company": "analyt", "group": group.pk, "country": "US"}).json()
    assert [r["id"] for r in found["results"]] == [keep.pk]
    assert found["results"][0]["group"] == {"id": group.pk, "name": "Resellers", "color": "primary"}
    inactive = api.get(CLIENTS, {"status": "inactive"}).json()
    assert [r["id"] for r in inactive["results"]] == [gone.pk]
    counts = api.get(f"{CLIENTS}status-counts/").json()
    assert counts == {"active": 3, "inactive": 1, "fraud": 0}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "deleted"}, "status"),
        ({"sort": "email"}, "sort"),
        ({"group": "x"}, "group"),
        ({"country": "ZZ"}, "country"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": ""}, "page_size"),
    ],
)
def test_a_parameter_the_list_cannot_read_is_a_400_naming_it(api_as, readonly, make_client, params, field):
    make_client()
    response = api_as(readonly).get(CLIENTS, params)
    assert response.status_code == 400
    assert response.json()["type"] == "urn:clientdesk:problem:invalid-parameters"
    assert list(response.json()["errors"]) == [field]


def test_a_group_that_does_not_exist_holds_no_client(api_as, readonly, make_client):
    make_client()
    response = api_as(readonly).get(CLIENTS, {"group": "999"})
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJ2IjpbMV19"])  # the second: {"v": [1]}, unsigned
def test_a_cursor_the_list_did_not_give_out_names_no_page(api_as, readonly, make_client, cursor):
    make_client()
    response = api_as(readonly).get(CLIENTS, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["type"] == "urn:clientdesk:problem:unknown-cursor"


# --- Search --------------------------------------------------------------------------------------


def test_search_ranks_as_the_search_page_and_pages_through_every_match(api_as, readonly, make_client):
    for i in range(30):
        make_client(first_name="Grace", last_name=f"Hopper{i}", email=f"g{i}@navy.example")
    exact = make_client(first_name="Grace", last_name="Exact", email="grace@navy.example")
    api = api_as(readonly)
    first = api.get(f"{CLIENTS}search/", {"q": "grace@navy.example"}).json()
    assert first["results"][0]["id"] == exact.pk
    rows, pages = walk(api, f"{CLIENTS}search/?q=navy&page_size=7")
    assert [r["id"] for r in rows] == [c.pk for c in queries.client_search("navy", limit=200)]
    assert len(rows) == len({r["id"] for r in rows}) == 31
    assert pages[0]["total"] == 31
    assert pages[0]["capped"] is False
    assert "group" not in rows[0]


def test_search_counts_and_pages_at_most_as_far_as_the_page(api_as, readonly, make_client, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_CAP", 5)
    for i in range(8):
        make_client(last_name=f"Capped{i}")
    rows, pages = walk(api_as(readonly), f"{CLIENTS}search/?q=capped&page_size=2")
    assert len(rows) == 5
    assert pages[0]["total"] == 5
    assert pages[0]["capped"] is True


@pytest.mark.parametrize("q", ["", "  "])
def test_a_blank_search_finds_nothing_as_the_search_box_does(api_as, readonly, make_client, q):
    make_client()
    response = api_as(readonly).get(f"{CLIENTS}search/", {"q": q})
    assert response.status_code == 200
    assert response.json()["results"] == []


# --- One client, add -----------------------------------------------------------------------------


def test_a_client_shows_its_primary_contact_numbers_and_settings(api_as, readonly, make_client, make_group):
    client = make_client(first_name="Ann", city="Arlington", state="US-VA", phones=("(202) 555-0143",))
    response = api_as(readonly).get(url(client))
    body = response.json()
    assert body["first_name"] == "Ann"
    assert body["state"] == "US-VA"
    assert body["phones"] == [
        {"number": "+12025550143", "display": "(202) 555-0143", "type": "phone", "location": "home"}
    ]
    assert body["currency"] == "USD"
    assert response["ETag"].startswith('"')
    assert response["ETag"].endswith('"')


def test_add_client_makes_the_client_its_contact_and_numbers_through_the_action(api_as, billing):
    response = api_as(billing).post(CLIENTS, NEW_CLIENT, HTTP_IDEMPOTENCY_KEY="ann-1")
    assert response.status_code == 201, response.json()
    client = Client.objects.get()
    assert response["Location"] == f"http://testserver{url(client)}"
    assert response.json()["id_code"] == client.id_code
    contact = Contact.objects.get(client=client)
    assert (contact.first_name, contact.state, contact.city) == ("Ann", "US-VA", "Arlington")
    assert list(PhoneNumber.objects.values_list("number", "location")) == [
        ("+12025550143", "work"),
        ("+442079460958", "home"),
    ]
    event = AuditEvent.objects.get(action="client.create")
    assert event.actor_label.startswith("API token ")


def test_add_client_queues_the_welcome_email_only_when_asked(api_as, billing):
    from clientdesk.mail.models import OutboundEmail, TemplateAction

    api = api_as(billing)
    assert api.post(CLIENTS, NEW_CLIENT, HTTP_IDEMPOTENCY_KEY="ann-1").status_code == 201
    assert not OutboundEmail.objects.exists()
    other = {**NEW_CLIENT, "email": "bob@lee.example", "send_welcome": True}
    response = api.post(CLIENTS, other, HTTP_IDEMPOTENCY_KEY="bob-1")
    assert response.status_code == 201, response.json()
    (email,) = OutboundEmail.objects.all()
    assert email.template_action == TemplateAction.ACCOUNT_WELCOME
    assert email.to == ["bob@lee.example"]
    assert email.client_id == response.json()["id"]
    assert email.sent_by == billing
    assert "send_welcome" not in response.json()


def test_a_duplicate_email_is_refused_naming_the_clients_until_allowed(api_as, billing, make_client):
    other = make_client(email="ann@lee.example")
    api = api_as(billing)
    refused = api.post(CLIENTS, NEW_CLIENT, HTTP_IDEMPOTENCY_KEY="ann-1")
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"] == "urn:clientdesk:problem:duplicate-client"
    assert list(body["errors"]) == ["email"]
    assert [d["id"] for d in body["duplicates"]] == [other.pk]
    assert Client.objects.count() == 1
    made = api.post(CLIENTS, {**NEW_CLIENT, "allow_duplicate": True}, HTTP_IDEMPOTENCY_KEY="ann-2")
    assert made.status_code == 201
    assert Client.objects.count() == 2


def test_a_field_that_does_not_exist_is_an_error_not_ignored(api_as, billing, make_client):
    client = make_client()
    api = api_as(billing)
    response = api.post(CLIENTS, {**NEW_CLIENT, "frist_name": "Ann"}, HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json()["errors"] == {"frist_name": ["There is no such field to write here."]}
    response = api.patch(url(client), {"id_code": "C-1", "phones": [{"number": "1", "kind": "x"}]})
    assert response.json()["errors"] == {
        "id_code": ["There is no such field to write here."],
        "phones.0.kind": ["There is no such field to write here."],
    }
    assert not AuditEvent.objects.filter(action="client.update").exists()


@pytest.mark.parametrize(
    "body", [[], "text", {"phones": "x"}, {"phones": [1]}, {"tax_exempt": "maybe"}, {"city": None}]
)
def test_a_body_of_the_wrong_shape_is_refused_by_field(api_as, billing, make_client, body):
    client = make_client()
    response = api_as(billing).patch(url(client), body)
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_billing_settings_need_the_billing_permission(api_as, support, make_staff, make_client):
    client = make_client()
    api = api_as(support)
    refused = api.patch(url(client), {"currency": "EUR", "city": "Reston"})
    assert refused.status_code == 403
    assert "billing" in refused.json()["detail"]
    assert api.patch(url(client), {"city": "Reston"}).status_code == 200
    client.refresh_from_db()
    assert client.currency == "USD"

    adder = make_staff("adder@staff.test")
    adder.user_permissions.add(Permission.objects.get(codename="add_client"))
    api = api_as(adder)
    assert api.post(CLIENTS, {**NEW_CLIENT, "tax_exempt": True}, HTTP_IDEMPOTENCY_KEY="1").status_code == 403
    made = api.post(CLIENTS, NEW_CLIENT, HTTP_IDEMPOTENCY_KEY="2")
    assert made.status_code == 201
    assert made.json()["tax_exempt"] is False  # the defaults of Add client


# --- Edit ----------------------------------------------------------------------------------------


def test_an_edit_changes_only_the_fields_it_sends(api_as, support, make_client):
    client = make_client(city="Arlington", phones=("(202) 555-0143",))
    response = api_as(support).patch(url(client), {"city": "Reston", "postal_code": "20190"})
    assert response.status_code == 200
    assert response.json()["city"] == "Reston"
    event = AuditEvent.objects.get(action="client.update")
    assert event.changes == {"city": ["Arlington", "Reston"], "postal_code": ["", "20190"]}
    assert list(PhoneNumber.objects.values_list("number", flat=True)) == ["+12025550143"]


def test_an_edit_that_changes_nothing_writes_nothing(api_as, support, make_client):
    client = make_client(city="Arlington")
    response = api_as(support).patch(url(client), {"city": "Arlington"})
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_an_edit_based_on_an_older_version_keeps_what_others_changed_meanwhile(api_as, support, billing, make_client):
    client = make_client(city="Arlington", company="Old Co")
    mine, theirs = api_as(support), api_as(billing)
    version = mine.get(url(client))["ETag"]
    assert theirs.patch(url(client), {"company": "New Co"}).status_code == 200
    response = mine.patch(url(client), {"city": "Reston"}, HTTP_IF_MATCH=version)
    assert response.status_code == 200
    assert (response.json()["city"], response.json()["company"]) == ("Reston", "New Co")


def test_an_edit_of_a_field_someone_else_changed_since_its_version_is_refused_by_name(
    api_as, support, billing, make_client
):
    client = make_client(city="Arlington")
    mine, theirs = api_as(support), api_as(billing)
    version = mine.get(url(client))["ETag"]
    assert theirs.patch(url(client), {"city": "Fairfax"}).status_code == 200
    events = AuditEvent.objects.count()
    refused = mine.patch(url(client), {"city": "Reston", "title": "CTO"}, HTTP_IF_MATCH=version)
    assert refused.status_code == 409
    body = refused.json()
    assert body["type"] == "urn:clientdesk:problem:edit-conflict"
    assert list(body["errors"]) == ["city"]
    assert body["current"] == {"city": "Fairfax"}
    assert AuditEvent.objects.count() == events
    again = mine.patch(url(client), {"city": "Reston"}, HTTP_IF_MATCH=refused_version(mine, client))
    assert again.status_code == 200


def refused_version(api, client):
    return api.get(url(client))["ETag"]


@pytest.mark.parametrize("if_match", ['"nonsense"', 'W/"x"', "other-client"])
def test_an_if_match_that_is_no_version_of_the_client_is_412(api_as, support, make_client, if_match):
    client, other = make_client(), make_client()
    api = api_as(support)
    if if_match == "other-client":
        if_match = api.get(url(other))["ETag"]
    response = api.patch(url(client), {"city": "Reston"}, HTTP_IF_MATCH=if_match)
    assert response.status_code == 412
    assert not AuditEvent.objects.filter(action="client.update").exists()


def test_an_edit_replaces_the_numbers_when_it_sends_them(api_as, support, make_client):
    client = make_client(phones=("(202) 555-0143", "(202) 555-0144"))
    response = api_as(support).patch(url(client), {"phones": [{"number": "(703) 555-0100", "type": "fax"}]})
    assert response.status_code == 200
    assert [(p["number"], p["type"]) for p in response.json()["phones"]] == [("+17035550100", "fax")]


# --- Status and history --------------------------------------------------------------------------


def test_status_moves_to_the_next_from_what_was_seen(api_as, billing, make_client):
    client = make_client()
    api = api_as(billing)
    assert api.post(f"{url(client)}status/", {"seen": "active"}).json()["status"] == "inactive"
    stale = api.post(f"{url(client)}status/", {"seen": "active"})
    assert stale.status_code == 409
    assert stale.json()["current"] == {"status": "inactive"}
    assert list(stale.json()["errors"]) == ["status"]
    assert api.post(f"{url(client)}status/", {"seen": "inactive"}).json()["status"] == "fraud"
    client.refresh_from_db()
    assert client.status == "fraud"
    assert AuditEvent.objects.filter(action="client.status").count() == 2


def test_status_needs_what_was_seen(api_as, billing, make_client):
    client = make_client()
    response = api_as(billing).post(f"{url(client)}status/", {})
    assert response.status_code == 422
    assert response.json()["errors"] == {"seen": ["This field is required."]}


def test_history_lists_the_clients_events_newest_first_a_page_at_a_time(api_as, support, make_client):
    client = make_client(city="A")
    other = make_client()
    api = api_as(support)
    for city in "BCDE":
        api.patch(url(client), {"city": city})
    api.patch(url(other), {"city": "X"})
    rows, pages = walk(api, f"{url(client)}history/?page_size=2")
    assert [r["action"] for r in rows] == ["client.update"] * 4 + ["client.create"]
    assert [r["changes"].get("city") for r in rows[:4]] == [["D", "E"], ["C", "D"], ["B", "C"], ["A", "B"]]
    assert rows[0]["actor"]["type"] == "token"
    assert rows[0]["action_label"] == "Edited client"
    assert len(pages) == 3


def test_history_needs_the_audit_permission_too(api_as, make_staff, make_client):
    client = make_client()
    viewer = make_staff("viewer@staff.test")
    viewer.user_permissions.add(Permission.objects.get(codename="view_client"))
    api = api_as(viewer)
    assert api.get(url(client)).status_code == 200
    assert api.get(f"{url(client)}history/").status_code == 403


# --- Staff ---------------------------------------------------------------------------------------


def test_staff_are_listed_active_first_then_by_email(api_as, admin, make_staff):
    from clientdesk.accounts.actions import user_deactivate

    members = [make_staff(f"m{i}@staff.test") for i in range(5)]
    user_deactivate(actor=admin, user=members[0])
    rows, _ = walk(api_as(admin), "/api/v1/staff/?page_size=2")
    assert [r["email"] for r in rows] == [
        "ada@staff.test",
        "m1@staff.test",
        "m2@staff.test",
        "m3@staff.test",
        "m4@staff.test",
        "m0@staff.test",
    ]
    assert rows[0]["roles"] == ["Admin"]
    detail = api_as(admin).get(f"/api/v1/staff/{members[1].pk}/").json()
    assert detail["email"] == "m1@staff.test"
    assert parse_qs(urlsplit(detail["url"]).query) == {}
