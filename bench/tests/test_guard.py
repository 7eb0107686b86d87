"""The seeder seeds only a database holding nothing but what it made itself, unless forced."""

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bench import seed
from bench.measure import staff_admin
from bench.models import SeedRun
from clientdesk.clients.models import Client, ClientGroup, Contact, IdSequence, PhoneNumber

pytestmark = pytest.mark.django_db


def bench_seed(*args: str) -> str:
    out = StringIO()
    call_command("bench", "seed", *args, stdout=out)
    return out.getvalue()


def rows() -> dict[str, Any]:
    """Everything the seeder writes: row counts, and where the client id series stands."""
    counts = {model.__name__: model.objects.count() for model in (Client, Contact, PhoneNumber, ClientGroup, SeedRun)}
    return {**counts, "series": list(IdSequence.objects.values_list("name", "last_value"))}


def client_table_indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, Client._meta.db_table))


@pytest.fixture
def index_work(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The seeder's index rebuilding calls made during the test (on PostgreSQL, outside a transaction)."""
    calls: list[str] = []

    def spy(name: str) -> Callable[..., Any]:
        original = getattr(seed, name)

        def called(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return original(*args, **kwargs)

        return called

    for name in ("create_indexes", "drop_indexes"):
        monkeypatch.setattr(seed, name, spy(name))
    return calls


# Transactional, so that on PostgreSQL a seed would really drop and rebuild the client table's indexes.
@pytest.mark.django_db(transaction=True)
def test_seed_refuses_a_database_holding_clients_made_in_the_desk(make_client, index_work):
    made = [make_client() for _ in range(4)]
    before, indexes = rows(), client_table_indexes()

    with pytest.raises(CommandError) as refusal:
        bench_seed("--clients", "5")

    message = str(refusal.value)
    codes = ", ".join(client.id_code for client in made[:3])
    assert f"4 clients not written by `bench seed` (client ID {codes}, …)" in message
    assert "staff account" not in message
    assert "drops and rebuilds the indexes of the client table" in message
    assert "no audit events" in message
    assert "make bench" in message
    assert "--force" in message
    assert rows() == before
    assert client_table_indexes() == indexes
    assert index_work == []


@pytest.mark.django_db(transaction=True)
def test_seed_refuses_a_database_holding_another_staff_account(admin, index_work):
    staff_admin()  # the benchmark's own account is not in the way
    before, indexes = rows(), client_table_indexes()

    with pytest.raises(CommandError) as refusal:
        bench_seed("--clients", "5")

    message = str(refusal.value)
    assert f"1 staff account other than bench@clientdesk.example ({admin.email})" in message
    assert "client not written" not in message
    assert rows() == before
    assert client_table_indexes() == indexes
    assert index_work == []


def test_seed_with_force_seeds_next_to_data_it_did_not_make(make_client, admin):
    theirs = make_client()

    out = bench_seed("--clients", "5", "--force")

    assert "Seeding anyway (--force), although this database holds 1 client" in out
    assert "Seeded 5 clients" in out
    ours = sorted(Client.objects.exclude(pk=theirs.pk).values_list("pk", flat=True))
    assert len(ours) == 5
    assert list(SeedRun.objects.values_list("clients", "first_client_id", "last_client_id")) == [(5, ours[0], ours[-1])]
    with pytest.raises(CommandError, match="1 client not written by `bench seed`"):
        bench_seed("--clients", "5")  # the desk's client is still there


def test_a_second_seed_adds_to_the_first_one_without_force():
    bench_seed("--clients", "5")
    staff_admin()  # what `bench search` leaves behind

    out = bench_seed("--clients", "7", "--batch", "3")

    assert "Seeded 7 clients" in out
    assert "--force" not in out
    ids = sorted(Client.objects.values_list("pk", flat=True))
    assert len(ids) == 12
    runs = list(SeedRun.objects.values_list("clients", "first_client_id", "last_client_id"))
    assert runs == [(5, ids[0], ids[4]), (7, ids[5], ids[11])]
