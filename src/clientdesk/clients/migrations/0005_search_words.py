"""Search words: short words matched whole and CJK bigrams, indexed as an array (issue #10, search).

The search text gains its search words after a mark (see `clients/search.py`), and the apostrophes,
quotes and dashes in it are unified, so every client's `search_text` is rebuilt with
`clients.search.build_search_text`, in batches of BATCH clients, each committed on its own (the
migration is not atomic; run again after an interruption, it writes only the texts still stale).
On PostgreSQL with 100 000 benchmark clients it took 17 s when a third of the texts changed and
25 s when all did (2 cores; 54 s while the machine was loaded 6x over): about 4 minutes for a
million. Then a GIN index on the array of search words is built, CONCURRENTLY on PostgreSQL, so
the desk keeps writing meanwhile.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import migrations, transaction

from clientdesk.core.db import PostgresOnlySQL

BATCH = 2000
# The array of search words, exactly as clients.queries._has_words writes it (the planner matches
# the expression, character for character, to use the index).
INDEXES = {"client_search_words": "(string_to_array(split_part(search_text, E'\\x1e ', 2), ' '))"}


class _Numbers(list[Any]):
    """A contact's phone numbers, read like its related manager (`.all()`)."""

    def all(self) -> "_Numbers":
        return self


@dataclass
class _Contact:
    """The fields of a contact its client's search text is made of (lighter than a model instance)."""

    first_name: str
    last_name: str
    company: str
    email: str
    address1: str
    phone_numbers: _Numbers = field(default_factory=_Numbers)


@dataclass
class _Number:
    number: str


def rebuild_search_text(apps: Any, schema_editor: Any) -> None:
    """Recompute every client's search text from its contacts, BATCH clients per transaction."""
    from clientdesk.clients.search import build_search_text

    Client = apps.get_model("clients", "Client")
    Contact = apps.get_model("clients", "Contact")
    PhoneNumber = apps.get_model("clients", "PhoneNumber")
    connection = schema_editor.connection
    last = 0
    while True:
        with transaction.atomic(using=connection.alias):
            # Locked, so an edit made meanwhile waits and then writes its own, newer text.
            rows = list(
                Client.objects.using(connection.alias)
                .select_for_update()
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", "id_code", "search_text")[:BATCH]
            )
            if not rows:
                return
            first, last = rows[0][0], rows[-1][0]
            # In the order refresh_search_text reads them: contacts by id, numbers by position.
            contacts: dict[int, list[_Contact]] = {pk: [] for pk, _, _ in rows}
            by_id: dict[int, _Contact] = {}
            for pk, client_id, *fields in (
                Contact.objects.using(connection.alias)
                .filter(client_id__gte=first, client_id__lte=last)
                .order_by("id")
                .values_list("pk", "client_id", "first_name", "last_name", "company", "email", "address1")
            ):
                by_id[pk] = _Contact(*fields)
                contacts[client_id].append(by_id[pk])
            for contact_id, number in (
                PhoneNumber.objects.using(connection.alias)
                .filter(contact__client_id__gte=first, contact__client_id__lte=last)
                .order_by("contact_id", "position", "id")
                .values_list("contact_id", "number")
            ):
                by_id[contact_id].phone_numbers.append(_Number(number))
            changed: list[tuple[int, str]] = []
            for pk, id_code, old in rows:
                text = build_search_text(id_code, contacts[pk])
                if text != old:
                    changed.append((pk, text))
            _write(connection, Client, changed)


def _write(connection: Any, model: Any, changed: list[tuple[int, str]]) -> None:
    """Store the new search texts: one UPDATE from two arrays on PostgreSQL (3x faster than bulk_update)."""
    if not changed:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE clients_client AS c SET search_text = v.search_text"
                " FROM unnest(%s::bigint[], %s::text[]) AS v(id, search_text) WHERE c.id = v.id",
                [[pk for pk, _ in changed], [text for _, text in changed]],
            )
    else:
        model.objects.using(connection.alias).bulk_update(
            [model(pk=pk, search_text=text) for pk, text in changed], ["search_text"], batch_size=500
        )


class Migration(migrations.Migration):
    """Rebuild the search texts, then index their search words."""

    atomic = False  # batches commit one by one; CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("clients", "0004_status_counts")]

    operations = [
        migrations.RunPython(rebuild_search_text, migrations.RunPython.noop, elidable=True),
        *[
            PostgresOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON clients_client USING gin ({expression});",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name};",
            )
            for name, expression in INDEXES.items()
        ],
    ]
