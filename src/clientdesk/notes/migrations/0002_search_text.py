"""Notes become a source of the client search: each note's search text, with the two GIN indexes
(PostgreSQL) the client's search text has — trigrams for substrings, the search words for short
words and CJK bigrams — in the same expressions, so `clients.queries.search_text_filter` uses them.
Existing notes get their text in batches; the indexes are built CONCURRENTLY, the desk writing on.
The column keeps a 1,000-value histogram (PostgreSQL's default is 100): notes are written in common
words, and the planner reads a common word's share of the notes from it to choose between the
index and a scan that stops at the first few hundred matches.
"""

from typing import Any

from django.db import migrations, models

from clientdesk.core.db import PostgresOnlySQL

BATCH = 2000
INDEXES = {
    "note_search_text_trgm": "search_text gin_trgm_ops",
    "note_search_words": "(string_to_array(split_part(search_text, E'\\x1e ', 2), ' '))",
}


def fill_search_text(apps: Any, schema_editor: Any) -> None:
    """Every existing note's search text, as `Note.save` makes it."""
    from clientdesk.notes.models import note_search_text

    note_model = apps.get_model("notes", "Note")
    db = schema_editor.connection.alias
    last = 0
    while True:
        rows = list(note_model.objects.using(db).filter(pk__gt=last).order_by("pk").only("summary", "details")[:BATCH])
        if not rows:
            return
        for note in rows:
            note.search_text = note_search_text(note.summary, note.details)
        note_model.objects.using(db).bulk_update(rows, ["search_text"], batch_size=500)
        last = rows[-1].pk


class Migration(migrations.Migration):
    """Add the notes' search text, fill it, index it."""

    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("notes", "0001_initial"), ("clients", "0002_search_trigram_indexes")]

    operations = [
        migrations.AddField(
            model_name="note",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        PostgresOnlySQL(
            "ALTER TABLE notes_note ALTER COLUMN search_text SET STATISTICS 1000;",
            "ALTER TABLE notes_note ALTER COLUMN search_text SET STATISTICS -1;",
        ),
        *[
            PostgresOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON notes_note USING gin ({expression});",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name};",
            )
            for name, expression in INDEXES.items()
        ],
    ]
