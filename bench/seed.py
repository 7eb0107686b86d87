"""Bulk seed data for the benchmarks: clients with two contacts each and one or two numbers per contact,
and notes (one client in ten has ten, one in ten has one: 1.1 a client on average).

The rows are made here in plain Python (fast enough for a million clients) from the same people,
companies and places as the demo (`core.fakedata`), and hold exactly what the app would store:
the client's list columns copied from its primary contact, its id code from the `IdSequence` series
and a `search_text` identical to `clients.search.build_search_text` (made by the same helpers).

Loading is per database: PostgreSQL streams the rows with COPY (secondary and trigram indexes of
`clients_client` dropped first, rebuilt after), SQLite uses `bulk_create`.

It refuses a database holding data it did not make (`guard.py`) before writing anything, and
records the clients it writes (`SeedRun`) in the transaction of each batch.
"""

import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from importlib import import_module
from operator import itemgetter
from typing import Any

import phonenumbers
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Max

from bench.guard import check_database, record
from bench.models import SeedRun
from clientdesk.clients.actions import CONTACT_FIELDS
from clientdesk.clients.models import (
    Client,
    ClientGroup,
    ClientStatus,
    Contact,
    ContactType,
    GroupColor,
    IdSequence,
    PhoneNumber,
    PhoneType,
)
from clientdesk.clients.phones import search_digits
from clientdesk.clients.search import join_search_text, name_parts, normalise
from clientdesk.core import fakedata
from clientdesk.notes.models import Note, note_search_text

# The trigram indexes, exactly as the migrations create them: the search text's (0002) and the list
# filters' on the folded columns (0008, which replaced 0002's on the upper-cased columns).
_SEARCH_TRIGRAMS = import_module("clientdesk.clients.migrations.0002_search_trigram_indexes").INDEXES
_FOLD = import_module("clientdesk.clients.migrations.0008_list_filter_fold")
TRIGRAM_INDEXES: dict[str, str] = {
    **{name: expression for name, expression in _SEARCH_TRIGRAMS.items() if name not in _FOLD.REPLACED},
    **_FOLD.INDEXES,
}
# The GIN indexes rebuilt after a load: the trigram ones and the search words' (migration 0005).
GIN_INDEXES = {**TRIGRAM_INDEXES, **import_module("clientdesk.clients.migrations.0005_search_words").INDEXES}
# The notes' own search indexes (notes migration 0002), on notes_note.
NOTE_GIN_INDEXES = import_module("clientdesk.notes.migrations.0002_search_text").INDEXES
GROUPS = [("General", GroupColor.GREY), ("Resellers", GroupColor.BLUE), ("VIP", GroupColor.YELLOW)]
GROUP_WEIGHTS = [75, 15, 5]
NO_GROUP_WEIGHT = 5
CURRENCY = {"GB": "GBP", "US": "USD", "CA": "CAD", "AU": "AUD", "JP": "JPY", "CN": "USD", "KR": "USD"}
LANGUAGE = {"DE": "de", "FR": "fr", "ES": "es", "NL": "nl"}
EU = {"DE", "FR", "NL", "ES"}
ADDRESS2 = ["Suite 100", "Suite 210", "Unit 4", "Floor 3", "Building B", "Apt 12"]
HISTORY_YEARS = 12  # created_at spreads over this many years, oldest first
TAIL = 4  # phone numbers vary in their last TAIL digits
# Plain strings: COPY would write an Enum member by its name.
ACTIVE, INACTIVE, FRAUD = ClientStatus.ACTIVE.value, ClientStatus.INACTIVE.value, ClientStatus.FRAUD.value
PRIMARY, BILLING, OTHER = ContactType.PRIMARY.value, ContactType.BILLING.value, ContactType.OTHER.value
PHONE, FAX = PhoneType.PHONE.value, PhoneType.FAX.value

