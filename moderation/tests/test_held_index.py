"""The queue of held comments starts from the partial index on held rows (`comment_held`: the held comments of every
course, few) and then keeps the course's: started from the course, SQLite walked every comment of its artifacts
(600 ms for a course of 100,000 artifacts with nothing held)."""

import pytest
from django.db import connection

from courses.models import Course
from courses.tests.factories import CourseFactory
from moderation.selectors import held, held_comments, held_one
from posts.models import Comment
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


def test_the_queue_holds_each_courses_held_work_and_no_other(course: Course) -> None:
    other = CourseFactory.create()
    here, there = ArtifactFactory.create(course=course), ArtifactFactory.create(course=other)
    waiting = CommentFactory.create(artifact=here, held_reason="links")
    CommentFactory.create(artifact=here)  # not held
    CommentFactory.create(artifact=there, held_reason="links")  # another course's
    removed = CommentFactory.create(artifact=here, held_reason="links")
    Comment.objects.filter(pk=removed.pk).update(removed_at=removed.created_at)
    held_post = ArtifactFactory.create(course=course, held_reason="links")
    items = held(course)
    assert [(i.artifact.pk, i.comment.pk if i.comment else None) for i in items] == [
        (held_post.pk, None),
        (here.pk, waiting.pk),
    ]
    found = held_one(course, "comment", waiting.pk)
    assert found is not None
    assert found.comment == waiting
    assert held_one(course, "comment", removed.pk) is None
    assert held_one(other, "comment", waiting.pk) is None


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's planner, which knows nothing of an empty partial index; PostgreSQL plans from its statistics",
)
def test_sqlite_finds_the_held_comments_through_their_partial_index(course: Course) -> None:
    """SQLite's plan for the course's held comments reads `comment_held` (started from the course, it walked every
    comment of the course's artifacts)."""
    artifact = ArtifactFactory.create(course=course)
    for n in range(30):
        CommentFactory.create(artifact=artifact, held_reason="links" if n == 0 else "")
    sql, params = held_comments(course).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "comment_held" in plan, plan
