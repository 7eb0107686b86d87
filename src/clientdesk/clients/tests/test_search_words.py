"""The search box as a new user types into it: `#1534`, a curly O'Brien, 山田太郎, Wu (issue #10)."""

import unicodedata
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from clientdesk.clients import queries
from clientdesk.clients.actions import refresh_search_text
from clientdesk.clients.models import Client, Contact, ContactType, PhoneNumber
from clientdesk.clients.search import build_search_text, normalise, parse_query

pytestmark = pytest.mark.django_db


def found(typed: str) -> list[str]:
    """The last names (of the primary contacts) of the clients the search box finds for `typed`, sorted."""
    clients = queries.client_search(typed)
    primaries = Contact.objects.filter(client__in=clients, contact_type=ContactType.PRIMARY)
    return sorted(primaries.values_list("last_name", flat=True))


# --- "#1534": the id as the desk writes it ------------------------------------------------------


@pytest.mark.parametrize("typed", ["#{}", " # {} ", "#{} "])
def test_an_id_written_with_a_leading_hash_finds_that_client_alone(make_client, typed):
    wanted = make_client(last_name="Lovelace")
    # Its digits elsewhere (an address) do not make another client that id.
    make_client(last_name="Stone", address1=f"{wanted.id_code} Quarry Road")
    assert queries.client_search(typed.format(wanted.id_code)) == [wanted]


def test_an_id_written_with_a_leading_hash_goes_straight_to_the_profile(login_as, readonly, make_client):
    wanted = make_client()
    make_client(address1=f"{wanted.id_code} Quarry Road")
    response = login_as(readonly).get(reverse("clients:client_search"), {"q": f"#{wanted.id_code}"})
    assert response.status_code == 302
    assert response["Location"] == wanted.get_absolute_url()


def test_an_id_written_with_a_leading_hash_matches_its_letters_in_either_case(settings, make_client):
    settings.CLIENTDESK_CLIENT_ID_FORMAT = "C-{num}"
    wanted = make_client()
    assert wanted.id_code.startswith("C-")
    assert queries.client_search(f"#{wanted.id_code.lower()}") == [wanted]


def test_a_hash_before_a_word_is_searched_as_text():
    assert not parse_query("#hosting").id_code_only
    assert parse_query("#1534").id_code_only


# --- Apostrophes, quotes and dashes ---------------------------------------------------------------


# Spelt out: they look like ' and - in an editor, which is the point.
CURLY = "\N{RIGHT SINGLE QUOTATION MARK}"
OPENING = "\N{LEFT SINGLE QUOTATION MARK}"
MODIFIER = "\N{MODIFIER LETTER APOSTROPHE}"
ACUTE = "\N{ACUTE ACCENT}"
DOUBLE = "\N{LEFT DOUBLE QUOTATION MARK}", "\N{RIGHT DOUBLE QUOTATION MARK}"
HYPHEN, EN_DASH, EM_DASH = "\N{HYPHEN}", "\N{EN DASH}", "\N{EM DASH}"


def test_normalise_reads_apostrophes_quotes_and_dashes_as_their_ascii_forms():
    typed = f"O{CURLY}Brien {OPENING}a{CURLY} {MODIFIER}b {ACUTE}c `d {DOUBLE[0]}Q{DOUBLE[1]}"
    typed += f" x{HYPHEN}y x{EN_DASH}y x{EM_DASH}y"
    assert normalise(typed) == "o'brien 'a' 'b 'c 'd \"q\" x-y x-y x-y"


@pytest.mark.parametrize(
    "typed",
    [
        f"O{CURLY}Brien",
        f"O{OPENING}Brien",
        f"O{MODIFIER}brien",
        f"O{ACUTE}Brien",
        "O`Brien",
        "o'brien",
    ],
)
def test_an_apostrophe_typed_any_way_finds_o_brien(make_client, typed):
    make_client(first_name="Pat", last_name="O'Brien")
    make_client(first_name="Pat", last_name="Obrien")  # no apostrophe: another name
    assert found(typed) == ["O'Brien"]


def test_a_name_stored_with_a_curly_apostrophe_is_found_by_a_straight_one(make_client):
    make_client(first_name="Fitzwilliam", last_name=f"D{CURLY}Arcy")
    assert found("d'arcy") == [f"D{CURLY}Arcy"]
    assert found(f"D{CURLY}Arcy") == [f"D{CURLY}Arcy"]


