"""Schemathesis against the OpenAPI schema, as two people (F1, F2 of SECURITY-TESTS.md): no 5xx, every response
matches the schema, and person B never reads or changes person A's private things."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.models import User
from api import services
from api.rest import api as rest_api
from courses.models import Course
from posts.models import Artifact, Visibility
from posts.tests.factories import ArtifactFactory

PRIVATE_TITLE = "Maria's private draft about her principal"
MEMBERS_TITLE = "Maria's members-only reflection"


# The schema the site serves, called in-process through the WSGI application (no server, no network).
schema = schemathesis.openapi.from_dict(rest_api.get_openapi_schema())
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _no_rate_limits(settings: Any) -> None:
    settings.API_RATE = settings.API_RATE_ANONYMOUS = "100000/m"


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, which on PostgreSQL would end the
    test's transaction; Django's own test client unhooks the same signal for the same reason."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def people(course: Course, maria: User, outsider: User) -> dict[str, Any]:
    """Person A (maria, in the course) with a draft and a members-only post; person B (an outsider); each
    with a token that can read, write and facilitate."""
    draft = ArtifactFactory.create(course=course, author=maria, title=PRIVATE_TITLE, visibility=Visibility.DRAFT)
    members = ArtifactFactory.create(course=course, author=maria, title=MEMBERS_TITLE, visibility=Visibility.COURSE)
    _, a_secret = services.create_token(user=maria, name="a", scopes=["read", "write", "facilitate"])
    _, b_secret = services.create_token(user=outsider, name="b", scopes=["read", "write", "facilitate"])
    return {
        "draft": draft,
        "members": members,
        "a": {"Authorization": f"Bearer {a_secret}"},
        "b": {"Authorization": f"Bearer {b_secret}"},
    }


def _check_never_leaks(response: Any) -> None:
    body = response.text if hasattr(response, "text") else response.content.decode()
    assert PRIVATE_TITLE not in body, "person B read person A's draft"
    assert MEMBERS_TITLE not in body, "person B read a course-only post of a course they are not in"


@schema.parametrize()
@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_F1_the_api_as_person_a(case: Any, people: dict[str, Any]) -> None:
    """The first of the two people: the author of the private posts, in the course, with her own token."""
    response = case.call(headers=people["a"])
    assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}"
    assert response.status_code != 401, "a valid token was refused: the run would test nothing (missing_auth)"
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


@schema.parametrize()
@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_F1_F2_the_api_as_person_b(case: Any, people: dict[str, Any]) -> None:
    response = case.call(headers=people["b"])
    assert response.status_code < 500, f"{case.method} {case.formatted_path} → {response.status_code}"
    assert response.status_code != 401, "a valid token was refused: the run would test nothing (missing_auth)"
    # Every check but "valid data is accepted": a schema-valid request can still meet a rule of the
    # domain (a taken course address, a week that exists), which answers 400 with its reason.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    _check_never_leaks(response)
    draft, members = people["draft"], people["members"]
    for kept in (draft, members):
        row = Artifact.objects.filter(pk=kept.pk).first()
        assert row is not None, "person B deleted person A's post"
        assert (row.title, row.visibility) == (kept.title, kept.visibility), "person B changed person A's post"


# The same promise checked on purpose rather than by chance: every operation on one artifact, pointed at
# person A's draft and members-only post, answers person B exactly as for an artifact that does not exist.

ARTIFACT_OPERATIONS = [
    ("get", "/api/v1/artifacts/{pk}", None),
    ("patch", "/api/v1/artifacts/{pk}", {"title": "Changed by B"}),
    ("delete", "/api/v1/artifacts/{pk}", None),
    ("get", "/api/v1/artifacts/{pk}/comments", None),
    ("post", "/api/v1/artifacts/{pk}/comments", {"body": "B was here"}),
    ("post", "/api/v1/artifacts/{pk}/share", {"note": "B shares it"}),
    ("delete", "/api/v1/artifacts/{pk}/share", None),
]


@pytest.mark.django_db
def test_F2_every_operation_on_a_private_artifact_answers_b_as_if_it_were_missing(people: dict[str, Any]) -> None:
    client = Client()
    for method, path, body in ARTIFACT_OPERATIONS:
        missing = getattr(client, method)(
            path.format(pk=999_999), body, content_type="application/json", headers=people["b"]
        )
        for kept in (people["draft"], people["members"]):
            response = getattr(client, method)(
                path.format(pk=kept.pk), body, content_type="application/json", headers=people["b"]
            )
            assert (response.status_code, response.content) == (missing.status_code, missing.content), path
            assert response.status_code == 404
            _check_never_leaks(response)
    for kept in (people["draft"], people["members"]):
        row = Artifact.objects.get(pk=kept.pk)
        assert (row.title, row.visibility) == (kept.title, kept.visibility)
        assert not row.comments.exists()


@pytest.mark.django_db
def test_F2_b_cannot_change_a_s_comment_feed_or_course(people: dict[str, Any], course: Course, maria: User) -> None:
    """Person A's things that B can see or name, other than posts: a comment on a public post, a blog feed,
    the course. Every write B tries is refused (403, or 404 where B may not know it) and changes nothing."""
    from posts.models import Comment
    from posts.tests.factories import CommentFactory
    from syndication.models import Feed

    public = ArtifactFactory.create(course=course, author=maria, title="Public", visibility=Visibility.PUBLIC)
    comment = CommentFactory.create(artifact=public, author=maria, body="A's comment")
    feed = Feed.objects.create(course=course, owner=maria, url="https://maria.example.org/feed")
    before = (course.title, course.hashtag)
    client = Client()
    attempts = [
        ("patch", f"/api/v1/comments/{comment.pk}", {"body": "Changed by B"}),
        ("delete", f"/api/v1/comments/{comment.pk}", None),
        ("get", f"/api/v1/feeds/{feed.pk}", None),
        ("delete", f"/api/v1/feeds/{feed.pk}", None),
        ("post", f"/api/v1/feeds/{feed.pk}/check", None),
        ("patch", f"/api/v1/courses/{course.slug}", {"title": "Taken over by B"}),
        (
            "put",
            f"/api/v1/courses/{course.slug}/weeks/1",
            {"number": 1, "title": "B's week", "starts_on": "2026-01-05", "ends_on": "2026-01-11"},
        ),
    ]
    for method, path, body in attempts:
        response = getattr(client, method)(path, body, content_type="application/json", headers=people["b"])
        assert response.status_code in (403, 404), f"{method} {path} → {response.status_code}"
    comment = Comment.objects.get(pk=comment.pk)
    assert (comment.body, comment.removed_at) == ("A's comment", None)
    assert Feed.objects.filter(pk=feed.pk, owner=maria).exists()
    course.refresh_from_db()
    assert (course.title, course.hashtag) == before
