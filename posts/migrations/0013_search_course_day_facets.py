"""PostgreSQL: give documents indexed before it the facet word for their day in their course
(`~e<course>_<YYYYMMDD>`, posts.search_index.artifact_facets), as `commonplace search reindex` would, in SQL.
A search for a course's week asks GIN for its prompts OR its days in the course; a document without the word
would be missed when found by its day. Adding a word twice changes nothing (a tsvector holds each word once).
It rewrites every artifact's document: minutes on a large installation. SQLite's FTS5 has no facet words."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def add_course_day_words(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE search_artifacts AS s SET document = s.document || array_to_tsvector("
        "ARRAY['~e' || a.course_id || '_' || to_char(a.published_at AT TIME ZONE 'UTC', 'YYYYMMDD')]) "
        "FROM posts_artifact AS a WHERE a.id = s.rowid"
    )


class Migration(migrations.Migration):
    dependencies = [("posts", "0012_media_lookup")]
    operations = [migrations.RunPython(add_course_day_words, migrations.RunPython.noop)]