CLIENT_COLUMNS = (
    "id",
    "id_format",
    "id_value",
    "id_code",
    "status",
    "group_id",
    "name",
    "company",
    "email",
    "country",
    "currency",
    "language",
    "tax_exempt",
    "tax_id",
    "invoice_method",
    "auto_debit",
    "auto_suspend",
    "payment_notices",
    "created_at",
    "updated_at",
    "search_text",
)
# A contact's own fields in the order the actions list them; `_contact` makes them in MADE_FIELDS order.
CONTACT_COLUMNS = ("id", "client_id", "contact_type", *CONTACT_FIELDS, "created_at", "updated_at")
MADE_FIELDS = (
    "first_name",
    "last_name",
    "title",
    "company",
    "email",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
)
if set(MADE_FIELDS) != set(CONTACT_FIELDS):
    raise ImportError(f"The seeder makes contact fields {MADE_FIELDS}; the actions list {CONTACT_FIELDS}.")
in_column_order = itemgetter(*(MADE_FIELDS.index(name) for name in CONTACT_FIELDS))
PHONE_COLUMNS = ("contact_id", "type", "location", "number", "position")
NOTE_COLUMNS = ("client_id", "author_id", "summary", "details", "sticky", "created_at", "updated_at", "search_text")
NOTE_SUMMARIES = [
    "Called about the renewal",
    "Asked for a discount on the annual plan",
    "Migration to the new server scheduled",
    "Payment promised by Friday",
    "Prefers email over phone",
    "Requested a copy of last year's invoices",
    "Upgrade to the business plan",
    "Domain transfer pending",
    "Complained about downtime last week",
    "Wants a dedicated account manager",
    "Backup restore done",
    "SSL certificate expiring soon",
    "Card declined twice",
    "New billing contact from next month",
    "Auto debit disabled for payment account.",
]
NOTE_DETAILS = [
    "Spoke with them on the phone.",
    "Follow up in two weeks.",
    "They will confirm by email.",
    "Escalated to the second line.",
    "Offered a 10% discount for a two-year term.",
    "Sent the price list again.",
    "The mailbox quota was raised to 50 GB.",
    "Their developer needs SSH access.",
    "Nothing else to do for now.",
    "Check the firewall rules before the move.",
]
NOTES_MANY = 10  # notes of a client with many (one client in ten)
HEAVY_NOTES = 100_000  # the notes of the one client the notes widget is measured on


# `search.normalise` has its own shortcut for ASCII.
fast_normalise = normalise
cached_normalise = cache(normalise)


@cache
def cached_name_parts(first: str, last: str) -> tuple[str, ...]:
    """`search.name_parts`, normalised: how a contact's name is searched."""
    return tuple(normalise(part) for part in name_parts(first, last))


# --- Phone numbers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhoneStem:
    """A valid number whose last TAIL digits may be anything, with the digit strings it is found by."""

    e164: str
    digits: tuple[str, ...]  # clients.phones.search_digits(e164)

    def vary(self, tail: str) -> tuple[str, tuple[str, ...]]:
        """The number with its last digits replaced, and its search digits (formatting adds no digits at the end)."""
        return self.e164[:-TAIL] + tail, tuple(d[:-TAIL] + tail for d in self.digits)


def _stems(country: str, kind: int, rng: random.Random, count: int) -> list[PhoneStem]:
    """`count` stems of valid numbers of `kind` in `country`, each checked with several tails."""
    example = phonenumbers.example_number_for_type(country, kind) or phonenumbers.example_number(country)
    assert example is not None, f"phonenumbers has no example number for {country}"
    national = str(example.national_number)
    keep = 1 if len(national) > 8 else 2  # the leading digits of the area code or mobile prefix
    stems: dict[str, PhoneStem] = {}
    for _ in range(count * 40):
        if len(stems) >= count:
            break
        middle = "".join(str(rng.randrange(10)) for _ in range(len(national) - keep - TAIL))
        head = national[:keep] + middle
        tails = ["0000", "9999", *(f"{rng.randrange(10_000):04d}" for _ in range(4))]
        candidates = [
            phonenumbers.PhoneNumber(country_code=example.country_code, national_number=int(head + t)) for t in tails
        ]
        # Valid, and in `country` alone (NANP has numbers valid in both the US and Canada).
        if all(
            phonenumbers.is_valid_number(c) and phonenumbers.region_code_for_number(c) == country for c in candidates
        ):
            e164 = phonenumbers.format_number(candidates[0], phonenumbers.PhoneNumberFormat.E164)
            stems[e164] = PhoneStem(e164, tuple(search_digits(e164)))
    if not stems:  # an unusual numbering plan: fall back to the example number itself
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        stems[e164] = PhoneStem(e164, tuple(search_digits(e164)))
    return list(stems.values())


