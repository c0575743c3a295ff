"""Notifications: follows and shares (rows), replies and mentions (computed), unread count in the nav, mark all read."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Mute
from network import context_processors, selectors, services
from network.models import Open
from network.selectors import notifications_for, unread_count
from posts.models import Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


def _texts(user) -> list[str]:
    return [f"{item.actor.name if item.actor else ''} {item.text}" for item in notifications_for(user)]


def test_follow_share_and_replies_newest_first(maria, devon, george, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria, title="My lesson")
    services.follow(follower=devon, followee=maria)
    Open.objects.create(user=george, artifact=work)
    services.share(sharer=george, artifact=work)
    CommentFactory.create(artifact=work, author=devon)
    others = ArtifactFactory.create(course=course, author=george)
    mine = CommentFactory.create(artifact=others, author=maria, created_at=timezone.now() - dt.timedelta(hours=1))
    CommentFactory.create(artifact=others, author=devon, parent=mine)
    CommentFactory.create(artifact=work, author=maria)  # one's own comment is no notification
    assert _texts(maria) == [
        "Devon Clarke replied to your comment on",
        "Devon Clarke replied to your work",
        "George shared your work",
        "Devon Clarke followed you",
    ]
    assert unread_count(maria) == 4


def test_removed_replies_are_left_out(maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    CommentFactory.create(artifact=work, author=devon, removed_at=timezone.now())
    assert notifications_for(maria) == []
    assert unread_count(maria) == 0


def test_mark_all_read_covers_replies(login, maria, devon, course, valid_html) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    services.follow(follower=devon, followee=maria)
    CommentFactory.create(artifact=work, author=devon)
    client = login(maria)
    response = client.get(reverse("network:notifications"))
    valid_html(response.content)
    assert "Notifications (2 unread)" in response.content.decode()
    assert client.get(reverse("network:mark_read")).status_code == 405
    client.post(reverse("network:mark_read"))
    assert unread_count(maria) == 0
    assert not any(item.unread for item in notifications_for(maria))
    assert "unread)" not in client.get(reverse("network:notifications")).content.decode()
    CommentFactory.create(artifact=work, author=devon)
    assert unread_count(maria) == 1


def test_muted_person_absent_from_notifications_and_count_while_the_mute_lasts(maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    services.follow(follower=devon, followee=maria)
    CommentFactory.create(artifact=work, author=devon)
    mute = Mute.objects.create(muter=maria, muted=devon)
    assert notifications_for(maria) == []
    assert unread_count(maria) == 0
    mute.until = timezone.now() - dt.timedelta(minutes=1)
    mute.save()
    assert unread_count(maria) == 2


def test_muted_person_sees_no_difference(maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=devon)
    services.follow(follower=maria, followee=devon)
    CommentFactory.create(artifact=work, author=maria)
    before = _texts(devon)
    Mute.objects.create(muter=maria, muted=devon)
    assert _texts(devon) == before
    assert len(before) == 2


def test_blocked_never_notify_in_either_direction(maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    services.follow(follower=devon, followee=maria)
    CommentFactory.create(artifact=work, author=devon)
    Block.objects.create(blocker=devon, blocked=maria)
    assert notifications_for(maria) == []
    assert unread_count(maria) == 0


def test_replies_on_work_the_person_can_no_longer_see_are_left_out(maria, devon, course) -> None:
    theirs = ArtifactFactory.create(course=course, author=devon, visibility=Visibility.COURSE)
    mine = CommentFactory.create(artifact=theirs, author=maria)
    CommentFactory.create(artifact=theirs, author=devon, parent=mine)
    assert unread_count(maria) == 1
    course.enrollments.filter(user=maria).delete()
    assert unread_count(maria) == 0
    assert notifications_for(maria) == []


def test_nav_unread_count_includes_mentions_as_the_notifications_page_does(login, maria, devon, george, course) -> None:
    theirs = ArtifactFactory.create(course=course, author=george, body="Ideas from @maria.")
    CommentFactory.create(artifact=theirs, author=devon, body="@maria what do you think?")
    CommentFactory.create(artifact=theirs, author=devon, body="@mariana and maria@example.org are not her")
    assert unread_count(maria) == 2 == sum(item.unread for item in notifications_for(maria))
    client = login(maria)
    assert "Notifications (2 unread)" in client.get(reverse("courses:list")).content.decode()
    client.post(reverse("network:mark_read"))
    assert unread_count(maria) == 0
    CommentFactory.create(artifact=theirs, author=devon, body="Still keen to hear from you, @Maria")
    assert unread_count(maria) == 1 == sum(item.unread for item in notifications_for(maria))
    Mute.objects.create(muter=maria, muted=devon)
    assert unread_count(maria) == 0


@pytest.mark.parametrize("mentions", [1, 10])
def test_nav_shows_unread_count_cheaply(login, maria, devon, course, django_assert_max_num_queries, mentions) -> None:
    services.follow(follower=devon, followee=maria)
    CommentFactory.create(artifact=ArtifactFactory.create(course=course, author=maria), author=devon)
    for n in range(mentions):
        theirs = ArtifactFactory.create(course=course, author=devon, body=f"Idea {n} for @maria")
        CommentFactory.create(artifact=theirs, author=devon, body="What do you think, @maria?")
    client = login(maria)
    # session, user, the course list; the unread count: keyword filters, last read, stored rows and replies,
    # mentions (the recorded ones, then comments and artifacts)
    with django_assert_max_num_queries(11):  # and the viewer's courses, blocks and mutes (core.scope)
        response = client.get(reverse("courses:list"))
    assert f"Notifications ({2 + 2 * mentions} unread)" in response.content.decode()


def test_notifications_need_login(client) -> None:
    assert client.get(reverse("network:notifications")).status_code == 302
    assert client.post(reverse("network:mark_read")).status_code == 302


def test_empty_notifications_page(login, maria, valid_html) -> None:
    response = login(maria).get(reverse("network:notifications"))
    valid_html(response.content)
    assert "No notifications yet." in response.content.decode()


@pytest.mark.django_db
def test_the_unread_count_stops_at_the_cap_and_the_nav_says_so(client, maria, devon, course, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "UNREAD_CAP", 3)
    monkeypatch.setattr(context_processors, "UNREAD_CAP", 3)
    work = ArtifactFactory.create(course=course, author=maria)
    CommentFactory.create(artifact=work, author=devon, body="First")
    client.force_login(maria)
    assert "(1 unread)" in client.get("/").content.decode()
    for n in range(4):
        CommentFactory.create(artifact=work, author=devon, body=f"More {n}")
    assert selectors.unread_count(maria) == 3
    assert "(3+ unread)" in client.get("/").content.decode()
