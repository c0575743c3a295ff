"""A7 of SECURITY-TESTS.md through the API: once a post's comment window has closed, a comment or a reply is
refused server-side with a message saying why, and an existing comment can no longer be edited. (The web
form and a replayed old form are in posts/tests/test_comments.py.)"""

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from accounts.models import User
from courses.models import Course
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory

from .conftest import TokenClient

Api = Callable[..., TokenClient]


def _closed(post: Artifact) -> None:
    """Move the post back past the course's comment window (14 days)."""
    Artifact.objects.filter(pk=post.pk).update(published_at=timezone.now() - dt.timedelta(days=30))


def test_A7_a_comment_after_the_window_is_refused_with_the_reason(
    api_as: Api, course: Course, maria: User, devon: User
) -> None:
    post = ArtifactFactory.create(course=course, author=maria, title="Week 1")
    earlier = api_as(devon).post(f"/api/v1/artifacts/{post.pk}/comments", {"body": "Thank you for this."})
    assert earlier.status_code == 201
    _closed(post)

    late = api_as(devon).post(f"/api/v1/artifacts/{post.pk}/comments", {"body": "Late to the party."})
    reply = api_as(devon).post(
        f"/api/v1/artifacts/{post.pk}/comments", {"body": "And a reply.", "parent": earlier.json()["id"]}
    )

    for refused in (late, reply):
        assert refused.status_code == 403
        assert "closed" in refused.json()["error"]["message"].lower()
    assert list(Comment.objects.filter(artifact=post).values_list("body", flat=True)) == ["Thank you for this."]


def test_A7_an_existing_comment_cannot_be_edited_after_the_window(
    api_as: Api, course: Course, maria: User, devon: User
) -> None:
    post = ArtifactFactory.create(course=course, author=maria, title="Week 1")
    made = api_as(devon).post(f"/api/v1/artifacts/{post.pk}/comments", {"body": "First thoughts."})
    assert made.status_code == 201
    _closed(post)

    edited = api_as(devon).patch(f"/api/v1/comments/{made.json()['id']}", {"body": "Second thoughts."})

    assert edited.status_code == 403
    assert "closed" in edited.json()["error"]["message"].lower()
    assert Comment.objects.get(pk=made.json()["id"]).body == "First thoughts."


def test_A7_within_the_window_the_same_calls_succeed(api_as: Api, course: Course, maria: User, devon: User) -> None:
    """The control: the refusals above come from the window, not from the calls."""
    post = ArtifactFactory.create(course=course, author=maria, title="Week 1")
    made = api_as(devon).post(f"/api/v1/artifacts/{post.pk}/comments", {"body": "First thoughts."})
    edited = api_as(devon).patch(f"/api/v1/comments/{made.json()['id']}", {"body": "Second thoughts."})
    assert (made.status_code, edited.status_code) == (201, 200)
