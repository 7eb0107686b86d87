"""How many clients each status holds, kept by database triggers so the client list need not count.

`clients_clientstatuscount` holds one row per status. Triggers on `clients_client` keep it exact in
the writing transaction, whatever writes: the actions, a delete, raw SQL, the benchmark's COPY.

- PostgreSQL: statement-level triggers with transition tables, so a statement writing many rows
  (COPY, bulk_create, `UPDATE … WHERE`) changes each counter row once. Each statement applies its
  deltas in one upsert ordered by status: transactions lock the counter rows in the same order and
  cannot deadlock on them. An UPDATE that changes no status writes nothing (no counter row locked).
- SQLite: row-level triggers (one writer at a time: nothing to order).

Row locks: a transaction holds the counter rows it changed until it commits. Creates already queue
on the id sequence's row (`clients.actions._next_id_value`) until they commit, and take the
`active` counter row after it, so the counter adds no wait between creates and no lock cycle. A
status change or delete may wait for the (short) transactions holding the same counter rows. Updates
that change no status (edits, search text) take no counter lock at all.

A delta that would lower a missing counter row is dropped rather than stored as a negative count:
that happens only when the rows were emptied first (Django's flush between transactional tests
deletes the tables in any order), and then there is nothing to count. TRUNCATE empties the counter.

Creating the triggers locks `clients_client` against writes until this migration commits, so the
counts seeded afterwards, in the same transaction, cannot miss a concurrent write.

If the counter were ever wrong, recount it with `RECOUNT` (run in one transaction; on PostgreSQL
the LOCK keeps writers out meanwhile, on SQLite run it with BEGIN IMMEDIATE).
"""

from typing import Any

from django.db import migrations, models

from clientdesk.core.db import PostgresOnlySQL

COUNT = (
    "INSERT INTO clients_clientstatuscount (status, clients) "
    "SELECT status, COUNT(*) FROM clients_client GROUP BY status"
)
# The recount, per vendor: statements to run in one transaction.
RECOUNT = {
    "postgresql": [
        "LOCK TABLE clients_client IN SHARE ROW EXCLUSIVE MODE",
        "DELETE FROM clients_clientstatuscount",
        COUNT,
    ],
    "sqlite": ["DELETE FROM clients_clientstatuscount", COUNT],
}


def _apply(deltas: str) -> str:
    """One statement adding `deltas` (rows of status, n) to the counter, locking its rows in status order."""
    return f"""
        INSERT INTO clients_clientstatuscount AS c (status, clients)
        SELECT d.status, d.n FROM ({deltas}) AS d
        WHERE d.n > 0 OR EXISTS (SELECT FROM clients_clientstatuscount AS e WHERE e.status = d.status)
        ORDER BY d.status
        ON CONFLICT (status) DO UPDATE SET clients = c.clients + EXCLUDED.clients;
    """  # noqa: S608 (constants of this module, no input)


POSTGRES_DELTAS = {
    "insert": "SELECT status, COUNT(*) AS n FROM new_rows GROUP BY status",
    "delete": "SELECT status, -COUNT(*) AS n FROM old_rows GROUP BY status",
    # An UPDATE keeps the number of rows: the statuses it left, minus; those it set, plus.
    "update": """
        SELECT status, SUM(n) AS n
        FROM (SELECT status, -1 AS n FROM old_rows UNION ALL SELECT status, 1 FROM new_rows) AS moved
        GROUP BY status HAVING SUM(n) <> 0
    """,
}
POSTGRES_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _postgres_trigger(event: str) -> tuple[str, str]:
    name = f"clients_status_count_{event}"
    forwards = f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {_apply(POSTGRES_DELTAS[event])}
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER {name} AFTER {event.upper()} ON clients_client
            REFERENCING {POSTGRES_REFERENCING[event]}
            FOR EACH STATEMENT EXECUTE FUNCTION {name}();
    """
    return forwards, f"DROP TRIGGER IF EXISTS {name} ON clients_client; DROP FUNCTION IF EXISTS {name}();"


POSTGRES_TRUNCATE = (
    """
    CREATE FUNCTION clients_status_count_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM clients_clientstatuscount;
        RETURN NULL;
    END
    $$;
    CREATE TRIGGER clients_status_count_truncate AFTER TRUNCATE ON clients_client
        FOR EACH STATEMENT EXECUTE FUNCTION clients_status_count_truncate();
    """,
    "DROP TRIGGER IF EXISTS clients_status_count_truncate ON clients_client; "
    "DROP FUNCTION IF EXISTS clients_status_count_truncate();",
)

_ADD = (
    "INSERT INTO clients_clientstatuscount (status, clients) VALUES (NEW.status, 1) "
    "ON CONFLICT (status) DO UPDATE SET clients = clients + 1;"
)
_REMOVE = "UPDATE clients_clientstatuscount SET clients = clients - 1 WHERE status = OLD.status;"
SQLITE_TRIGGERS = {
    "clients_status_count_insert": f"AFTER INSERT ON clients_client BEGIN {_ADD} END",
    "clients_status_count_delete": f"AFTER DELETE ON clients_client BEGIN {_REMOVE} END",
    "clients_status_count_update": (
        f"AFTER UPDATE OF status ON clients_client WHEN OLD.status IS NOT NEW.status BEGIN {_REMOVE} {_ADD} END"
    ),
}


class SQLiteOnlySQL(migrations.RunSQL):
    """RunSQL that applies on SQLite and is a no-op elsewhere (the counterpart of PostgresOnlySQL)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("clients", "0003_contacts")]

    operations = [
        migrations.CreateModel(
            name="ClientStatusCount",
            fields=[
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Active"), ("inactive", "Inactive"), ("fraud", "Fraud")],
                        max_length=16,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("clients", models.BigIntegerField(default=0)),
            ],
            options={"default_permissions": ()},
        ),
        # Triggers first: from here on writers wait for this migration to commit.
        *[PostgresOnlySQL(*_postgres_trigger(event)) for event in POSTGRES_DELTAS],
        PostgresOnlySQL(*POSTGRES_TRUNCATE),
        *[
            # Lists: one statement each (a string would be split at the semicolons inside the body).
            SQLiteOnlySQL([f"CREATE TRIGGER {name} {body}"], [f"DROP TRIGGER IF EXISTS {name}"])
            for name, body in SQLITE_TRIGGERS.items()
        ],
        # Then the counts of the clients already there.
        migrations.RunSQL([COUNT], migrations.RunSQL.noop),
    ]
