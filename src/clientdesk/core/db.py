"""Database helpers: PostgreSQL-only migration SQL; expressions that indexes and queries share."""

from typing import Any

from django.db import migrations
from django.db.models import BooleanField, Func


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that applies on PostgreSQL and is a no-op elsewhere (SQLite has no trigram index)."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class IsBlank(Func):
    """`column = ''`, the empty string written into the SQL rather than passed as a parameter.

    An index on it and an ORDER BY by it then read alike on every database: PostgreSQL matches them
    by their parsed form, SQLite by their text, which a `?` parameter would never match.
    """

    template = "(%(expressions)s = '')"
    arity = 1
    output_field = BooleanField()


class AddIndexConcurrentlyOnPostgres(migrations.AddIndex):
    """AddIndex built CONCURRENTLY on PostgreSQL, so the desk keeps writing while it builds; plain elsewhere.

    Its migration says `atomic = False`: PostgreSQL builds concurrently only outside a transaction.
    """

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, concurrently=True)
