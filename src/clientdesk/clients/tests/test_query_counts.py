"""Every client page runs the same exact number of queries for one row as for a full page (STYLE.md, 10).

The fixtures fill every relation the pages show: each client is in a group (of several), its primary
contact has several numbers, other contacts have several numbers each, and staff edits add audit
events. A relation read row by row (N+1) then shows as one row and a full page differing; a join or
prefetch removed shows as a count above the stated one.

Every request starts with the same four queries: the session, the user, and the user's permissions
(those given to the user, those of the user's roles), read once by the first permission check.
"""

from dataclasses import replace

import pytest
from django.urls import reverse

from clientdesk.accounts.models import User
from clientdesk.clients.actions import (
    CONTACT_FIELDS,
    ClientData,
    ContactData,
    PhoneData,
    client_cycle_status,
    client_set_invoice_contact,
    client_update,
    refresh_search_text,
)
from clientdesk.clients.models import Client, ClientStatus, Contact, ContactType, CustomContactType, PhoneNumber

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TYPE_AHEAD = {**HTMX, "HX-Target": "search-suggest"}
NUMBERS = ("(202) 555-0143", "(202) 555-0144", "(202) 555-0145")

# How a row of each list shows in the HTML (to check a page holds the rows the test means).
LIST_ROW = '<td><span class="badge text-bg-'  # the row's group
SEARCH_ROW = '<a class="list-group-item list-group-item-action" href="/clients/'
TYPE_AHEAD_ROW = 'role="option"'
CONTACT_ROW = '<li class="list-group-item contact-row">'
EVENT_ROW = '<td class="text-nowrap small">'


@pytest.fixture
def groups(make_group):
    return [make_group(f"Group {color}", color) for color in ("primary", "danger", "success")]


@pytest.fixture
def make_filled(make_client, groups, admin):
    """Factory: `n` clients of one status, each in a group, its primary contact with several numbers."""

    def make(n: int, *, last_name: str = "Filled", status: str = ClientStatus.ACTIVE) -> list[Client]:
        made = []
        for i in range(n):
            client = make_client(
                actor=admin, last_name=last_name, phones=NUMBERS, data=ClientData(group=groups[i % len(groups)])
            )
            while client.status != status:
                client_cycle_status(actor=admin, client=client)
            made.append(client)
        return made

    return make


def add_contacts(client: Client, n: int) -> None:
    """Give the client `n` other contacts (billing, other with a custom type, other), with three numbers each."""
    kind, _ = CustomContactType.objects.get_or_create(name="Technical")
    for i in range(n):
        contact = Contact.objects.create(
            client=client,
            contact_type=ContactType.BILLING if i % 2 else ContactType.OTHER,
            custom_type=kind if i % 4 == 0 else None,
            first_name=f"Other{i}",
            last_name="Contact",
            email=f"other{i}@contact.example",
            country="US",
        )
        PhoneNumber.objects.bulk_create(
            PhoneNumber(contact=contact, number=f"+1303555{i:02d}{j:02d}", position=j) for j in range(3)
        )
    refresh_search_text(client)


def add_events(client: Client, n: int, *, actor: User) -> None:
    """Record `n` more audit events for the client: staff edits of its contact, and status changes."""
    for i in range(n):
        if i % 2:
            client_cycle_status(actor=actor, client=client)
            continue
        primary = Contact.objects.get(client=client, contact_type=ContactType.PRIMARY)
        contact = ContactData(**{name: getattr(primary, name) for name in CONTACT_FIELDS})
        numbers = [PhoneData(p.number, p.type, p.location) for p in primary.phone_numbers.all()]
        client_update(
            actor=actor,
            client=client,
            data=ClientData(group=client.group, currency=client.currency),
            contact=replace(contact, title=f"Title {i}"),
            phones=numbers,
        )


def rows(response, marker: str) -> int:
    assert response.status_code == 200
    return response.content.decode().count(marker)


# --- Lists: one row, then a full page -----------------------------------------------------------


@pytest.mark.parametrize("shown", [1, 20])
@pytest.mark.parametrize("status", ClientStatus.values)
def test_client_list_tab_runs_7_queries_for_one_row_or_a_full_page(
    login_as, admin, make_filled, django_assert_num_queries, status, shown
):
    make_filled(shown + (shown > 1), status=status)  # a full page, and one more on page 2
    web = login_as(admin)
    # 4 (session, user, permissions) + the tabs' counts, the group filter's options, the page of clients
    # with their groups. No COUNT: the tab's count is already known.
    with django_assert_num_queries(7):
        response = web.get(reverse("clients:client_list"), {"status": status})
    assert rows(response, LIST_ROW) == shown


@pytest.mark.parametrize("shown", [1, 20])
def test_client_list_filtered_by_group_through_htmx_runs_8_queries_for_one_row_or_a_full_page(
    login_as, admin, make_filled, groups, django_assert_num_queries, shown
):
    make_filled(3 * shown)  # the groups take turns: `shown` clients in each
    web = login_as(admin)
    # 4 (session, user, permissions) + the group of the filter, the tabs' counts, COUNT of the filtered
    # clients, the page of clients with their groups (the partial has no filter form).
    with django_assert_num_queries(8):
        response = web.get(reverse("clients:client_list"), {"group": groups[1].pk}, headers=HTMX)
    assert rows(response, LIST_ROW) == shown


