"""Trigram GIN indexes (PostgreSQL) for the search box and the list's substring filters."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from clientdesk.core.db import PostgresOnlySQL

INDEXES = {
    # The search box: LIKE '%term%' on the normalised search text.
    "client_search_text_trgm": "search_text gin_trgm_ops",
    # The list filters: Django's icontains is UPPER(col::text) LIKE UPPER('%x%').
    "client_name_upper_trgm": "UPPER(name::text) gin_trgm_ops",
    "client_email_upper_trgm": "UPPER(email::text) gin_trgm_ops",
    "client_company_upper_trgm": "UPPER(company::text) gin_trgm_ops",
}


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [
        TrigramExtension(),
        *[
            PostgresOnlySQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON clients_client USING gin ({expression});",
                f"DROP INDEX IF EXISTS {name};",
            )
            for name, expression in INDEXES.items()
        ],
    ]
