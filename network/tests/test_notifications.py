"""Notifications: follows and shares (rows), replies and mentions (computed), unread count in the nav, mark all read."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Mute
from core.tests.migrations import migrate_back_to, migrate_to_latest
from network import context_processors, selectors, services
from network.models import Open
from network.selectors import notifications_for, unread_count
from posts import services as post_services
from posts.models import Comment, Visibility
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


def test_the_newest_replies_from_both_sides_interleaved(maria, devon, george, course) -> None:
    """More replies than the page holds, on the person's work and to their comments (one both at once): the newest
    `limit` of all, newest first, each once, read from the two indexes of whom a comment answers."""
    start = timezone.now() - dt.timedelta(days=1)
    work = ArtifactFactory.create(course=course, author=maria)
    others = ArtifactFactory.create(course=course, author=george)
    mine_there = CommentFactory.create(artifact=others, author=maria, created_at=start)
    mine_here = CommentFactory.create(artifact=work, author=maria, created_at=start)
    expected = []
    for minute in range(1, 13):
        when = start + dt.timedelta(minutes=minute)
        if minute % 3 == 0:  # on her work and answering her comment: one notification
            reply = CommentFactory.create(artifact=work, author=devon, parent=mine_here, created_at=when)
        elif minute % 2:
            reply = CommentFactory.create(artifact=others, author=devon, parent=mine_there, created_at=when)
        else:
            reply = CommentFactory.create(artifact=work, author=george, created_at=when)
        expected.append(reply.pk)
    CommentFactory.create(artifact=others, author=devon, created_at=start + dt.timedelta(minutes=30))  # not to her
    found = [item.comment.pk for item in notifications_for(maria, limit=5) if item.comment is not None]
    assert found == expected[::-1][:5]
    assert [item.comment.pk for item in notifications_for(maria, limit=50) if item.comment] == expected[::-1]


def test_a_comment_records_whom_it_answers(maria, devon, george, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    top = post_services.add_comment(artifact=work, author=devon, body="Which chapter was this?")
    reply = post_services.add_comment(artifact=work, author=george, body="Chapter two, I think.", parent=top)
    again = post_services.add_comment(artifact=work, author=maria, body="Yes, two.", parent=reply)  # joins top's thread
    assert (top.artifact_author_id, top.parent_author_id) == (maria.pk, None)
    assert (reply.artifact_author_id, reply.parent_author_id) == (maria.pk, devon.pk)
    assert (again.parent_id, again.parent_author_id) == (top.pk, devon.pk)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_whom_comments_written_before_it_answer() -> None:
    old = migrate_back_to("posts", "0014_artifact_newest_author")
    user, course_model = old.get_model("accounts", "User"), old.get_model("courses", "Course")
    maria, devon, george = (
        user.objects.create(username=name, email=f"{name}@example.org", notification_email="")
        for name in ("maria", "devon", "george")
    )
    course = course_model.objects.create(title="C", slug="c", hashtag="#C", start_date=dt.date(2026, 9, 1))
    artifact_model, comment_model = old.get_model("posts", "Artifact"), old.get_model("posts", "Comment")
    work = artifact_model.objects.create(author=maria, course=course, title="T", body="", body_html="")
    theirs = artifact_model.objects.create(author=george, course=course, title="U", body="", body_html="")
    top = comment_model.objects.create(artifact=work, author=devon, body="?", body_html="")
    reply = comment_model.objects.create(artifact=work, author=george, parent=top, body="!", body_html="")
    elsewhere = comment_model.objects.create(artifact=theirs, author=maria, body="Hm", body_html="")
    migrate_to_latest()
    assert set(Comment.objects.values_list("pk", "artifact_author_id", "parent_author_id")) == {
        (top.pk, maria.pk, None),
        (reply.pk, maria.pk, devon.pk),
        (elsewhere.pk, george.pk, None),
    }