class PhonePool:
    """Valid numbers per country, worked out once (phonenumbers is slow at a million), varied cheaply."""

    def __init__(self, rng: random.Random, *, stems_per_kind: int = 200) -> None:
        fixed, mobile = phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE
        self.fixed = {c: _stems(c, fixed, rng, stems_per_kind) for c in fakedata.PLACES}
        self.mobile = {c: _stems(c, mobile, rng, stems_per_kind) for c in fakedata.PLACES}

    def number(self, country: str, rng: random.Random, *, mobile: bool = False) -> tuple[str, tuple[str, ...]]:
        stems = (self.mobile if mobile else self.fixed)[country]
        return stems[int(rng.random() * len(stems))].vary(f"{rng.randrange(10_000):04d}")


# --- Rows ---------------------------------------------------------------------------------------


@dataclass
class Batch:
    """Rows of one batch, as tuples in the order of the *_COLUMNS above."""

    clients: list[tuple[Any, ...]] = field(default_factory=list)
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)
    notes: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class _Country:
    code: str
    firsts: list[str]
    lasts: list[str]
    places: list[tuple[str, str, str]]
    addresses: list[str]  # every street with every house number, formatted the local way
    companies: list[str]
    locals: dict[tuple[str, str], str]  # (first, last) -> ascii email local part


def _country(code: str) -> _Country:
    firsts, lasts, places, streets = fakedata.PLACES[code]
    house_first = code not in fakedata.STREET_FIRST
    addresses = [f"{n} {s}" if house_first else f"{s} {n}" for s in streets for n in range(1, 250)]
    companies = [
        f"{w} {k} {fakedata.COMPANY_SUFFIX[code]}" for w in fakedata.COMPANY_WORDS for k in fakedata.COMPANY_KINDS
    ]
    locals_ = {(f, last): fakedata.email_local(f, last) for f in firsts for last in lasts}
    return _Country(code, firsts, lasts, places, addresses, companies, locals_)


