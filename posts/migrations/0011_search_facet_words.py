"""PostgreSQL: add the facet words (core.search.facet_words, posts.search_index.artifact_facets) to the
documents indexed before they existed, as `commonplace search reindex` would, in SQL. Search asks GIN for
the newest buckets of ids window by window; a document without its bucket words would be missed. Adding
the same words twice changes nothing (a tsvector holds each word once). SQLite's FTS5 has no facet words."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from core import search


def _buckets(column: str) -> str:
    sizes = [search.BUCKET * search.LEVEL_RATIO**level for level in range(search.LEVELS)]
    return ", ".join(f"'~b{level}_' || ({column} / {size})" for level, size in enumerate(sizes))


def add_facet_words(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE search_artifacts AS s SET document = s.document || array_to_tsvector("
        f"ARRAY[{_buckets('s.rowid')}, '~c' || a.course_id, '~a' || a.author_id, "
        "'~d' || to_char(a.published_at AT TIME ZONE 'UTC', 'YYYYMMDD')] "
        "|| CASE WHEN a.prompt_id IS NULL THEN ARRAY[]::text[] ELSE ARRAY['~p' || a.prompt_id] END "
        "|| ARRAY(SELECT '~t' || t.tag_id FROM posts_artifact_tags AS t WHERE t.artifact_id = a.id)) "
        "FROM posts_artifact AS a WHERE a.id = s.rowid"
    )
    for index in ("search_comments", "search_people"):
        schema_editor.execute(
            f"UPDATE {index} SET document = document || array_to_tsvector(ARRAY[{_buckets('rowid')}])"  # noqa: S608
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_search_indexes"), ("posts", "0010_artifact_visibility_covering")]
    operations = [migrations.RunPython(add_facet_words, migrations.RunPython.noop)]
