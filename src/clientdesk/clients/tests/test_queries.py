import pytest
from django.db import connection

from clientdesk.clients import queries
from clientdesk.clients.actions import CONTACT_FIELDS, refresh_search_text
from clientdesk.clients.models import ClientStatus, Contact, ContactType, PhoneNumber
from clientdesk.clients.search import parse_query

pytestmark = pytest.mark.django_db


def names(clients):
    return [c.name for c in clients]


@pytest.fixture
def people(make_client):
    """Three clients; the second has a billing contact with its own number."""
    ada = make_client(first_name="Ada", last_name="Lovelace", company="Analytical Engines", phones=("(202) 555-0143",))
    bob = make_client(first_name="Bob", last_name="Stone", email="bob@stone.example", address1="12 Quarry Road")
    billing = Contact.objects.create(
        client=bob,
        contact_type=ContactType.BILLING,
        first_name="Wilma",
        last_name="Flint",
        company="Bedrock Accounting",
        email="wilma@bedrock.example",
        address1="301 Cobblestone Way",
        country="GB",
    )
    PhoneNumber.objects.create(contact=billing, number="+442079460958")
    refresh_search_text(bob)
    cy = make_client(first_name="Cy", last_name="Lovelace", email="cy@cy.example")
    return ada, bob, cy


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lovelace", ["Ada Lovelace", "Cy Lovelace"]),
        ("LOVELACE", ["Ada Lovelace", "Cy Lovelace"]),
        ("ada love", ["Ada Lovelace"]),
        ("analytical", ["Ada Lovelace"]),
        ("stone.example", ["Bob Stone"]),
        ("quarry", ["Bob Stone"]),
        # Any contact counts, not only the primary one.
        ("wilma flint", ["Bob Stone"]),
        ("bedrock acc", ["Bob Stone"]),
        ("cobblestone", ["Bob Stone"]),
        # Phone numbers match whatever format is typed.
        ("+1 (202) 555-0143", ["Ada Lovelace"]),
        ("2025550143", ["Ada Lovelace"]),
        ("555-0143", ["Ada Lovelace"]),
        ("020 7946 0958", ["Bob Stone"]),
        ("+44 20 7946", ["Bob Stone"]),
        ("nobody-at-all", []),
    ],
)
def test_search_matches_every_field_of_every_contact(people, query, expected):
    assert sorted(names(queries.client_search(query))) == expected


def test_search_ignores_accents_and_extra_spaces(make_client):
    make_client(first_name="José", last_name="Núñez")
    assert names(queries.client_search("  jose   nunez ")) == ["José Núñez"]


def test_percent_and_underscore_are_not_wildcards(make_client):
    make_client(first_name="Plain", last_name="Name")
    make_client(first_name="Under", last_name="Score_Co")
    assert names(queries.client_search("a_n")) == []  # as a wildcard it would match "plain"
    assert names(queries.client_search("score_co")) == ["Under Score_Co"]
    assert names(queries.client_search("%%%")) == []


def test_a_short_query_matches_whole_words_and_id_codes_only(people):
    ada, _, _ = people
    assert parse_query("ad").words == ("ad",)
    assert names(queries.client_search("ad")) == []  # "ad" is inside "Ada", but is no word of anyone's
    assert names(queries.client_search(ada.id_code)) == ["Ada Lovelace"]
    assert sorted(names(queries.client_search("15"))) == ["Ada Lovelace", "Bob Stone", "Cy Lovelace"]


def test_exact_id_code_ranks_first_then_exact_email(make_client):
    first = make_client(first_name="Zed", last_name="Zulu", email="target@x.example")
    # Amy matches both queries below too, as well as `first` does, and sorts before "Zed Zulu" by name:
    # only the id-code and email ranks can put `first` ahead of her.
    amy = make_client(
        first_name="Amy", last_name="Target", email="target@x.example.org", address1=f"{first.id_code} Long Road"
    )
    assert queries.client_search(first.id_code) == [first, amy]
    assert queries.client_search("target@x.example") == [first, amy]
    assert queries.client_search("target") == [amy, first]  # no exact hit: by name


