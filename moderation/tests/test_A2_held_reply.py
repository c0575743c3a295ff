"""A2 for held comments: replying by id to a held comment you may not see answers exactly as replying to an id
that does not exist (status and words), on the site and through both APIs; its writer and the facilitators,
who see it, are told it waits for a facilitator."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.exceptions import Invalid
from core.formguard import stamp
from courses.models import Course
from courses.tests.factories import EnrollmentFactory
from posts import services as posts_services
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

MISSING = 987654
GONE = "That comment is no longer there to reply to."


@pytest.fixture
def post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(course=course, author=maria, title="Student-led conferences")


@pytest.fixture
def held_comment(course: Course, post: Artifact) -> Comment:
    newcomer = UserFactory.create(username="newbie", date_joined=timezone.now())
    EnrollmentFactory.create(course=course, user=newcomer)
    comment = posts_services.add_comment(artifact=post, author=newcomer, body="See https://x.example.net/y")
    assert comment.held
    return comment


def _normalised(html: str, parent: int) -> str:
    """The page without what differs between any two requests (CSRF tokens, the script nonce, the form's time
    stamp) and with the comment id that was asked for replaced."""
    html = re.sub(r'(name="(?:csrfmiddlewaretoken|rendered)" value=")[^"]*"', r'\1"', html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', html)
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(rf'(name="parent" value="){parent}"', r'\1ID"', html)
    return html.replace(f"reply{parent}_", "replyID_")  # the composer's field ids


def _reply(client: Client, artifact: Artifact, parent: int, body: str) -> tuple[int, str]:
    response = client.post(
        reverse("posts:comment_create", args=[artifact.pk]), {"rendered": stamp(ago=60), "body": body, "parent": parent}
    )
    return response.status_code, _normalised(response.content.decode(), parent)


def test_A2_replying_to_a_held_comment_answers_as_a_missing_one_on_the_site(
    login, post: Artifact, held_comment: Comment, devon: User
) -> None:
    client = login(devon)
    held_status, held_page = _reply(client, post, held_comment.pk, "What did the parents say?")
    missing_status, missing_page = _reply(client, post, MISSING, "What did the parents say?")
    assert held_status == missing_status == 400
    assert GONE in held_page
    assert "waiting for a facilitator" not in held_page.lower()
    assert held_page == missing_page
    assert Comment.objects.filter(author=devon).count() == 0


def test_A2_a_challenging_reply_to_a_held_comment_answers_as_a_missing_one(
    login, post: Artifact, held_comment: Comment, devon: User
) -> None:
    client = login(devon)
    challenge = "That is wrong and the evidence does not support it at all."
    held_status, held_page = _reply(client, post, held_comment.pk, challenge)
    missing_status, missing_page = _reply(client, post, MISSING, challenge)
    assert (held_status, held_page) == (missing_status, missing_page)


def test_A2_replying_to_a_held_comment_answers_as_a_missing_one_in_the_api(
    post: Artifact, held_comment: Comment, devon: User
) -> None:
    api = Client()
    api.force_login(devon)
    url = f"/api/v1/artifacts/{post.pk}/comments"
    held = api.post(url, {"body": "What did they say?", "parent": held_comment.pk}, content_type="application/json")
    missing = api.post(url, {"body": "What did they say?", "parent": MISSING}, content_type="application/json")
    assert held.status_code == missing.status_code == 404
    assert held.content == missing.content
    assert held.json()["error"]["message"] == GONE
    assert held["Content-Type"] == missing["Content-Type"]

    assert Comment.objects.filter(author=devon).count() == 0


def test_A2_the_service_refuses_a_reply_to_a_held_comment_as_a_missing_one_for_who_may_not_see_it(
    post: Artifact, held_comment: Comment, devon: User, george: User
) -> None:
    with pytest.raises(Invalid) as refused:
        posts_services.add_comment(artifact=post, author=devon, body="Hello", parent=held_comment)
    assert refused.value.message == GONE
    # Its writer and the course's facilitators see it, so they are told why.
    for who in (held_comment.author, george):
        with pytest.raises(Invalid) as told:
            posts_services.add_comment(artifact=post, author=who, body="Hello", parent=held_comment)
        assert "waiting for a facilitator" in told.value.message