@pytest.mark.parametrize(
    "typed", ["Smith-Jones", f"Smith{HYPHEN}Jones", f"Smith{EN_DASH}Jones", f"Smith{EM_DASH}Jones"]
)
def test_a_dash_typed_any_way_finds_a_double_barrelled_name(make_client, typed):
    make_client(first_name="Ann", last_name=f"Smith{EN_DASH}Jones")  # stored with an en dash
    make_client(first_name="Bea", last_name="Smith-Jones")
    make_client(first_name="Cy", last_name="Smith Jones")
    assert found(typed) == ["Smith-Jones", f"Smith{EN_DASH}Jones"]


# --- CJK names: any two characters or more -------------------------------------------------------


@pytest.fixture
def cjk_clients(make_client):
    make_client(first_name="伟", last_name="王", country="CN", email="wei.wang@x.example")
    make_client(first_name="太郎", last_name="山田", country="JP", email="taro.yamada@x.example")
    make_client(first_name="太郎", last_name="山本", country="JP", email="taro.yamamoto@x.example")
    make_client(first_name="민준", last_name="김", country="KR", email="minjun.kim@x.example")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("王伟", ["王"]),  # two characters: the whole name, family name first as it is written
        ("王", ["王"]),  # a one-character surname, matched whole
        ("山田太郎", ["山田"]),
        ("山田", ["山田"]),
        ("田太", ["山田"]),  # any two characters of the name as it is written…
        ("田太郎", ["山田"]),  # …or more
        ("太郎", ["山本", "山田"]),
        ("山田 太郎", ["山田"]),
        ("山本太郎", ["山本"]),
        ("김민준", ["김"]),
        ("민준", ["김"]),
        ("太郎山田", []),
    ],
)
def test_cjk_names_are_found_by_any_part_of_two_characters_or_more(cjk_clients, typed, expected):
    assert found(typed) == expected


def test_cjk_text_is_found_only_with_its_characters_in_a_row(make_client):
    make_client(first_name="太郎", last_name="山田")
    # Every pair of 山田太郎 is here, but not the four in a row.
    make_client(first_name="田太", last_name="Yamada", company="山田", address1="太郎 1")
    assert found("山田太郎") == ["山田"]


def test_cjk_company_and_address_are_found_by_two_characters(make_client):
    make_client(first_name="Taro", last_name="Yamada", company="山田商事", address1="丸の内 1")
    assert found("商事") == ["Yamada"]
    assert found("の内") == ["Yamada"]


def test_hangul_typed_as_jamo_finds_the_syllables(make_client):
    make_client(first_name="민준", last_name="김")
    assert found(unicodedata.normalize("NFD", "김민준")) == ["김"]


# --- Two-letter surnames: whole words ------------------------------------------------------------


@pytest.fixture
def short_surnames(make_client):
    make_client(first_name="Mei", last_name="Wu")
    make_client(first_name="Ann", last_name="Li")
    make_client(first_name="Kim", last_name="Lee-Ng")
    # The same letters inside longer names are other names.
    make_client(first_name="Otto", last_name="Wulf")
    make_client(first_name="Lisa", last_name="Young")
    make_client(first_name="Bo", last_name="Kwun")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("wu", ["Wu"]), ("WU", ["Wu"]), ("Li", ["Li"]), ("ng", ["Lee-Ng"]), ("bo", ["Kwun"]), ("xu", [])],
)
def test_two_letter_names_are_found_as_whole_words(short_surnames, typed, expected):
    assert found(typed) == expected


def test_a_second_contact_s_two_letter_surname_finds_the_client(make_client):
    client = make_client(first_name="Ada", last_name="Lovelace")
    Contact.objects.create(
        client=client,
        contact_type=ContactType.BILLING,
        first_name="Wen",
        last_name="Xu",
        email="wen@x.example",
        country="GB",
    )
    refresh_search_text(client)
    assert found("xu") == ["Lovelace"]


def test_two_short_words_must_both_be_whole_words(short_surnames, make_client):
    make_client(first_name="Li", last_name="Wu")
    assert found("li wu") == ["Wu"]