def test_search_count_is_capped(make_client):
    for _ in range(4):
        make_client(last_name="Smithers")
    assert queries.client_search_count("smithers") == 4
    assert queries.client_search_count("smithers", cap=2) == 3


def test_search_reads_the_index_once_then_ranks_by_primary_key(people, django_assert_num_queries):
    # The clients' own text, the notes' (a search source), then the ranking.
    with django_assert_num_queries(3) as captured:
        results = queries.client_search_page("lovelace")
    assert results.total == 2
    first, notes, second = (q["sql"].upper() for q in captured.captured_queries)
    assert 'SEARCH_TEXT" LIKE' in first or 'SEARCH_TEXT"::TEXT LIKE' in first
    assert '"NOTES_NOTE"' in notes
    assert 'SEARCH_TEXT" LIKE' not in second
    assert 'SEARCH_TEXT"::TEXT LIKE' not in second
    assert '"ID" IN (' in second


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no trigram index: it scans")
def test_search_uses_the_trigram_index_on_postgresql(people):
    qs = queries._matching(parse_query("lovelace")).order_by()
    sql, params = qs.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a 3-row table would be scanned otherwise
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "client_search_text_trgm" in plan


def test_ranked_search_orders_by_rank_not_by_primary_key(people):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        queries.client_search("lovelace")
    order_by = ctx.captured_queries[-1]["sql"].upper().rsplit("ORDER BY", 1)[1]
    first_key = order_by.strip().split(",")[0]
    assert '"ID"' not in first_key
    assert first_key.split()[0].isdigit() or "RANK_CODE" in first_key  # the computed rank column


def test_status_counts_count_each_tab(make_client, admin):
    from clientdesk.clients.actions import client_cycle_status

    clients = [make_client() for _ in range(4)]
    client_cycle_status(actor=admin, client=clients[0])
    client_cycle_status(actor=admin, client=clients[1])
    client_cycle_status(actor=admin, client=clients[1])
    assert queries.status_counts() == {"active": 2, "inactive": 1, "fraud": 1}


def test_list_filters_and_sorts(make_client):
    make_client(first_name="Ann", last_name="Able", company="Zeta", country="DE", email="ann@a.example")
    make_client(first_name="Ben", last_name="Baker", company="Alpha", email="ben@b.example")
    base = {"status": ClientStatus.ACTIVE}

    def run(sort="-id", **filters):
        return names(queries.client_list(**base, filters=queries.ClientFilters(**filters), sort=sort))

    assert run() == ["Ben Baker", "Ann Able"]
    assert run(sort="id") == ["Ann Able", "Ben Baker"]
    assert run(sort="company") == ["Ben Baker", "Ann Able"]
    assert run(sort="-name") == ["Ben Baker", "Ann Able"]
    assert run(sort="bogus") == ["Ben Baker", "Ann Able"]
    assert run(name="ann ab") == ["Ann Able"]
    assert run(email="B.EXAMPLE") == ["Ben Baker"]
    assert run(company="alp") == ["Ben Baker"]
    assert run(country="de") == ["Ann Able"]


def test_list_filter_by_group(make_client):
    from clientdesk.clients.actions import ClientData
    from clientdesk.clients.models import ClientGroup

    vip = ClientGroup.objects.create(name="VIP")
    make_client(first_name="In", last_name="Group", data=ClientData(group=vip))
    make_client(first_name="Out", last_name="Side")
    result = queries.client_list(status="active", filters=queries.ClientFilters(group=vip.pk), sort="-id")
    assert names(result) == ["In Group"]


# The Contact columns a person does not type: its link, its kind (set by the action), its bookkeeping.
NOT_ENTERED = {"id", "client", "contact_type", "custom_type", "created_at", "updated_at"}  # the type: chosen apart


def test_contact_fields_are_the_contacts_own_columns_each_once():
    columns = {f.name for f in Contact._meta.concrete_fields}
    assert len(set(CONTACT_FIELDS)) == len(CONTACT_FIELDS)
    # A column added to Contact and not to ContactData would be missing from forms, edits and audit diffs.
    assert set(CONTACT_FIELDS) == columns - NOT_ENTERED
    assert not set(CONTACT_FIELDS) & NOT_ENTERED
