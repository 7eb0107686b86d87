"""The seeder's guard: it seeds only a database holding nothing but what it made itself.

Seeding drops and rebuilds the indexes of the client table on PostgreSQL and writes clients
without audit events: not something to do to a database in use. Every run records the clients it
wrote (`SeedRun`); any other client, or any staff account but the benchmark's own, is someone's data.
"""

from django.db.models import Q

from bench.measure import BENCH_EMAIL
from bench.models import SeedRun
from clientdesk.accounts.models import User
from clientdesk.clients.models import Client

EXAMPLES = 3  # how many of the clients and accounts found a refusal names


class SeedRefusedError(Exception):
    """The database holds data the seeder did not make, and it was not told to seed anyway."""


def seeded_ranges() -> list[tuple[int, int]]:
    """The client id ranges the seed runs wrote, adjacent ones merged (consecutive runs usually are)."""
    merged: list[tuple[int, int]] = []
    for first, last in SeedRun.objects.order_by("first_client_id").values_list("first_client_id", "last_client_id"):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _examples(items: list[str], count: int) -> str:
    return ", ".join(items) + (", …" if count > len(items) else "")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def foreign_data() -> list[str]:
    """What the database holds that the seeder did not make, one phrase per kind; empty when nothing."""
    seeded = Q()
    for first, last in seeded_ranges():
        seeded |= Q(pk__range=(first, last))
    clients = Client.objects.exclude(seeded) if seeded else Client.objects.all()
    staff = User.objects.exclude(email=BENCH_EMAIL)
    found = []
    if count := clients.count():
        codes = list(clients.order_by("pk").values_list("id_code", flat=True)[:EXAMPLES])
        found.append(f"{_plural(count, 'client')} not written by `bench seed` (client ID {_examples(codes, count)})")
    if count := staff.count():
        emails = list(staff.order_by("email").values_list("email", flat=True)[:EXAMPLES])
        found.append(f"{_plural(count, 'staff account')} other than {BENCH_EMAIL} ({_examples(emails, count)})")
    return found


def check_database(*, force: bool) -> list[str]:
    """What the database holds that the seeder did not make; SeedRefusedError if anything, unless `force`."""
    found = foreign_data()
    if found and not force:
        raise SeedRefusedError(
            f"Refusing to seed: this database holds data the benchmark did not make: {' and '.join(found)}.\n"
            "Seeding drops and rebuilds the indexes of the client table (clients_client) on PostgreSQL and writes "
            "clients with no audit events, so it is not for a database in use. Nothing was written.\n"
            "Seed an empty database instead, such as the one `make bench` uses (var/bench.sqlite3 unless "
            "DATABASE_URL is set), or pass --force to seed this one anyway."
        )
    return found


def record(run: SeedRun | None, client_ids: list[int]) -> SeedRun:
    """Count the clients just written (consecutive ids, ascending) in this run's record, made with its first batch."""
    if run is None:
        return SeedRun.objects.create(
            clients=len(client_ids), first_client_id=client_ids[0], last_client_id=client_ids[-1]
        )
    run.clients += len(client_ids)
    run.last_client_id = client_ids[-1]
    run.save(update_fields=["clients", "last_client_id"])
    return run
