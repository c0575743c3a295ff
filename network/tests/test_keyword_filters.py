"""Keyword filters on the home timeline and in notifications."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import FilterAction, KeywordFilter
from accounts.services_filters import add_filter
from network import services
from network.models import Open
from network.selectors import home_timeline, notifications_for, unread_count
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


def _titles(timeline) -> list[str]:
    return [item.artifact.title for item in timeline.items]


def test_hiding_filter_removes_matches_from_home(maria, devon, course) -> None:
    services.follow(follower=maria, followee=devon)
    ArtifactFactory.create(course=course, author=devon, title="Kept", body="reading")
    ArtifactFactory.create(course=course, author=devon, title="Gone", body="All about **grading**.")
    add_filter(owner=maria, phrase="grading", contexts=["home"], action=FilterAction.HIDE)
    assert _titles(home_timeline(maria)) == ["Kept"]


def test_home_filter_does_not_apply_when_set_for_other_places_or_expired(maria, devon, course) -> None:
    services.follow(follower=maria, followee=devon)
    ArtifactFactory.create(course=course, author=devon, title="Grading")
    found = add_filter(owner=maria, phrase="grading", contexts=["courses"], action=FilterAction.HIDE)
    assert _titles(home_timeline(maria)) == ["Grading"]
    KeywordFilter.objects.filter(pk=found.pk).update(in_home=True)
    assert _titles(home_timeline(maria)) == []
    KeywordFilter.objects.filter(pk=found.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _titles(home_timeline(maria)) == ["Grading"]


def test_warning_filter_folds_the_home_item(login, maria, devon, course, valid_html) -> None:
    services.follow(follower=maria, followee=devon)
    work = ArtifactFactory.create(course=course, author=devon, title="On grading")
    Open.objects.create(user=devon, artifact=work)
    services.share(sharer=devon, artifact=work, note="worth it")
    add_filter(owner=maria, phrase="grading", contexts=["home"])
    items = home_timeline(maria).items
    assert [getattr(i.artifact, "filtered_by", "") for i in items] == ["grading"]
    response = login(maria).get(reverse("network:home"))
    valid_html(response.content)
    text = response.content.decode()
    assert "Filtered: “grading” — show anyway" in text
    assert text.index("Filtered: “grading”") < text.index("worth it")  # the share note is folded too


def test_home_pages_fill_past_hidden_items_without_skips_or_repeats(maria, devon, course) -> None:
    services.follow(follower=maria, followee=devon)
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(30):
        title = f"Post {n:02d} " + ("grading" if n % 2 else "reading")
        ArtifactFactory.create(course=course, author=devon, title=title, published_at=start + dt.timedelta(minutes=n))
    add_filter(owner=maria, phrase="grading", contexts=["home"], action=FilterAction.HIDE)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        timeline = home_timeline(maria, cursor=cursor, limit=5)
        assert len(timeline.items) == 5 or timeline.next_cursor is None
        seen += _titles(timeline)
        cursor = timeline.next_cursor
        if cursor is None:
            break
    assert seen == [f"Post {n:02d} reading" for n in range(28, -1, -2)]


def test_home_without_filters_keeps_its_pages(maria, devon, course) -> None:
    services.follow(follower=maria, followee=devon)
    for n in range(7):
        ArtifactFactory.create(course=course, author=devon, title=f"P{n}")
    first = home_timeline(maria, limit=5)
    assert len(first.items) == 5
    rest = home_timeline(maria, cursor=first.next_cursor, limit=5)
    assert len(rest.items) == 2
    assert rest.next_cursor is None


def test_notifications_hide_and_warn_on_comment_and_artifact_text(login, maria, devon, course, valid_html) -> None:
    work = ArtifactFactory.create(course=course, author=maria, title="My lesson on grading")
    CommentFactory.create(artifact=work, author=devon, body="Homework helps")
    CommentFactory.create(artifact=work, author=devon, body="Nice one")
    Open.objects.create(user=devon, artifact=work)
    services.share(sharer=devon, artifact=work)
    services.follow(follower=devon, followee=maria)
    add_filter(owner=maria, phrase="homework", contexts=["notifications"], action=FilterAction.HIDE)
    add_filter(owner=maria, phrase="grading", contexts=["notifications"])
    items = notifications_for(maria)
    # Replies are matched on the comment's text and the artifact's title, the share on the artifact.
    assert sorted((i.text, i.filtered_by) for i in items) == [
        ("followed you", ""),
        ("replied to your work", "grading"),
        ("shared your work", "grading"),
    ]
    response = login(maria).get(reverse("network:notifications"))
    valid_html(response.content)
    text = response.content.decode()
    assert "Filtered: “grading” — show anyway" in text
    assert "Homework" not in text


def test_notifications_filters_apply_only_when_chosen(maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    CommentFactory.create(artifact=work, author=devon, body="Homework helps")
    add_filter(owner=maria, phrase="homework", contexts=["home", "courses"], action=FilterAction.HIDE)
    assert len(notifications_for(maria)) == 1


def test_the_unread_count_leaves_out_hidden_notifications(maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria, title="Lesson")
    CommentFactory.create(artifact=work, author=devon, body="Homework helps")
    CommentFactory.create(artifact=work, author=devon, body="Nice one")
    assert unread_count(maria) == 2
    add_filter(owner=maria, phrase="nice", contexts=["notifications"])  # folding still counts
    assert unread_count(maria) == 2
    add_filter(owner=maria, phrase="homework", contexts=["notifications"], action=FilterAction.HIDE)
    assert unread_count(maria) == 1