@pytest.mark.parametrize(("page", "shown"), [(2, 1), (1, 20)])
def test_search_results_run_7_queries_for_one_row_or_a_full_page(
    login_as, admin, make_filled, django_assert_num_queries, page, shown
):
    # One match alone would redirect to its profile: the single row is the last of 21, on page 2.
    make_filled(21, last_name="Searchable")
    make_filled(2, last_name="Elsewhere")
    web = login_as(admin)
    # 4 (session, user, permissions) + the matching ids, the ids of clients whose notes match (together
    # they give the total), those clients ranked.
    with django_assert_num_queries(7):
        response = web.get(reverse("clients:client_search"), {"q": "searchable", "page": page})
    assert rows(response, SEARCH_ROW) == shown


@pytest.mark.parametrize("shown", [1, 8])
def test_type_ahead_runs_7_queries_for_one_hit_or_a_full_list(
    login_as, admin, make_filled, django_assert_num_queries, shown
):
    make_filled(shown + (shown > 1), last_name="Suggested")  # 9 matches fill the list of 8
    make_filled(2, last_name="Elsewhere")
    web = login_as(admin)
    # 4 (session, user, permissions) + the matching ids, those of clients whose notes match, the clients ranked.
    with django_assert_num_queries(7):
        response = web.get(reverse("clients:client_search"), {"q": "suggested"}, headers=TYPE_AHEAD)
    assert rows(response, TYPE_AHEAD_ROW) == shown


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize(("contacts", "shown"), [(1, 1), (50, 10)])
def test_contacts_widget_runs_8_queries_for_one_contact_or_a_full_page(
    login_as, admin, make_filled, django_assert_num_queries, contacts, shown, headers
):
    client = make_filled(1)[0]
    add_contacts(client, contacts)
    web = login_as(admin)
    # 4 (session, user, permissions) + the client, COUNT of its other contacts, the page of contacts,
    # their phone numbers (one prefetch for the page).
    with django_assert_num_queries(8):
        response = web.get(reverse("clients:client_contacts", args=[client.pk]), headers=headers)
    assert rows(response, CONTACT_ROW) == shown


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize("shown", [1, 5])
def test_activity_widget_runs_7_queries_for_one_event_or_a_full_page(
    login_as, admin, make_filled, django_assert_num_queries, shown, headers
):
    client = make_filled(1)[0]  # its creation is the first event
    add_events(client, shown - 1 + (shown > 1), actor=admin)  # a full page, and one more on page 2
    web = login_as(admin)
    # 4 (session, user, permissions) + the client, COUNT of its events, the page of events.
    with django_assert_num_queries(7):
        response = web.get(reverse("clients:client_activity", args=[client.pk]), headers=headers)
    assert rows(response, EVENT_ROW) == shown


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["partial", "page"])
@pytest.mark.parametrize("shown", [1, 20])
def test_history_runs_7_queries_for_one_event_or_a_full_page(
    login_as, admin, make_filled, django_assert_num_queries, shown, headers
):
    client = make_filled(1)[0]
    add_events(client, shown - 1 + (shown > 1), actor=admin)
    web = login_as(admin)
    # 4 (session, user, permissions) + the client, COUNT of its events, the page of events.
    with django_assert_num_queries(7):
        response = web.get(reverse("clients:client_history", args=[client.pk]), headers=headers)
    assert rows(response, EVENT_ROW) == shown


# --- One client: the least it can hold, then a lot ------------------------------------------


@pytest.fixture
def small(make_client):
    """A client with nothing but its primary contact, one number and no group: nothing to join."""
    return make_client(last_name="Small", phones=NUMBERS[:1])


@pytest.fixture
def big(make_filled, admin):
    """A client in a group, with three numbers, 12 other contacts of three numbers each, 21 events,
    invoices addressed to a billing contact."""
    client = make_filled(1, last_name="Big")[0]
    add_contacts(client, 12)
    add_events(client, 20, actor=admin)
    billing = Contact.objects.filter(client=client, contact_type=ContactType.BILLING).first()
    client_set_invoice_contact(actor=admin, client=client, contact=billing)
    client.refresh_from_db()
    return client


def primary_numbers(client: Client) -> int:
    return PhoneNumber.objects.filter(contact__client=client, contact__contact_type=ContactType.PRIMARY).count()


@pytest.mark.parametrize("which", ["small", "big"])
def test_profile_runs_7_queries_whatever_the_client_holds(login_as, admin, django_assert_num_queries, request, which):
    client = request.getfixturevalue(which)
    web = login_as(admin)
    # 4 (session, user, permissions) + the client with its group, its primary contact, that contact's
    # numbers. The widgets load from their own URLs.
    with django_assert_num_queries(7):
        response = web.get(client.get_absolute_url())
    html = response.content.decode()
    assert html.count('<a href="tel:') == primary_numbers(client)
    assert ('<span class="badge text-bg-' in html) == (client.group_id is not None)
    assert ("Other1 Contact" in html) == (client.invoice_contact_id is not None)  # who invoices go to


@pytest.mark.parametrize("which", ["small", "big"])
def test_edit_form_runs_8_queries_whatever_the_client_holds(login_as, admin, django_assert_num_queries, request, which):
    client = request.getfixturevalue(which)
    web = login_as(admin)
    # 4 (session, user, permissions) + the client with its group, its primary contact, that contact's
    # numbers, the group select's options.
    with django_assert_num_queries(8):
        response = web.get(reverse("clients:client_edit", args=[client.pk]))
    assert rows(response, 'class="row g-2 mb-2 phone-row"') == primary_numbers(client)