def test_short_words_beside_a_longer_word_are_left_out_as_still_being_typed(make_client):
    make_client(first_name="Bob", last_name="Stone")
    assert found("bob st") == ["Stone"]


def test_a_short_number_still_matches_the_start_of_id_codes(make_client):
    made = [make_client() for _ in range(3)]
    assert sorted(queries.client_search(made[0].id_code[:2]), key=lambda c: c.pk) == made


def test_punctuation_alone_finds_nothing(make_client):
    make_client()
    assert queries.client_search("&") == []
    assert queries.client_search("--") == []


# --- The search text and its index -----------------------------------------------------------------


def test_the_search_text_ends_with_its_short_words_and_cjk_bigrams(make_client):
    wu = make_client(
        first_name="Mei", last_name="Wu", company="山田商事", email="mei@wu.example", address1="12 Main St"
    )
    assert wu.search_text == f"{wu.id_code} | mei wu | 山田商事 | mei@wu.example | 12 main st \x1e wu 山田 田商 商事 st"
    wang = make_client(first_name="伟", last_name="王", email="wei@wang.example")
    assert wang.search_text == f"{wang.id_code} | 伟 王 | 王伟 | wei@wang.example \x1e 伟 王 王伟"


@pytest.mark.parametrize(("typed", "count"), [("wu", 7), ("王伟", 7), ("#1500", 6), ("15", 6)])
def test_short_word_and_cjk_searches_run_as_many_queries_as_every_search(
    login_as, admin, make_client, django_assert_num_queries, typed, count
):
    for _ in range(3):
        make_client(first_name="Mei", last_name="Wu", address1="15 Main St")
        make_client(first_name="伟", last_name="王")
    web = login_as(admin)
    # 4 (session, user, permissions) + the matching ids, the ids of clients whose notes match (together
    # they give the total), those clients ranked. An id (`#1500`) or an id's start (`15`) asks no note.
    with django_assert_num_queries(count):
        response = web.get(reverse("clients:client_search"), {"q": typed})
    assert response.status_code in {200, 302}


def _plan(typed: str) -> str:
    qs = queries._matching(parse_query(typed)).order_by().values("id")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows would be scanned otherwise
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no such index: it scans")
@pytest.mark.parametrize("typed", ["wu", "王伟", "山田太郎"])
def test_short_words_and_cjk_text_are_looked_up_in_the_search_words_index(short_surnames, cjk_clients, typed):
    plan = _plan(typed)
    assert "client_search_words" in plan
    assert "client_search_text_trgm" not in plan  # CJK never depends on pg_trgm, blind to it under some locales


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no such index: it scans")
@pytest.mark.parametrize("typed", ["15", "#1500", "wu"])
def test_id_codes_are_looked_up_through_their_indexes(short_surnames, typed):
    plan = _plan(typed)
    assert "clients_client_id_code" in plan
    assert "Seq Scan" not in plan


# --- Rebuilding the search texts of existing clients -----------------------------------------------


def test_the_migration_rebuilds_every_search_text_in_batches(monkeypatch, make_client):
    made = [
        make_client(first_name="Mei", last_name="Wu", phones=("(202) 555-0143", "(202) 555-0144")),
        make_client(first_name="伟", last_name="王", country="CN"),
        make_client(first_name="Pat", last_name=f"O{CURLY}Brien"),
        make_client(first_name="Ada", last_name="Lovelace"),
        make_client(first_name="민준", last_name="김"),
    ]
    billing = Contact.objects.create(
        client=made[0], contact_type=ContactType.BILLING, first_name="Wen", last_name="Xu", email="w@x.example"
    )
    PhoneNumber.objects.create(contact=billing, number="+442079460958")
    Client.objects.update(search_text="stale | as before the search words")
    migration = import_module("clientdesk.clients.migrations.0005_search_words")
    monkeypatch.setattr(migration, "BATCH", 2)
    migration.rebuild_search_text(apps, SimpleNamespace(connection=connection))
    for client in Client.objects.all():
        contacts = Contact.objects.filter(client=client).prefetch_related("phone_numbers")
        assert client.search_text == build_search_text(client.id_code, contacts)
    assert found("xu") == ["Wu"]
    assert found("王伟") == ["王"]
