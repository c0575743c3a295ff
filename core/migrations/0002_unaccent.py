"""PostgreSQL's unaccent (a trusted contrib extension): the search index folds accents with it."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_search_indexes")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
