"""Every API list runs the same exact number of queries for one row as for a page of 50 (STYLE.md, 10).

Each request starts with three: the token with its owner, then the owner's permissions (their own and
their roles'), read once by the first permission check. The token's last use is written at most once
a minute, so each test makes one request first. The fixtures fill every relation a list shows: clients
in groups, staff with roles, events with their changes, contacts with their types and numbers, contact
types with contacts, notes with their authors.
"""

import pytest

from clientdesk.clients.actions import ClientData

pytestmark = pytest.mark.django_db

AUTH = 3  # the token and its owner; the owner's permissions; their roles' permissions


@pytest.fixture
def api(api_as, admin):
    client = api_as(admin)
    client.get("/api/v1/me/")  # the token's first use is written; the counted requests write nothing
    return client


@pytest.fixture
def make_filled(make_client, make_group):
    groups = [make_group(f"Group {i}") for i in range(3)]

    def make(n: int, last_name: str = "Filled") -> list:
        return [
            make_client(last_name=last_name, phones=("(202) 555-0143",), data=ClientData(group=groups[i % 3]))
            for i in range(n)
        ]

    return make


@pytest.mark.parametrize("rows", [1, 50])
def test_the_client_list_is_one_query_a_page(api, make_filled, django_assert_num_queries, rows):
    make_filled(rows)
    with django_assert_num_queries(AUTH + 1):
        body = api.get("/api/v1/clients/?page_size=50&sort=name").json()
    assert len(body["results"]) == rows
    assert all(row["group"] for row in body["results"])


