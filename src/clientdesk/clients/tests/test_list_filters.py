"""The client list's name, email and company filters match as the search box does (on both databases)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clientdesk.clients import queries
from clientdesk.clients.models import Client, ClientStatus
from clientdesk.clients.search import _UNIFY, normalise

pytestmark = pytest.mark.django_db

CURLY = "\u2019"


@pytest.fixture
def people(make_client):
    make_client(first_name="Jürgen", last_name="Müller", company="Bäckerei Müller", email="j.mueller@example.de")
    make_client(first_name="Иван", last_name="Петров", company="РОМАШКА Групп", email="ivan@example.ru", country="RU")
    make_client(first_name="Pat", last_name=f"O{CURLY}Brien", company=f"O{CURLY}Brien & Sons", email="pat@ob.example")
    make_client(first_name="Pat", last_name="O'Connor", company="Connor_Co", email="oc@oc.example")
    make_client(first_name="Jurgis", last_name="Plain", company="Plain 100% Co", email="JURGIS@PLAIN.EXAMPLE")


def listed(**filters):
    """The names of the active clients the list shows with these filters, sorted."""
    clients = queries.client_list(status=ClientStatus.ACTIVE, filters=queries.ClientFilters(**filters), sort="name")
    return sorted(c.name for c in clients)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("jurgen", ["Jürgen Müller"]),
        ("JÜRGEN", ["Jürgen Müller"]),
        ("Jürgen", ["Jürgen Müller"]),
        ("  jurgen   muller ", ["Jürgen Müller"]),
        ("jur", ["Jurgis Plain", "Jürgen Müller"]),
        ("иван", ["Иван Петров"]),
        ("ИВАН", ["Иван Петров"]),
        ("иван пет", ["Иван Петров"]),
        ("o'brien", [f"Pat O{CURLY}Brien"]),
        (f"O{CURLY}BRIEN", [f"Pat O{CURLY}Brien"]),
        ("o`brien", [f"Pat O{CURLY}Brien"]),
        ("o'c", ["Pat O'Connor"]),
        ("pat o", sorted([f"Pat O{CURLY}Brien", "Pat O'Connor"])),
        ("nobody", []),
    ],
)
def test_the_name_filter_ignores_case_accents_and_apostrophe_shapes(people, typed, expected):
    assert listed(name=typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("backerei", ["Jürgen Müller"]),
        ("BÄCKEREI", ["Jürgen Müller"]),
        ("ромашка", ["Иван Петров"]),
        ("o'brien &", [f"Pat O{CURLY}Brien"]),
        ("_", ["Pat O'Connor"]),  # a literal underscore, not a wildcard
        ("100%", ["Jurgis Plain"]),  # a literal percent sign
        ("%", ["Jurgis Plain"]),
    ],
)
def test_the_company_filter_matches_the_same_way(people, typed, expected):
    assert listed(company=typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("J.MUELLER@", ["Jürgen Müller"]), ("jurgis@plain", ["Jurgis Plain"]), ("example.ru", ["Иван Петров"])],
)
def test_the_email_filter_ignores_case(people, typed, expected):
    assert listed(email=typed) == expected


def test_filters_combine(people):
    assert listed(name="pat", company="o'brien") == [f"Pat O{CURLY}Brien"]
    assert listed(name="pat", company="connor_co") == ["Pat O'Connor"]
    assert listed(name="jurgen", company="ромашка") == []


def test_the_list_page_filters_by_an_accent_free_name(login_as, readonly, people):
    html = login_as(readonly).get(reverse("clients:client_list"), {"name": "JURGEN"}).content.decode()
    assert "Jürgen Müller" in html
    assert "Иван" not in html


def test_the_unfiltered_list_reads_the_table_as_before(people):
    with CaptureQueriesContext(connection) as ctx:
        listed()
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    assert queries.FOLD_FUNCTION not in sql
    assert "LIKE" not in sql.upper()


def test_the_fold_function_is_the_search_boxs_normalise_on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's fold function is search.normalise itself")
    with connection.cursor() as cursor:
        cursor.execute("SELECT clientdesk_fold(%s), clientdesk_fold(NULL)", ["Ǆemal ÉLODIE\u2014O\u00b4Hara"])
        assert cursor.fetchone() == (normalise("Ǆemal ÉLODIE\u2014O\u00b4Hara"), None)


# Text PostgreSQL's fold (lower + unaccent) reads exactly as search.normalise does.
AGREED = [
    "Jürgen Müller",
    "ÉLODIE Françoise",
    "José Núñez",
    "Ångström",
    "ИВАН ПЕТРОВ",
    "Ёлка",
    "Zoë Brontë",
    "ŠKODA Čech",
    "Straße",
    *[f"O{ch}Brien" for ch in (chr(code) for code in _UNIFY)],
]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's fold function")
def test_postgresqls_fold_reads_names_as_the_search_box_does():
    with connection.cursor() as cursor:
        cursor.execute("SELECT t, clientdesk_fold(t) FROM unnest(%s::text[]) AS t", [AGREED])
        folded = dict(cursor.fetchall())
    assert {t: f for t, f in folded.items() if f != normalise(t)} == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's fold function")
def test_postgresql_also_folds_letters_unicode_does_not_decompose(make_client):
    # unaccent reads ø and ł as o and l (normalise keeps them); typing them finds the name either way.
    make_client(first_name="Søren", last_name="Łukasz")
    assert listed(name="søren łukasz") == listed(name="soren lukasz") == ["Søren Łukasz"]


def _plan(column: str, typed: str) -> str:
    qs = Client.objects.filter(queries._folded_contains(column, typed)).values("id")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a few rows would be scanned otherwise
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no trigram index: it scans")
@pytest.mark.parametrize(
    ("column", "index"),
    [("name", "client_name_fold_trgm"), ("email", "client_email_fold_trgm"), ("company", "client_company_fold_trgm")],
)
def test_each_filter_is_served_by_a_trigram_index_on_the_folded_column(people, column, index):
    # The filter's expression is the index's, character for character, so the planner can use it.
    assert index in _plan(column, "jürgen")
