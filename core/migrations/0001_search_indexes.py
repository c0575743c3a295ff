"""The full-text indexes (SQLite FTS5 tables, or PostgreSQL tables with a tsvector and a GIN index)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

INDEXES = {
    "search_artifacts": ("title", "tags", "source", "body"),
    "search_comments": ("body",),
    "search_people": ("name", "handle", "about"),
}


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for index, columns in INDEXES.items():
        if vendor == "postgresql":
            schema_editor.execute(f"CREATE TABLE {index} (rowid bigint PRIMARY KEY, document tsvector NOT NULL)")
            schema_editor.execute(f"CREATE INDEX {index}_document ON {index} USING GIN (document)")
        else:
            schema_editor.execute(
                f"CREATE VIRTUAL TABLE {index} USING fts5({', '.join(columns)}, "
                "tokenize = 'unicode61 remove_diacritics 2')"
            )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for index in INDEXES:
        schema_editor.execute(f"DROP TABLE IF EXISTS {index}")


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []
    operations = [migrations.RunPython(create, drop)]