class RowFactory:
    """Makes the rows of clients, contacts and phone numbers; ids are handed in by the loader."""

    def __init__(self, *, seed: int, total: int, groups: list[int], now: datetime | None = None) -> None:
        self.rng = random.Random(seed)
        self.total = max(total, 1)
        self.phones = PhonePool(self.rng)
        self.countries = {code: _country(code) for code in fakedata.PLACES}
        # Weighted draws are picks from lists holding each value `weight` times.
        self.country_codes = [c for c, w in fakedata.COUNTRY_WEIGHTS.items() for _ in range(w)]
        self.group_ids: list[int | None] = [g for g, w in zip(groups, GROUP_WEIGHTS, strict=False) for _ in range(w)]
        self.group_ids += [None] * NO_GROUP_WEIGHT
        self.id_format = settings.CLIENTDESK_CLIENT_ID_FORMAT
        self.now = now or datetime.now(UTC)
        self.start = self.now - timedelta(days=365 * HISTORY_YEARS)
        self.span = (self.now - self.start).total_seconds()
        self.made = 0

    def _pick(self, items: list[Any]) -> Any:
        return items[int(self.rng.random() * len(items))]

    def _phones(self, country: str, contact_id: int, batch: Batch) -> list[str]:
        """One or two numbers for the contact (rows added to the batch); the digit strings they are found by."""
        rng = self.rng
        number, digits = self.phones.number(country, rng)
        batch.phones.append((contact_id, PHONE, "work", number, 0))
        found = list(digits)
        if rng.random() < 0.5:
            fax = rng.random() < 0.1
            number, digits = self.phones.number(country, rng, mobile=not fax)
            kind, location = (FAX, "work") if fax else (PHONE, "mobile")
            batch.phones.append((contact_id, kind, location, number, 1))
            found += digits
        return found

    def _contact(
        self, batch: Batch, *, contact_id: int, client_id: int, kind: str, country: _Country, company: str, at: datetime
    ) -> tuple[str, str, list[str]]:
        """Add one contact and its numbers to the batch: its full name, email and search text parts."""
        rng, pick = self.rng, self._pick
        first, last = pick(country.firsts), pick(country.lasts)
        domain = f"{company.split(' ')[0].lower()}.example" if company else pick(["mail.example", "post.example"])
        email = f"{country.locals[first, last]}{rng.randrange(1, 100_000)}@{domain}"
        address1 = pick(country.addresses)
        address2 = pick(ADDRESS2) if rng.random() < 0.1 else ""
        city, state, postal = pick(country.places)
        title = pick(fakedata.TITLES)
        made = (first, last, title, company, email, address1, address2, city, state, postal, country.code)
        batch.contacts.append((contact_id, client_id, kind, *in_column_order(made), at, at))  # CONTACT_COLUMNS
        # What clients.search.build_search_text makes of the contact, part by part (empty parts dropped).
        parts = [*cached_name_parts(first, last), cached_normalise(company), fast_normalise(email)]
        parts += [cached_normalise(address1), *self._phones(country.code, contact_id, batch)]
        return f"{first} {last}".strip(), email, parts

    def note(self, client_id: int, at: datetime) -> tuple[Any, ...]:
        """One note row (NOTE_COLUMNS): a summary, one to three sentences, a ticket reference now and then."""
        rng, pick = self.rng, self._pick
        summary = pick(NOTE_SUMMARIES)
        sentences = [pick(NOTE_DETAILS) for _ in range(1 + int(rng.random() * 3))]
        if rng.random() < 0.3:
            sentences.append(f"Ticket INC{rng.randrange(10**6, 10**7)}.")
        details = " ".join(sentences)
        sticky = rng.random() < 0.05
        return (client_id, None, summary, details, sticky, at, at, note_search_text(summary, details))

    def _notes(self, batch: Batch, client_id: int, created: datetime) -> None:
        roll = self.rng.random()
        count = NOTES_MANY if roll < 0.1 else 1 if roll < 0.2 else 0
        seconds = max((self.now - created).total_seconds(), 1.0)
        for _ in range(count):
            batch.notes.append(self.note(client_id, created + timedelta(seconds=self.rng.random() * seconds)))

    def batch(self, *, client_ids: list[int], contact_ids: list[int], id_values: list[int]) -> Batch:
        """Rows for len(client_ids) clients; contact_ids holds two ids per client (primary first)."""
        rng, pick, batch = self.rng, self._pick, Batch()
        for i, (client_id, id_value) in enumerate(zip(client_ids, id_values, strict=True)):
            country = self.countries[pick(self.country_codes)]
            company = pick(country.companies) if rng.random() < 0.7 else ""
            # Oldest clients first, like a real book of clients.
            created = self.start + timedelta(seconds=self.span * (self.made + rng.random()) / self.total)
            self.made += 1
            id_code = self.id_format.replace("{num}", str(id_value))
            contact = partial(self._contact, batch, client_id=client_id, country=country, at=created)
            name, email, primary_parts = contact(contact_id=contact_ids[2 * i], kind=PRIMARY, company=company)
            _, _, other_parts = contact(
                contact_id=contact_ids[2 * i + 1],
                kind=BILLING if rng.random() < 0.7 else OTHER,
                company=company if rng.random() < 0.8 else "",
            )
            search_text = join_search_text([fast_normalise(id_code), *primary_parts, *other_parts])
            self._notes(batch, client_id, created)
            roll = rng.random()
            status = ACTIVE if roll < 0.9 else INACTIVE if roll < 0.98 else FRAUD
            tax_id = f"{country.code}{rng.randrange(10**8, 10**9)}" if company and country.code in EU else ""
            batch.clients.append(
                # In the order of CLIENT_COLUMNS.
                (
                    client_id,
                    self.id_format,
                    id_value,
                    id_code,
                    status,
                    pick(self.group_ids),
                    name,
                    company,
                    email,
                    country.code,
                    CURRENCY.get(country.code, "EUR"),
                    LANGUAGE.get(country.code, "en"),
                    rng.random() < 0.03,
                    tax_id,
                    "paper" if rng.random() < 0.05 else "email",
                    rng.random() < 0.85,
                    rng.random() < 0.95,
                    rng.random() < 0.95,
                    created,
                    created,
                    search_text,
                )
            )
        return batch


# --- Loading ------------------------------------------------------------------------------------


def client_groups() -> list[int]:
    """The ids of the demo's client groups, created when missing."""
    return [ClientGroup.objects.get_or_create(name=n, defaults={"color": c})[0].pk for n, c in GROUPS]


