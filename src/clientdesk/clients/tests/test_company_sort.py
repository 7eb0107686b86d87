"""Sorting the client list by company: blank companies last in both directions, read from an index."""

import pytest
from django.db import connection
from django.urls import reverse

from clientdesk.clients import queries
from clientdesk.clients.models import Client, ClientStatus

pytestmark = pytest.mark.django_db


def sorted_by(sort: str) -> list[tuple[str, str]]:
    clients = queries.client_list(status=ClientStatus.ACTIVE, filters=queries.ClientFilters(), sort=sort)
    return [(c.company, c.name) for c in clients]


@pytest.fixture
def companies(make_client):
    """Clients made in this order: two without a company around Zeta, Acme twice, Mango."""
    for first, company in [
        ("Nob1", ""),
        ("Zed", "Zeta"),
        ("Ann", "Acme"),
        ("Nob2", ""),
        ("Abe", "Acme"),
        ("Max", "Mango"),
    ]:
        make_client(first_name=first, last_name="Test", company=company)


def test_a_to_z_puts_blank_companies_last_each_tie_by_id(companies):
    assert sorted_by("company") == [
        ("Acme", "Ann Test"),
        ("Acme", "Abe Test"),
        ("Mango", "Max Test"),
        ("Zeta", "Zed Test"),
        ("", "Nob1 Test"),
        ("", "Nob2 Test"),
    ]


def test_z_to_a_still_puts_blank_companies_last_each_tie_by_id_descending(companies):
    assert sorted_by("-company") == [
        ("Zeta", "Zed Test"),
        ("Mango", "Max Test"),
        ("Acme", "Abe Test"),
        ("Acme", "Ann Test"),
        ("", "Nob2 Test"),
        ("", "Nob1 Test"),
    ]


def test_the_list_page_sorted_by_company_shows_blank_companies_last(login_as, readonly, companies):
    html = login_as(readonly).get(reverse("clients:client_list"), {"sort": "company"}).content.decode()
    positions = [html.index(name) for name in ("Ann Test", "Max Test", "Zed Test", "Nob1 Test", "Nob2 Test")]
    assert positions == sorted(positions)


def test_other_sorts_are_as_they_were(companies):
    assert [name for _, name in sorted_by("name")][:3] == ["Abe Test", "Ann Test", "Max Test"]
    assert [name for _, name in sorted_by("-id")][:2] == ["Max Test", "Abe Test"]


# --- The plan: the first page is read from an index, never sorted ----------------------------------


@pytest.fixture
def many_clients(db):
    """5 000 active clients (a tenth without a company) and a few inactive, with fresh statistics."""
    Client.objects.bulk_create(
        Client(
            id_value=10_000 + i,
            id_code=str(10_000 + i),
            status=ClientStatus.ACTIVE if i % 50 else ClientStatus.INACTIVE,
            name=f"Person {i}",
            company="" if i % 10 == 0 else f"Company {i % 700:03d}",
            email=f"p{i}@example.test",
            country="US",
        )
        for i in range(5_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client")


def _first_page_plan(sort: str) -> str:
    qs = queries.client_list(status=ClientStatus.ACTIVE, filters=queries.ClientFilters(), sort=sort)[:20]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) if connection.vendor == "sqlite" else row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the list is measured at scale on PostgreSQL")
@pytest.mark.parametrize(
    ("sort", "index"), [("company", "client_company_sort_asc"), ("-company", "client_company_sort_desc")]
)
def test_the_first_page_sorted_by_company_is_read_from_its_index_on_postgresql(many_clients, sort, index):
    plan = _first_page_plan(sort)
    assert f"Index Scan using {index}" in plan, plan
    assert "Sort" not in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
@pytest.mark.parametrize(
    ("sort", "index"), [("company", "client_company_sort_asc"), ("-company", "client_company_sort_desc")]
)
def test_the_first_page_sorted_by_company_is_read_from_its_index_on_sqlite(many_clients, sort, index):
    plan = _first_page_plan(sort)
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan, plan
