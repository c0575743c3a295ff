"""What the facilitator dashboard reads instead of every day's rows: each week's stored spread of effort
(CourseWeek, for the norm table) and each person's last active day in a course (MemberActivity, for who has
gone quiet), kept by the daily fill."""

import datetime as dt

import pytest
from django.utils import timezone

from courses.models import Week
from insights import selectors
from insights.models import CourseWeek, MemberActivity, NetworkDay
from insights.selectors import norm_table, quiet_people, week_start
from insights.services import fill_day, fill_range
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


@pytest.fixture
def past_week(course, today) -> Week:
    """A finished week of the course: ten to four days ago."""
    week = course.weeks.get(number=1)
    week.starts_on, week.ends_on = today - dt.timedelta(days=10), today - dt.timedelta(days=4)
    week.save()
    return week


def test_the_norm_table_reads_the_stored_spread_and_follows_a_changed_norm(
    course, past_week, maria, devon, george, today
) -> None:
    first, second = past_week.starts_on, past_week.starts_on + dt.timedelta(days=2)
    mine = ArtifactFactory.create(course=course, author=maria, published_at=at(first))
    ArtifactFactory.create(course=course, author=maria, published_at=at(second))
    ArtifactFactory.create(course=course, author=devon, published_at=at(second))
    for day in (first, second, second):
        CommentFactory.create(artifact=mine, author=devon, created_at=at(day, 14))
    ArtifactFactory.create(course=course, author=george, published_at=at(past_week.ends_on + dt.timedelta(days=1)))
    fill_range(first, today - dt.timedelta(days=1))

    stored = CourseWeek.objects.get(week=past_week)
    assert stored.active_people == 2
    assert stored.posts[:3] == [0, 1, 1]
    assert sum(stored.posts) == 2
    assert stored.comments[:4] == [1, 0, 0, 1]
    course.norm_posts, course.norm_comments = 1, 3
    (row,) = norm_table(course, [past_week], today=today, members=3)
    assert (row["posts"], row["comments"], row["shares"]) == (2, 1, 0)
    course.norm_posts = 2  # a facilitator raises the norm: no refill needed
    (row,) = norm_table(course, [past_week], today=today, members=3)
    assert row["posts"] == 1

    fill_day(second)  # a refill of one day recounts the whole week the same way
    assert CourseWeek.objects.get(week=past_week).posts == stored.posts


def test_quiet_people_are_read_from_the_last_active_days(course, maria, devon, george, today) -> None:
    this_week = week_start(today)
    long_ago, earlier = this_week - dt.timedelta(days=20), this_week - dt.timedelta(days=9)
    ArtifactFactory.create(course=course, author=maria, published_at=at(long_ago))
    theirs = ArtifactFactory.create(course=course, author=devon, published_at=at(earlier))
    CommentFactory.create(artifact=theirs, author=george, created_at=at(earlier))  # a facilitator: never "quiet"
    Artifact.objects.update(created_at=at(long_ago))
    fill_range(long_ago, today - dt.timedelta(days=1))
    assert set(MemberActivity.objects.values_list("user__username", "last_active_on")) == {
        ("maria", long_ago),
        ("devon", earlier),
        ("george", earlier),
    }
    quiet, total = quiet_people(course, today=today)
    assert [(q.person.username, q.last_active) for q in quiet] == [("devon", earlier), ("maria", long_ago)]
    assert total == 2

    CommentFactory.create(artifact=theirs, author=maria)  # today, not yet counted: read live
    quiet, total = quiet_people(course, today=today)
    assert [q.person.username for q in quiet] == ["devon"]
    assert total == 1
    Comment.objects.all().delete()
    quiet, _ = selectors.quiet_people(course, today=today, limit=1)
    assert [q.person.username for q in quiet] == ["devon"]


def test_a_refilled_earlier_day_keeps_the_later_last_active_day(course, maria, today) -> None:
    early, late = today - dt.timedelta(days=6), today - dt.timedelta(days=2)
    ArtifactFactory.create(course=course, author=maria, published_at=at(early))
    ArtifactFactory.create(course=course, author=maria, published_at=at(late))
    fill_day(late)
    fill_day(early)
    assert MemberActivity.objects.get(user=maria, course=course).last_active_on == late


def test_people_conversed_with_are_the_rollups_total_plus_those_first_met_since(
    course, maria, devon, george, today
) -> None:
    earlier = today - dt.timedelta(days=3)
    hers = ArtifactFactory.create(course=course, author=maria, published_at=at(earlier, 9))
    CommentFactory.create(artifact=hers, author=devon, created_at=at(earlier, 10))
    assert selectors._network_now(maria)[2] == 1  # nothing rolled up yet: all live
    fill_range(earlier, today - dt.timedelta(days=1))
    assert NetworkDay.objects.filter(user=maria).latest("day").conversed_total == 1

    CommentFactory.create(artifact=hers, author=devon)  # an old acquaintance again, today
    assert selectors._network_now(maria)[2] == 1
    georges = ArtifactFactory.create(course=course, author=george)
    CommentFactory.create(artifact=georges, author=maria)  # someone new, today
    assert selectors._network_now(maria)[2] == 2
    everyone = selectors._partners(maria, [(selectors.EARLIEST, selectors.LATEST)])
    assert everyone == {devon.pk, george.pk}
