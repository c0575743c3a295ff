"""PostgreSQL: the columns the visibility rule and search's filters read, beside each artifact's id, so
checking a search's 1,000 candidates is an index-only scan instead of 1,000 reads of wide rows (the body is
in the row). SQLite reads a row by its rowid in the table's own b-tree and has no use for it."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

COLUMNS = "visibility, held_reason, course_id, author_id, prompt_id, kind, published_at"


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS artifact_visibility ON posts_artifact (id) INCLUDE ({COLUMNS})"
        )


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS artifact_visibility")


class Migration(migrations.Migration):
    dependencies = [("posts", "0009_held_reason")]
    operations = [migrations.RunPython(create, drop)]
