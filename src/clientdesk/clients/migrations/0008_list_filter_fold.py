"""The list's name, email and company filters match as the search box does, on PostgreSQL too.

`clientdesk_fold(text)` folds text as the filters compare it: lower-case, accents removed
(`unaccent`), apostrophes, quotes and dashes unified as `clients.search.normalise` unifies them
(ASCII text is only lower-cased, its backquote read as an apostrophe: the same, 3-4x faster).
It is IMMUTABLE so a trigram index can hold it; it names the unaccent dictionary with its schema,
so it reads the same whatever the search_path (a restore of a dump sets an empty one). Where the
database's ctype is C (lower() then folds ASCII only) and ICU is built in, it lowers with ICU.

Trigram indexes on the folded columns serve the filters, built CONCURRENTLY so the desk keeps
writing; they replace migration 0002's indexes on UPPER(column), which served the old
`icontains` filters and nothing else. At a million clients on PostgreSQL the migration takes
about 45 s (2 cores), the desk writing meanwhile. (SQLite has its own `clientdesk_fold`: clients.apps.)
"""

from typing import Any

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

from clientdesk.core.db import PostgresOnlySQL

# What `clients.search.normalise` reads as an apostrophe, a double quote and a dash (its _UNIFY).
UNIFY_FROM = (
    "\u2019\u2018\u02bc\u00b4\u0060\u201b\u2032\u201c\u201d\u201e\u201f\u2033\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
)
UNIFY_TO = "'" * 7 + '"' * 5 + "-" * 7

# The folded columns, exactly as clients.queries.Fold writes them (the planner matches the expression).
INDEXES = {
    "client_name_fold_trgm": "clientdesk_fold(name) gin_trgm_ops",
    "client_email_fold_trgm": "clientdesk_fold(email) gin_trgm_ops",
    "client_company_fold_trgm": "clientdesk_fold(company) gin_trgm_ops",
}
# Migration 0002's indexes for the filters as they were (icontains), dropped here.
REPLACED = {
    "client_name_upper_trgm": "UPPER(name::text) gin_trgm_ops",
    "client_email_upper_trgm": "UPPER(email::text) gin_trgm_ops",
    "client_company_upper_trgm": "UPPER(company::text) gin_trgm_ops",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_fold(apps: Any, schema_editor: Any) -> None:
    """Create clientdesk_fold(text) on PostgreSQL (see the module)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'unaccent'"
        )
        schema = cursor.fetchone()[0]
        cursor.execute(
            "SELECT datctype IN ('C', 'POSIX') AND EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu')"
            " FROM pg_database WHERE datname = current_database()"
        )
        icu = cursor.fetchone()[0]
        dictionary = _literal(f'"{schema}".unaccent')
        unaccented = (
            f'"{schema}".unaccent({dictionary}::regdictionary,'
            f" translate(t, {_literal(UNIFY_FROM)}, {_literal(UNIFY_TO)}))"
        )
        collate = ' COLLATE "und-x-icu"' if icu else ""
        # PL/pgSQL, and ASCII text only lower-cased (as ASCII, whatever the locale: no Turkish
        # dotless i): unaccent costs ~3 µs a value, which a filter matching most of a million
        # clients pays for every one of them (the page's count).
        cursor.execute(
            "CREATE OR REPLACE FUNCTION clientdesk_fold(t text) RETURNS text"
            " LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fold$ BEGIN"
            " IF octet_length(t) = char_length(t) THEN RETURN lower(replace(t, '`', '''') COLLATE \"C\"); END IF;"
            f" RETURN lower({unaccented}{collate}); END $fold$"
        )


def drop_fold(apps: Any, schema_editor: Any) -> None:
    """Drop clientdesk_fold(text) (after the indexes on it)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS clientdesk_fold(text)")


class Migration(migrations.Migration):
    """The fold function, then its trigram indexes in place of the UPPER ones."""

    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("clients", "0007_list_company_sort")]

    operations = [
        UnaccentExtension(),
        migrations.RunPython(create_fold, drop_fold),
        *[
            PostgresOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON clients_client USING gin ({expression});",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name};",
            )
            for name, expression in INDEXES.items()
        ],
        *[
            PostgresOnlySQL(
                f"DROP INDEX CONCURRENTLY IF EXISTS {name};",
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON clients_client USING gin ({expression});",
            )
            for name, expression in REPLACED.items()
        ],
        # Statistics of the new index expressions, which only ANALYZE gathers: without them the
        # planner guesses how many clients a filter matches (a rare name then walked a million
        # rows in id order: 850 ms instead of 2 ms).
        PostgresOnlySQL("ANALYZE clients_client;", migrations.RunSQL.noop),
    ]
