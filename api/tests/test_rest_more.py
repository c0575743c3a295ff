"""The rest of the REST API: live-session questions, blogs (feeds), editing and removing comments, insights."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from accounts.models import User
from courses.models import Course, LiveQuestion, MemberRole
from courses.tests.factories import LiveSessionFactory
from posts.models import Comment
from posts.tests.factories import ArtifactFactory, CommentFactory
from syndication.models import Feed

from .conftest import TokenClient

pytestmark = pytest.mark.django_db
Api = Callable[..., TokenClient]
LIVE = "/api/v1/courses/{slug}/weeks/1/live/questions"


@pytest.fixture
def live(course: Course) -> str:
    LiveSessionFactory.create(week=course.weeks.get(number=1), starts_at=timezone.now() + dt.timedelta(days=1))
    return LIVE.format(slug=course.slug)


def test_members_send_questions_vote_once_each_and_facilitators_mark_them_answered(
    api_as: Api, live: str, maria: User, devon: User, george: User
) -> None:
    asked = api_as(maria).post(live, {"text": "How do you start with a skeptical staff?"})
    assert asked.status_code == 201
    pk = asked.json()["id"]
    assert api_as(maria).post(f"{live}/{pk}/vote").status_code == 400  # not your own
    devon_api = api_as(devon)
    assert devon_api.post(f"{live}/{pk}/vote").json() == {"voted": True}
    listed = devon_api.get(live).json()
    assert (listed[0]["votes"], listed[0]["voted"]) == (1, True)
    assert devon_api.post(f"{live}/{pk}/vote").json() == {"voted": False}  # taken back
    assert api_as(devon, "facilitate").post(f"{live}/{pk}/answered", {"answered": True}).status_code == 403
    assert api_as(george, "facilitate").post(f"{live}/{pk}/answered", {"answered": True}).status_code == 204
    assert LiveQuestion.objects.get().answered_at is not None


def test_outsiders_cannot_read_or_send_questions(api_as: Api, live: str, outsider: User) -> None:
    client = api_as(outsider)
    assert client.get(live).status_code == 403
    assert client.post(live, {"text": "Let me in?"}).status_code == 403
    assert not LiveQuestion.objects.exists()


def test_a_week_without_a_live_session_says_so(api_as: Api, course: Course, maria: User) -> None:
    response = api_as(maria).get(LIVE.format(slug=course.slug))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Week 1 has no live session."


def test_register_see_check_and_remove_your_blog(
    api_as: Api, course: Course, maria: User, devon: User, settings
) -> None:
    settings.HARVEST_ON_REGISTER = False
    client = api_as(maria)
    made = client.post(f"/api/v1/courses/{course.slug}/feeds", {"url": "https://maria.example.org/feed.xml"})
    assert made.status_code == 201
    pk = made.json()["id"]
    assert made.json()["status"] == "active"
    assert [f["url"] for f in client.get("/api/v1/me/feeds").json()] == ["https://maria.example.org/feed.xml"]
    again = client.post(f"/api/v1/courses/{course.slug}/feeds", {"url": "https://maria.example.org/feed.xml"})
    assert again.status_code == 400
    assert api_as(devon).get(f"/api/v1/feeds/{pk}").status_code == 404  # not devon's blog
    assert api_as(devon).delete(f"/api/v1/feeds/{pk}").status_code == 404
    assert client.post(f"/api/v1/feeds/{pk}/check").status_code == 202
    assert client.delete(f"/api/v1/feeds/{pk}").status_code == 204
    assert not Feed.objects.exists()


def test_a_facilitator_sees_the_blogs_of_their_course(api_as: Api, course: Course, maria: User, george: User) -> None:
    pk = api_as(maria).post(f"/api/v1/courses/{course.slug}/feeds", {"url": "https://m.example.org/rss"}).json()["id"]
    assert course.enrollments.get(user=george).role == MemberRole.FACILITATOR
    assert api_as(george).get(f"/api/v1/feeds/{pk}").json()["owner"] == "maria"


def test_edit_your_comment_and_remove_it(api_as: Api, course: Course, maria: User, devon: User, george: User) -> None:
    post = ArtifactFactory.create(course=course, author=maria)
    comment = CommentFactory.create(artifact=post, author=devon, body="First thought")
    assert api_as(maria).patch(f"/api/v1/comments/{comment.pk}", {"body": "Not mine"}).status_code == 403
    edited = api_as(devon).patch(f"/api/v1/comments/{comment.pk}", {"body": "Why did you choose it?"})
    assert edited.json()["edited"] is True
    assert edited.json()["tone"] == "question"
    assert api_as(maria).delete(f"/api/v1/comments/{comment.pk}").status_code == 403
    assert api_as(george).delete(f"/api/v1/comments/{comment.pk}").status_code == 204  # a facilitator may
    assert Comment.objects.get().removed_at is not None
    assert api_as(devon).patch(f"/api/v1/comments/{comment.pk}", {"body": "Back?"}).status_code == 404


def test_my_insights_are_the_dashboards_numbers(api_as: Api, course: Course, maria: User, devon: User) -> None:
    post = ArtifactFactory.create(course=course, author=maria)
    CommentFactory.create(artifact=post, author=devon)
    body = api_as(maria, "read").get("/api/v1/me/insights").json()
    assert body["reflection"]
    assert [s["course"] for s in body["streaks"]] == [course.slug]
    assert isinstance(body["numbers"], dict)
    assert api_as(None).get("/api/v1/me/insights").status_code == 401


@pytest.mark.django_db
def test_F1_a_nul_character_in_any_text_is_refused_as_invalid_not_a_server_error(course, maria) -> None:
    """PostgreSQL's text cannot hold NUL: sent anyway (the fuzzer did), it is a 422 like any invalid field."""
    from django.test import Client

    from api import services as api_services

    _, secret = api_services.create_token(user=maria, name="t", scopes=["read", "write"])
    client = Client()
    for body in (
        {"course": "imm\x00ooc", "kind": "post", "title": "t", "body": "b"},
        {"course": course.slug, "kind": "post", "title": "t\x00", "body": "b"},
    ):
        response = client.post(
            "/api/v1/artifacts", body, content_type="application/json", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 422, response.content
        assert "NUL" in response.content.decode()
