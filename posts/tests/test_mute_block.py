"""Mutes leave people out of the muter's lists and fold their comments; blocks hide both ways and refuse replies."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Block, Mute, User
from core.exceptions import NotAllowed
from core.formguard import stamp
from courses.models import Course, Prompt
from posts import services
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory, CommentFactory

SHOWN = stamp(ago=60)  # the comment form was shown a minute ago (core.formguard)


@pytest.fixture
def devons_post(course: Course, devon: User, prompt: Prompt) -> Artifact:
    post = ArtifactFactory.create(course=course, author=devon, title="Devon on genius hour", prompt=prompt)
    post.tags.create(name="geniushour")
    return post


def _list_urls(course: Course) -> list[str]:
    return [
        reverse("network:stream", args=[course.slug]),
        reverse("posts:course", args=[course.slug]),
        reverse("posts:week", args=[course.slug, 1]),
        reverse("posts:prompt", args=[course.slug, 1, 1]),
        reverse("posts:tag", args=["geniushour"]),
    ]


def _expire(mute: Mute) -> None:
    """Advance the clock for one mute: its `until` is now in the past."""
    Mute.objects.filter(pk=mute.pk).update(until=timezone.now() - dt.timedelta(minutes=1))


# Mute


def test_muted_artifacts_leave_the_muters_lists(login, course: Course, maria: User, devon: User, devons_post) -> None:
    client = login(maria)
    for url in _list_urls(course):
        assert "Devon on genius hour" in client.get(url).content.decode(), url
    mute = accounts_services.mute(muter=maria, muted=devon, days=7)
    for url in _list_urls(course):
        assert "Devon on genius hour" not in client.get(url).content.decode(), url
    # Their own pages stay reachable.
    assert client.get(devons_post.get_absolute_url()).status_code == 200
    assert "Devon on genius hour" in client.get(devon.get_absolute_url()).content.decode()
    _expire(mute)
    for url in _list_urls(course):
        assert "Devon on genius hour" in client.get(url).content.decode(), url


def test_muted_comments_collapse_with_an_unmute_button(
    login, public_post: Artifact, maria: User, devon: User, valid_html
) -> None:
    CommentFactory.create(artifact=public_post, author=devon, body="Devon's thought on this")
    accounts_services.mute(muter=maria, muted=devon, days=None)
    response = login(maria).get(public_post.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert "Devon&#x27;s thought on this" not in html
    assert "Hidden — you muted @devon" in html
    assert reverse("accounts:unmute", args=["devon"]) in html


def test_the_muted_person_sees_no_difference(
    login, course: Course, public_post: Artifact, maria: User, devon: User, devons_post
) -> None:
    CommentFactory.create(artifact=public_post, author=devon, body="Devon's thought on this")
    client = login(devon)
    before = {url: client.get(url).content.decode() for url in [*_list_urls(course), public_post.get_absolute_url()]}
    accounts_services.mute(muter=maria, muted=devon, days=30)
    for url, html in before.items():
        after = client.get(url).content.decode()
        assert _without_tokens(after) == _without_tokens(html), url


def _without_tokens(html: str) -> str:
    """The page without its per-request CSRF tokens, CSP nonces and form stamps (core.formguard)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'name="rendered" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_mute_forms_on_comments_artifact_and_person_pages(
    login, public_post: Artifact, maria: User, devon: User, valid_html
) -> None:
    CommentFactory.create(artifact=public_post, author=maria, body="Maria's comment")
    client = login(devon)
    mute_maria = reverse("accounts:mute", args=["maria"])
    artifact_page = client.get(public_post.get_absolute_url())
    valid_html(artifact_page.content)
    assert artifact_page.content.decode().count(f'action="{mute_maria}"') == 2  # the artifact, and her comment
    person_page = client.get(maria.get_absolute_url())
    valid_html(person_page.content)
    assert f'action="{mute_maria}"' in person_page.content.decode()
    assert reverse("accounts:mute", args=["devon"]) not in client.get(devon.get_absolute_url()).content.decode()


