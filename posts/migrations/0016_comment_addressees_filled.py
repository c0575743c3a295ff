"""Whom each comment answers, filled in for the comments written before 0015 (see there)."""

from django.db import migrations

# Portable SQL (SQLite and PostgreSQL), one pass over the comments (a top comment's parent is NULL, so is its
# addressee). Run it with the app stopped: a process still running the code before 0015 writes comments without them.
FILL = [
    "UPDATE posts_comment SET"
    " artifact_author_id = (SELECT a.author_id FROM posts_artifact a WHERE a.id = posts_comment.artifact_id),"
    " parent_author_id = (SELECT p.author_id FROM posts_comment p WHERE p.id = posts_comment.parent_id)"
]


class Migration(migrations.Migration):
    dependencies = [("posts", "0015_comment_addressees")]

    operations = [migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop)]
