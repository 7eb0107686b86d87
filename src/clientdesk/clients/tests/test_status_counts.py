"""The status tabs' counts are kept by database triggers: exact after every kind of write, on both databases.

Each test compares `status_counts()` (which reads the counter) with a real GROUP BY over the clients.
"""

import threading
from importlib import import_module
from itertools import count, islice
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Case, Count, Value, When
from django.utils import timezone

from clientdesk.clients.actions import ClientData, ContactData, client_create, client_cycle_status
from clientdesk.clients.models import Client, ClientStatus, ClientStatusCount
from clientdesk.clients.queries import status_counts

ACTIVE, INACTIVE, FRAUD = ClientStatus.ACTIVE.value, ClientStatus.INACTIVE.value, ClientStatus.FRAUD.value
RECOUNT: dict[str, list[str]] = import_module("clientdesk.clients.migrations.0004_status_counts").RECOUNT
numbers = count(900_000)

pytestmark = pytest.mark.django_db


def counted() -> dict[str, int]:
    """The counts as a GROUP BY over the clients finds them (what the counter must equal)."""
    counts = dict.fromkeys(ClientStatus.values, 0)
    counts.update(Client.objects.order_by().values("status").annotate(n=Count("id")).values_list("status", "n"))
    return counts


def bare(*statuses: str) -> list[Client]:
    """Clients of these statuses written in one bulk_create (no contacts, no audit): one INSERT statement."""
    rows = []
    for status in statuses:
        n = next(numbers)
        rows.append(Client(id_value=n, id_code=str(n), status=status, name=f"Bulk {n}", email=f"b{n}@x.test"))
    return Client.objects.bulk_create(rows)


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def raw_copy(client: Client, *, status: str) -> None:
    """Insert a copy of `client` with another id code and `status` in raw SQL (every column, whatever they are)."""
    n = next(numbers)
    columns = [str(f.column) for f in Client._meta.concrete_fields if f.column != "id"]
    values = {"id_value": "%s", "id_code": "%s", "status": "%s"}
    execute(
        f"INSERT INTO clients_client ({', '.join(columns)}) "  # noqa: S608 (column names from the model)
        f"SELECT {', '.join(values.get(c, c) for c in columns)} FROM clients_client WHERE id = %s",
        [n, str(n), status, client.pk],
    )


def test_no_client_counts_zero_in_every_tab():
    assert status_counts() == {ACTIVE: 0, INACTIVE: 0, FRAUD: 0}


def test_a_new_client_counts_in_the_active_tab(make_client):
    make_client()
    make_client()
    assert status_counts() == {ACTIVE: 2, INACTIVE: 0, FRAUD: 0} == counted()


def test_cycling_a_status_moves_the_client_from_tab_to_tab(make_client):
    client = make_client()
    make_client()
    seen = []
    for _ in range(3):
        client_cycle_status(actor=None, client=client)
        seen.append(status_counts())
        assert seen[-1] == counted()
    assert seen == [
        {ACTIVE: 1, INACTIVE: 1, FRAUD: 0},
        {ACTIVE: 1, INACTIVE: 0, FRAUD: 1},
        {ACTIVE: 2, INACTIVE: 0, FRAUD: 0},
    ]


def test_an_update_that_changes_no_status_writes_no_counter_row(make_client):
    client = make_client()
    make_client()

    def versions() -> list[tuple[str, ...]]:
        # A row's ctid changes with every UPDATE of it (PostgreSQL; SQLite's trigger has a WHEN instead).
        column = "ctid::text" if connection.vendor == "postgresql" else "rowid"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT status, clients, {column} FROM clients_clientstatuscount ORDER BY status")  # noqa: S608
            return cursor.fetchall()

    before = versions()
    Client.objects.filter(pk=client.pk).update(name="Renamed", status=ACTIVE)
    Client.objects.update(company="Same status")
    assert versions() == before
    assert status_counts() == {ACTIVE: 2, INACTIVE: 0, FRAUD: 0} == counted()


def test_deleting_clients_through_the_orm_takes_them_out_of_their_tabs(make_client):
    clients = [make_client() for _ in range(3)]
    client_cycle_status(actor=None, client=clients[0])
    Client.objects.filter(pk__in=[clients[0].pk, clients[1].pk]).delete()
    assert status_counts() == {ACTIVE: 1, INACTIVE: 0, FRAUD: 0} == counted()


def test_deleting_clients_with_raw_sql_takes_them_out_of_their_tabs():
    rows = bare(ACTIVE, ACTIVE, INACTIVE, FRAUD, FRAUD)
    execute("DELETE FROM clients_client WHERE id IN (%s, %s, %s)", [rows[0].pk, rows[2].pk, rows[3].pk])
    assert status_counts() == {ACTIVE: 1, INACTIVE: 0, FRAUD: 1} == counted()


def test_bulk_create_counts_every_client_it_writes():
    bare(*[ACTIVE] * 7, *[INACTIVE] * 3, FRAUD)
    assert status_counts() == {ACTIVE: 7, INACTIVE: 3, FRAUD: 1} == counted()


def test_raw_inserts_count_like_the_actions(make_client):
    client = make_client()
    raw_copy(client, status=FRAUD)
    raw_copy(client, status=INACTIVE)
    raw_copy(client, status=FRAUD)
    assert status_counts() == {ACTIVE: 1, INACTIVE: 1, FRAUD: 2} == counted()