def test_mute_from_a_comment_comes_back_to_the_page(login, public_post: Artifact, maria: User, devon: User) -> None:
    CommentFactory.create(artifact=public_post, author=maria)
    path = public_post.get_absolute_url()
    response = login(devon).post(reverse("accounts:mute", args=["maria"]), {"days": "7", "next": path})
    assert response["Location"] == path
    html = login(devon).get(path).content.decode()
    assert "Hidden — you muted @maria" in html
    assert "You muted @maria" in html


def test_expired_mute_brings_comments_back(login, public_post: Artifact, maria: User, devon: User) -> None:
    CommentFactory.create(artifact=public_post, author=devon, body="Back again")
    mute = accounts_services.mute(muter=maria, muted=devon, days=1)
    assert "Back again" not in login(maria).get(public_post.get_absolute_url()).content.decode()
    _expire(mute)
    assert "Back again" in login(maria).get(public_post.get_absolute_url()).content.decode()


def test_muted_people_can_still_be_replied_to(login, public_post: Artifact, maria: User, devon: User) -> None:
    top = CommentFactory.create(artifact=public_post, author=devon)
    accounts_services.mute(muter=maria, muted=devon, days=7)
    response = login(maria).post(
        reverse("posts:comment_create", args=[public_post.pk]), {"rendered": SHOWN, "body": "Thanks!", "parent": top.pk}
    )
    assert response.status_code == 302


# Block


def test_block_hides_comments_both_ways(
    login, course: Course, maria: User, devon: User, george: User, valid_html
) -> None:
    georges_post = ArtifactFactory.create(course=course, author=george, title="George's post")
    top_by_devon = CommentFactory.create(artifact=georges_post, author=devon, body="Devon writes")
    CommentFactory.create(artifact=georges_post, author=maria, body="Maria writes")
    CommentFactory.create(artifact=georges_post, author=george, parent=top_by_devon, body="George answers Devon")
    Block.objects.create(blocker=maria, blocked=devon)
    maria_sees = login(maria).get(georges_post.get_absolute_url())
    valid_html(maria_sees.content)
    html = maria_sees.content.decode()
    assert "Devon writes" not in html
    assert "George answers Devon" in html  # the thread keeps its place
    assert "This comment is not shown." in html
    html = login(devon).get(georges_post.get_absolute_url()).content.decode()
    assert "Maria writes" not in html
    assert "Devon writes" in html
    html = login(george).get(georges_post.get_absolute_url()).content.decode()
    assert "Maria writes" in html
    assert "Devon writes" in html


def test_block_refuses_comments_both_ways(course: Course, maria: User, devon: User) -> None:
    marias_post = ArtifactFactory.create(course=course, author=maria)
    devons_post = ArtifactFactory.create(course=course, author=devon)
    Block.objects.create(blocker=maria, blocked=devon)
    with pytest.raises(NotAllowed):
        services.add_comment(artifact=marias_post, author=devon, body="Hello")
    with pytest.raises(NotAllowed):
        services.add_comment(artifact=devons_post, author=maria, body="Hello")
    assert not Comment.objects.exists()


def test_block_refuses_replies_to_the_blocked_persons_comment(
    login, course: Course, maria: User, devon: User, george: User
) -> None:
    georges_post = ArtifactFactory.create(course=course, author=george)
    by_devon = CommentFactory.create(artifact=georges_post, author=devon)
    by_george = CommentFactory.create(artifact=georges_post, author=george, parent=by_devon)
    Block.objects.create(blocker=devon, blocked=maria)
    with pytest.raises(NotAllowed):
        services.add_comment(artifact=georges_post, author=maria, body="Hi", parent=by_devon)
    with pytest.raises(NotAllowed):  # a reply to a reply joins the blocked person's thread
        services.add_comment(artifact=georges_post, author=maria, body="Hi", parent=by_george)
    response = login(maria).post(
        reverse("posts:comment_create", args=[georges_post.pk]),
        {"rendered": SHOWN, "body": "Hi", "parent": by_devon.pk},
    )
    assert response.status_code == 403
    assert Comment.objects.count() == 2
    services.add_comment(artifact=georges_post, author=maria, body="Fine at the top")


def test_mute_page_get_changes_nothing(login, maria: User, devon: User) -> None:
    client: Client = login(maria)
    assert client.get(reverse("accounts:mute", args=["devon"])).status_code == 200
    assert not Mute.objects.exists()