def _take_id_values(count: int) -> list[int]:
    """Take `count` numbers of the client id series at once (row-locked, like clients.actions._next_id_value)."""
    id_format = settings.CLIENTDESK_CLIENT_ID_FORMAT
    series = f"client:{id_format}"
    start, step = settings.CLIENTDESK_CLIENT_ID_START, settings.CLIENTDESK_CLIENT_ID_INCREMENT
    with transaction.atomic():
        IdSequence.objects.get_or_create(name=series, defaults={"last_value": start - step})
        sequence = IdSequence.objects.select_for_update().get(name=series)
        used = Client.objects.filter(id_format=id_format).aggregate(m=Max("id_value"))["m"]
        last = max(sequence.last_value, used if used is not None else start - step)
        sequence.last_value = last + step * count
        sequence.save(update_fields=["last_value"])
    return list(range(last + step, last + step * count + 1, step))


def _take_ids(model: Any, count: int) -> list[int]:
    """Take `count` consecutive primary keys of `model` (its table locked meanwhile, so nobody takes one between)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s)",
                    [table, table, count - 1],
                )
                last = cursor.fetchone()[0]
            return list(range(last - count + 1, last + 1))
        first = (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1  # SQLite: the writer lock is ours
        return list(range(first, first + count))


def _copy(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _write_postgres(batch: Batch) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        _copy(raw, Client._meta.db_table, CLIENT_COLUMNS, batch.clients)
        _copy(raw, Contact._meta.db_table, CONTACT_COLUMNS, batch.contacts)
        _copy(raw, PhoneNumber._meta.db_table, PHONE_COLUMNS, batch.phones)
        _copy(raw, Note._meta.db_table, NOTE_COLUMNS, batch.notes)


def _write_sqlite(batch: Batch) -> None:
    Client.objects.bulk_create([Client(**dict(zip(CLIENT_COLUMNS, row, strict=True))) for row in batch.clients])
    Contact.objects.bulk_create([Contact(**dict(zip(CONTACT_COLUMNS, row, strict=True))) for row in batch.contacts])
    PhoneNumber.objects.bulk_create([PhoneNumber(**dict(zip(PHONE_COLUMNS, row, strict=True))) for row in batch.phones])
    Note.objects.bulk_create([Note(**dict(zip(NOTE_COLUMNS, row, strict=True))) for row in batch.notes])


def _secondary_indexes() -> dict[str, str]:
    """name -> CREATE INDEX statement of the clients_client and notes_note indexes rebuilt after a bulk load."""
    statements = {
        name: f"CREATE INDEX IF NOT EXISTS {name} ON clients_client USING gin ({expression})"
        for name, expression in GIN_INDEXES.items()
    }
    statements |= {
        name: f"CREATE INDEX IF NOT EXISTS {name} ON notes_note USING gin ({expression})"
        for name, expression in NOTE_GIN_INDEXES.items()
    }
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in (Client, Note):
            for index in model._meta.indexes:
                statements[index.name] = str(index.create_sql(model, editor))
    return statements


def _existing_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [[Client._meta.db_table, Note._meta.db_table]]
        )
        return {row[0] for row in cursor.fetchall()}


def drop_indexes() -> list[str]:
    """Drop the trigram and secondary indexes of clients_client and notes_note (PostgreSQL); their names."""
    names = [name for name in _secondary_indexes() if name in _existing_indexes()]
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    return names


def _build(statement: str, work_mem: str) -> None:
    conn = connections.create_connection("default")
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"SET maintenance_work_mem = '{work_mem}'")
            cursor.execute(statement)
    finally:
        conn.close()


def create_indexes(*, work_mem: str = "1GB", workers: int = 2) -> list[str]:
    """Create the missing trigram and secondary indexes of clients_client and notes_note, the biggest first,
    in parallel."""
    existing = _existing_indexes()
    todo = [(name, sql) for name, sql in _secondary_indexes().items() if name not in existing]
    todo.sort(key=lambda item: item[0] != "client_search_text_trgm")  # the longest build starts first
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(_build, sql, work_mem) for _, sql in todo]:
            future.result()
    return [name for name, _ in todo]


def _add_notes(factory: RowFactory, client_id: int, count: int, *, postgres: bool, chunk: int = 10_000) -> None:
    """Give one client `count` more notes, over the last year."""
    year_ago = factory.now - timedelta(days=365)
    for start in range(0, count, chunk):
        batch = Batch()
        for _ in range(min(chunk, count - start)):
            batch.notes.append(factory.note(client_id, year_ago + timedelta(days=365 * factory.rng.random())))
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    _copy(cursor.cursor, Note._meta.db_table, NOTE_COLUMNS, batch.notes)
            else:
                Note.objects.bulk_create([Note(**dict(zip(NOTE_COLUMNS, row, strict=True))) for row in batch.notes])


def _batches(factory: RowFactory, clients: int, batch_size: int) -> Iterator[Batch]:
    """The rows of every batch, made in a thread of their own while the previous batch loads."""
    client_ids, contact_ids = _take_ids(Client, clients), _take_ids(Contact, 2 * clients)
    id_values = _take_id_values(clients) if clients else []
    made: queue.Queue[Batch | BaseException | None] = queue.Queue(maxsize=2)

    def make() -> None:
        try:
            for start in range(0, clients, batch_size):
                end = min(start + batch_size, clients)
                made.put(
                    factory.batch(
                        client_ids=client_ids[start:end],
                        contact_ids=contact_ids[2 * start : 2 * end],
                        id_values=id_values[start:end],
                    )
                )
            made.put(None)
        except BaseException as exc:  # handed over to the loading thread
            made.put(exc)

    threading.Thread(target=make, daemon=True, name="bench-seed-rows").start()
    while (item := made.get()) is not None:
        if isinstance(item, BaseException):
            raise item
        yield item


def seed(
    *,
    clients: int,
    batch_size: int = 10_000,
    seed: int = 1500,
    force: bool = False,
    heavy_notes: int = 0,
    progress: Callable[[str], None] = print,
) -> dict[str, float]:
    """Add `clients` clients with their contacts, numbers and notes; the seconds each stage took.

    `heavy_notes`: the first client of this run gets that many notes more (the client whose notes
    widget `bench search` measures).

    Raises guard.SeedRefusedError, having written nothing, when the database holds data the seeder
    did not make, unless `force`.
    """
    if found := check_database(force=force):  # first: before any row is written or index dropped
        progress(f"Seeding anyway (--force), although this database holds {' and '.join(found)}.")
    postgres = connection.vendor == "postgresql"
    # Inside a transaction (tests) indexes are left alone: other connections could not build them.
    rebuild = postgres and not connection.in_atomic_block
    started = time.perf_counter()
    timings: dict[str, float] = {}
    factory = RowFactory(seed=seed + Client.objects.count(), total=clients, groups=client_groups())
    timings["prepare"] = time.perf_counter() - started
    if rebuild:
        create_indexes()  # a previous run stopped half-way may have left some dropped
        dropped = drop_indexes()
        progress(f"Dropped {len(dropped)} indexes of clients_client for the load.")
    load_started = time.perf_counter()
    done = 0
    heavy_client = 0
    run: SeedRun | None = None
    try:
        for batch in _batches(factory, clients, max(1, batch_size)):
            with transaction.atomic():
                if postgres:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                    _write_postgres(batch)
                else:
                    _write_sqlite(batch)
                run = record(run, [row[0] for row in batch.clients])  # committed with the rows
            heavy_client = heavy_client or batch.clients[0][0]
            done += len(batch.clients)
            progress(f"  {done:>10,} / {clients:,} clients  {time.perf_counter() - started:7.1f} s")
        if heavy_notes and heavy_client:
            _add_notes(factory, heavy_client, heavy_notes, postgres=postgres)
            progress(f"  {heavy_notes:,} notes for client {heavy_client}")
        timings["load"] = time.perf_counter() - load_started
    finally:
        if rebuild:
            index_started = time.perf_counter()
            progress("Creating the indexes…")
            created = create_indexes()
            timings["indexes"] = time.perf_counter() - index_started
            progress(f"Created {len(created)} indexes in {timings['indexes']:.1f} s.")
    if postgres:
        analyse_started = time.perf_counter()
        # VACUUM too, when it can run (not inside a transaction): index-only scans need the visibility map.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for model in (Client, Contact, PhoneNumber, Note):
                cursor.execute(f"{command} {model._meta.db_table}")
        timings["analyze"] = time.perf_counter() - analyse_started
    timings["total"] = time.perf_counter() - started
    return timings