def test_a_copy_bulk_load_counts_every_row_it_streams():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's (the benchmark seeder loads with it)")
    statuses = [ACTIVE] * 50 + [INACTIVE] * 7 + [FRAUD] * 3
    now = timezone.now()
    rows = [{"id_value": n, "id_code": str(n), "email": f"c{n}@x.test"} for n in islice(numbers, len(statuses))]
    made = [Client(name="Copied", country="US", status=s, **row) for s, row in zip(statuses, rows, strict=True)]
    fields = [f for f in Client._meta.concrete_fields if f.column != "id"]
    with connection.cursor() as cursor:
        columns = ", ".join(str(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY clients_client ({columns}) FROM STDIN") as copy:
            for client in made:
                client.created_at = client.updated_at = now
                copy.write_row([f.get_db_prep_save(getattr(client, f.attname), connection) for f in fields])
    assert status_counts() == {ACTIVE: 50, INACTIVE: 7, FRAUD: 3} == counted()


def test_one_update_of_many_statuses_moves_them_all():
    rows = bare(ACTIVE, ACTIVE, ACTIVE, INACTIVE, FRAUD)
    Client.objects.filter(pk__in=[r.pk for r in rows[:2]]).update(status=FRAUD)
    assert status_counts() == {ACTIVE: 1, INACTIVE: 1, FRAUD: 3} == counted()
    # Statuses swapped in one raw statement: the net change per tab is what counts.
    execute(
        "UPDATE clients_client SET status = CASE status WHEN 'fraud' THEN 'active' ELSE 'fraud' END"
        " WHERE id IN (%s, %s, %s)",
        [rows[0].pk, rows[2].pk, rows[3].pk],
    )
    assert status_counts() == {ACTIVE: 1, INACTIVE: 0, FRAUD: 4} == counted()


def test_a_client_deleted_before_its_counter_row_exists_leaves_no_negative_count():
    # Django's flush between transactional tests empties the tables in any order (SQLite).
    rows = bare(INACTIVE, ACTIVE)
    ClientStatusCount.objects.all().delete()
    Client.objects.filter(pk__in=[r.pk for r in rows]).delete()
    assert status_counts() == {ACTIVE: 0, INACTIVE: 0, FRAUD: 0} == counted()
    bare(FRAUD)
    assert status_counts() == {ACTIVE: 0, INACTIVE: 0, FRAUD: 1} == counted()


def test_truncating_the_clients_empties_the_counter():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    bare(ACTIVE, FRAUD)
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # no foreign-key check left pending, or TRUNCATE refuses
    execute("TRUNCATE clients_client CASCADE")
    assert status_counts() == {ACTIVE: 0, INACTIVE: 0, FRAUD: 0} == counted()
    bare(INACTIVE)
    assert status_counts() == {ACTIVE: 0, INACTIVE: 1, FRAUD: 0} == counted()


def test_the_documented_recount_repairs_a_wrong_counter():
    bare(ACTIVE, ACTIVE, INACTIVE)
    ClientStatusCount.objects.filter(status=ACTIVE).update(clients=41)
    ClientStatusCount.objects.filter(status=INACTIVE).delete()
    ClientStatusCount.objects.create(status=FRAUD, clients=-3)
    assert status_counts() != counted()
    with transaction.atomic():
        for sql in RECOUNT[connection.vendor]:
            execute(sql)
    assert status_counts() == {ACTIVE: 2, INACTIVE: 1, FRAUD: 0} == counted()


def test_the_counts_are_read_in_one_query(django_assert_num_queries):
    bare(ACTIVE, INACTIVE, FRAUD)
    with django_assert_num_queries(1):
        status_counts()


THREADS = 8
# What each thread does to its own six clients, and what becomes of them (see `work` below).
CREATED = 6
DELETED = (0, 3)
ROTATED = (1, 2, 4, 5)  # one UPDATE: active -> fraud -> inactive -> active
LEFT = {ACTIVE: 1, INACTIVE: 1, FRAUD: 2}  # per thread


@pytest.mark.django_db(transaction=True)
def test_eight_staff_creating_clients_and_cycling_statuses_at_once_lose_no_count_and_never_deadlock(make_client):
    first = make_client()  # the id series exists: the threads queue on its row lock, as in production
    start = threading.Barrier(THREADS)
    errors: list[str] = []

    def work(thread: int) -> None:
        try:
            start.wait(timeout=30)
            mine: list[Client] = []
            for i in range(CREATED):
                contact = ContactData(
                    first_name="Para", last_name=f"T{thread}n{i}", email=f"t{thread}n{i}@x.test", country="US"
                )
                mine.append(client_create(actor=None, data=ClientData(), contact=contact))
                for other in mine[::2]:  # clients 0, 2, 4 move on a tab after each creation
                    client_cycle_status(actor=None, client=other)
            # Now active, active, inactive, active, fraud, active. One statement moves clients of all
            # three statuses (its counter rows locked in one order), then some are deleted.
            rotate = Case(
                When(status=ACTIVE, then=Value(FRAUD)), When(status=FRAUD, then=Value(INACTIVE)), default=Value(ACTIVE)
            )
            with transaction.atomic():
                Client.objects.filter(pk__in=[mine[i].pk for i in ROTATED]).update(status=rotate)
                Client.objects.filter(pk__in=[mine[i].pk for i in DELETED]).delete()
        except Exception as exc:  # kept, and asserted on below
            errors.append(f"thread {thread}: {type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    assert errors == []
    expected = {status: THREADS * n + (status == first.status) for status, n in LEFT.items()}
    assert counted() == expected
    assert status_counts() == expected