@pytest.mark.parametrize("rows", [1, 50])
def test_a_filtered_list_reads_the_group_it_filters_by_once(api, make_filled, django_assert_num_queries, rows):
    made = make_filled(rows * 3)
    group = made[0].group_id
    with django_assert_num_queries(AUTH + 2):  # the group's existence, then the page
        body = api.get(f"/api/v1/clients/?page_size=50&group={group}").json()
    assert len(body["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_the_next_page_is_one_query_too(api, make_filled, django_assert_num_queries, rows):
    make_filled(rows + 1)
    first = api.get("/api/v1/clients/?page_size=1").json()
    with django_assert_num_queries(AUTH + 1):
        body = api.get(first["next"].replace("page_size=1", "page_size=50")).json()
    assert len(body["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_search_is_three_queries_a_page(api, make_filled, django_assert_num_queries, rows):
    make_filled(rows, last_name="Searched")
    # The matching ids, the ids of clients whose notes match (together, the count), those rows ranked.
    with django_assert_num_queries(AUTH + 3):
        body = api.get("/api/v1/clients/search/?q=searched&page_size=50").json()
    assert len(body["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_history_is_two_queries_a_page(api, make_client, django_assert_num_queries, rows):
    client = make_client(city="Start")
    for i in range(rows - 1):
        api.patch(f"/api/v1/clients/{client.pk}/", {"city": f"City {i}"})
    with django_assert_num_queries(AUTH + 2):  # the client (404 if gone), then the events
        body = api.get(f"/api/v1/clients/{client.pk}/history/?page_size=50").json()
    assert len(body["results"]) == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_the_staff_list_is_two_queries_a_page(api, make_staff, django_assert_num_queries, rows):
    from clientdesk.core.contract import Role

    for i in range(rows - 1):  # the admin is the first
        make_staff(f"member{i:02d}@staff.test", Role.SUPPORT)
    with django_assert_num_queries(AUTH + 2):  # the members (two-factor, lock), then their roles
        body = api.get("/api/v1/staff/?page_size=50").json()
    assert len(body["results"]) == rows
    assert all(row["roles"] for row in body["results"])


def test_a_client_is_three_queries(api, make_filled, django_assert_num_queries):
    (client,) = make_filled(1)
    with django_assert_num_queries(AUTH + 3):  # the client and group, its primary contact, its numbers
        body = api.get(f"/api/v1/clients/{client.pk}/").json()
    assert body["phones"]
    assert body["group"]


# --- A client's contacts, contact types, notes ----------------------------------------------------


@pytest.fixture
def contacted(make_client, make_contact, make_contact_type):
    """Factory: a client with `rows` contacts in all (its primary one first), every one with a number; the others
    alternately billing and of one of the company's types."""
    kinds = [make_contact_type(f"Kind {i}") for i in range(3)]

    def make(rows: int):
        client = make_client(phones=("(202) 555-0143",))
        for i in range(rows - 1):
            kind = kinds[i % 3] if i % 2 else None
            make_contact(
                client, contact_type="other" if kind else "billing", custom_type=kind, phones=("(202) 555-0100",)
            )
        return client

    return make


@pytest.mark.parametrize("rows", [1, 50])
def test_a_clients_contacts_are_three_queries_a_page(api, contacted, django_assert_num_queries, rows):
    client = contacted(rows)
    with django_assert_num_queries(AUTH + 3):  # the client, the contacts with their types, their numbers
        body = api.get(f"/api/v1/clients/{client.pk}/contacts/?page_size=50").json()
    assert len(body["results"]) == rows
    assert all(row["phones"] for row in body["results"])
    assert any(row["custom_type"] for row in body["results"]) == (rows > 2)


@pytest.mark.parametrize("rows", [1, 50])
def test_the_next_page_of_contacts_is_three_queries_too(api, contacted, django_assert_num_queries, rows):
    client = contacted(rows + 1)
    first = api.get(f"/api/v1/clients/{client.pk}/contacts/?page_size=1").json()
    with django_assert_num_queries(AUTH + 3):
        body = api.get(first["next"].replace("page_size=1", "page_size=50")).json()
    assert len(body["results"]) == rows
    assert body["results"][0]["contact_type"] != "primary"


@pytest.mark.parametrize("rows", [1, 50])
def test_invoice_recipients_are_four_queries(api, contacted, django_assert_num_queries, rows):
    client = contacted(rows * 2)
    with django_assert_num_queries(AUTH + 4):  # the client, who invoices are addressed to, the recipients, numbers
        body = api.get(f"/api/v1/clients/{client.pk}/invoice-contact/").json()
    assert len(body["recipients"]) == rows  # the billing contacts: every other one
    assert all(row["phones"] for row in [body["invoice_contact"], *body["recipients"]])


@pytest.mark.parametrize("rows", [1, 50])
def test_the_contact_types_list_is_one_query_a_page(
    api, grace, make_contact, make_contact_type, django_assert_num_queries, rows
):
    for i in range(rows):
        make_contact(grace, contact_type="other", custom_type=make_contact_type(f"Kind {i:02d}"))
    with django_assert_num_queries(AUTH + 1):  # the types, each with its contacts counted
        body = api.get("/api/v1/contact-types/?page_size=50").json()
    assert len(body["results"]) == rows
    assert all(row["contacts"] == 1 for row in body["results"])


@pytest.mark.parametrize("sticky", ["", "?sticky=true"])
@pytest.mark.parametrize("rows", [1, 50])
def test_a_clients_notes_are_two_queries_a_page(api, grace, make_note, admin, django_assert_num_queries, rows, sticky):
    for i in range(rows):
        make_note(client=grace, actor=admin, summary=f"Note {i}", sticky=True)
    with django_assert_num_queries(AUTH + 2):  # the client, then the notes with their authors
        body = api.get(f"/api/v1/clients/{grace.pk}/notes/{sticky}{'&' if sticky else '?'}page_size=50").json()
    assert len(body["results"]) == rows
    assert all(row["author"] for row in body["results"])


# --- A client's Mail Log, an email, the email templates ---------------------------------------------


def _email(client, actor, subject="Hello"):
    from clientdesk.mail.actions import email_send

    return email_send(
        actor=actor,
        client=client,
        to=["g@acme.example"],
        from_name="A",
        from_email="a@staff.test",
        subject=subject,
        text="Hello",
    )


@pytest.mark.parametrize("rows", [1, 50])
def test_a_clients_mail_log_is_two_queries_a_page(api, grace, admin, django_assert_num_queries, rows):
    for i in range(rows):
        _email(grace, admin, f"Email {i}")
    with django_assert_num_queries(AUTH + 2):  # the client, then the emails (their bodies' start, not the bodies)
        body = api.get(f"/api/v1/clients/{grace.pk}/emails/?page_size=50").json()
    assert len(body["results"]) == rows
    assert all(row["summary"] for row in body["results"])


def test_an_email_is_two_queries(api, grace, admin, django_assert_num_queries):
    email = _email(grace, admin)
    with django_assert_num_queries(AUTH + 2):  # the client, then the email with who sent it
        body = api.get(f"/api/v1/clients/{grace.pk}/emails/{email.pk}/").json()
    assert body["sent_by"]


def test_the_email_templates_are_one_query_a_page(api, django_assert_num_queries):
    with django_assert_num_queries(AUTH + 1):
        body = api.get("/api/v1/email-templates/?page_size=50").json()
    assert len(body["results"]) == 11


# --- A client's payment accounts ---------------------------------------------------------------------


def card_number(n: int) -> str:
    """The n-th Visa number of a test series, with its Luhn check digit."""
    from clientdesk.payments.cards import luhn_valid

    start = f"4{n:014d}"
    return next(start + digit for digit in "0123456789" if luhn_valid(start + digit))


@pytest.fixture
def carded(make_client, make_contact, make_card):
    """Factory: a client with `rows` cards, every one owned by a contact (alternately a billing one and the primary)."""

    def make(rows: int):
        client = make_client()
        billing = make_contact(client, first_name="Ada")
        for i in range(rows):
            make_card(client, number=card_number(i), copy_from=billing if i % 2 else None)
        return client

    return make


@pytest.mark.parametrize("rows", [1, 50])
def test_a_clients_payment_accounts_are_two_queries_a_page(api, carded, django_assert_num_queries, rows):
    client = carded(rows)
    with django_assert_num_queries(AUTH + 2):  # the client, then the accounts with their owners
        body = api.get(f"/api/v1/clients/{client.pk}/payment-accounts/?page_size=50").json()
    assert len(body["results"]) == rows
    assert all(row["owner"] for row in body["results"])
    assert len({row["owner"]["name"] for row in body["results"]}) == min(rows, 2)


def test_a_payment_account_is_two_queries(api, carded, django_assert_num_queries):
    client = carded(1)
    account = client.payment_accounts.get()
    with django_assert_num_queries(AUTH + 2):  # the client, then the account with its owner
        body = api.get(f"/api/v1/clients/{client.pk}/payment-accounts/{account.pk}/").json()
    assert body["owner"]
