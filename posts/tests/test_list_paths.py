"""The list selectors read a page in index order and stop: the two ways a tag's list is read agree, the keyset
cursor handles equal times, and comment counts are counted per row."""

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from courses.models import Course
from courses.tests.factories import CourseFactory, PromptFactory, WeekFactory
from posts import selectors
from posts.models import Artifact, Tag, Visibility
from posts.selectors import course_stream, tag_artifacts
from posts.tests.factories import ArtifactFactory, CommentFactory


def _all_pages(read: object, **kwargs: object) -> list[int]:
    ids: list[int] = []
    cursor = None
    for _ in range(50):
        page = read(cursor=cursor, **kwargs)  # type: ignore[operator]
        ids += [a.pk for a in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return ids
    raise AssertionError("the cursor never ran out")


@pytest.fixture
def tagged(course: Course, maria: User, devon: User) -> list[Artifact]:
    """55 artifacts tagged `makerspace`, several at the same instant, with course-only ones, drafts and an
    untagged one among them."""
    tag = Tag.objects.create(name="makerspace")
    other = Tag.objects.create(name="other")
    base = timezone.now() - dt.timedelta(days=3)
    made = []
    for n in range(55):
        artifact = ArtifactFactory.create(
            course=course,
            author=maria if n % 2 else devon,
            published_at=base + dt.timedelta(hours=n // 3),  # three at each instant
            visibility=[Visibility.PUBLIC, Visibility.COURSE, Visibility.PUBLIC, Visibility.DRAFT][n % 4],
        )
        artifact.tags.add(tag, *([other] if n % 5 == 0 else []))
        made.append(artifact)
    ArtifactFactory.create(course=course, author=maria, published_at=base + dt.timedelta(days=1))
    return made


def _expected(artifacts: list[Artifact], *, member: bool) -> list[int]:
    shown = [
        a for a in artifacts if a.visibility == Visibility.PUBLIC or (member and a.visibility == Visibility.COURSE)
    ]
    return [a.pk for a in sorted(shown, key=lambda a: (a.published_at, a.pk), reverse=True)]


@pytest.mark.parametrize("sort_limit", [1_000, 1], ids=["sorted", "walked"])
@pytest.mark.parametrize("who", ["outsider", "maria"])
def test_a_tags_list_is_the_same_whether_sorted_or_walked(
    request, tagged, monkeypatch, sort_limit: int, who: str
) -> None:
    monkeypatch.setattr(selectors, "TAG_SORT_LIMIT", sort_limit)
    viewer = request.getfixturevalue(who)
    expected = _expected(tagged, member=who == "maria")
    assert len(expected) > selectors.PAGE_SIZE  # more than one page, and pages break inside equal times
    assert _all_pages(tag_artifacts, name="makerspace", viewer=viewer) == expected


@pytest.mark.parametrize("sort_limit", [1_000, 1], ids=["sorted", "walked"])
def test_the_course_stream_filtered_by_tag_reads_both_ways(tagged, course, maria, monkeypatch, sort_limit) -> None:
    monkeypatch.setattr(selectors, "TAG_SORT_LIMIT", sort_limit)
    expected = _expected([a for a in tagged if a.tags.filter(name="other").exists()], member=True)
    assert expected
    assert _all_pages(course_stream, course=course, viewer=maria, tag="other") == expected


def test_the_walked_tag_list_reads_a_constant_number_of_queries(tagged, outsider, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "TAG_SORT_LIMIT", 1)
    with CaptureQueriesContext(connection) as first:
        tag_artifacts(name="makerspace", viewer=outsider)
    ArtifactFactory.create_batch(10, course=tagged[0].course, author=tagged[0].author, published_at=timezone.now())
    for artifact in Artifact.objects.order_by("-id")[:10]:
        artifact.tags.add(Tag.objects.get(name="makerspace"))
    with CaptureQueriesContext(connection) as again:
        tag_artifacts(name="makerspace", viewer=outsider)
    assert len(again) == len(first)


def test_comment_counts_leave_out_removed_comments(course, maria, devon) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria)
    quiet = ArtifactFactory.create(course=course, author=maria, published_at=timezone.now() - dt.timedelta(hours=1))
    CommentFactory.create_batch(3, artifact=artifact, author=devon)
    CommentFactory.create(artifact=artifact, author=devon, removed_at=timezone.now())
    page = course_stream(course=course, viewer=maria)
    counts = {a.pk: a.comment_count for a in page.items}  # type: ignore[attr-defined]
    assert counts == {artifact.pk: 3, quiet.pk: 0}


def test_a_weeks_stream_is_what_was_published_on_its_days_or_answers_its_prompts(course, maria, devon) -> None:
    """Against every artifact sorted by hand, page by page (the cursor, equal times): those published on the week's
    days in the viewer's time zone (its first midnight in, the midnight after its last day out) and the answers to
    its prompts whenever they came, each once; nothing of another week or course, no draft of someone else's. The
    same number of queries however many there are."""
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    week = WeekFactory.create(course=course, number=2, starts_on=dt.date(2026, 3, 2), ends_on=dt.date(2026, 3, 8))
    first, second = PromptFactory.create(week=week, number=1), PromptFactory.create(week=week, number=2)
    later = WeekFactory.create(course=course, number=3, starts_on=dt.date(2026, 3, 9), ends_on=dt.date(2026, 3, 15))
    elsewhere = PromptFactory.create(week=later, number=1)
    other_course = CourseFactory.create(slug="other")

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 3, day, hour, minute, tzinfo=zone)

    shown: list[Artifact] = []

    def make(when: dt.datetime, *, expected: bool, **fields: object) -> Artifact:
        fields = {"course": course, "author": maria, "visibility": Visibility.PUBLIC, **fields}
        artifact = ArtifactFactory.create(published_at=when, **fields)
        if expected:
            shown.append(artifact)
        return artifact

    for n in range(24):  # on the week's days, three at each instant, some answering its prompts
        make(at(2 + n // 4, 9 + (n % 4) // 3), expected=True, prompt=[None, first, second][n % 3])
    make(at(2, 0), expected=True)  # its first midnight
    make(at(8, 23, 59), expected=True, prompt=elsewhere)  # on its last day, answering another week's prompt
    for day in (1, 15, 20):  # answers to its prompts before and after it
        make(at(day, 12), expected=True, prompt=first if day != 20 else second)
    make(at(9, 0), expected=False)  # the midnight after its last day
    make(at(1, 23, 59), expected=False)
    make(at(12, 10), expected=False, prompt=elsewhere)
    make(at(4, 10), expected=False, course=other_course)
    make(at(5, 10), expected=False, author=devon, visibility=Visibility.DRAFT)
    assert len(shown) > selectors.PAGE_SIZE  # more than one page

    with timezone.override(zone):
        assert _all_pages(course_stream, course=course, viewer=maria, week=week) == [
            a.pk for a in sorted(shown, key=lambda a: (a.published_at, a.pk), reverse=True)
        ]
        with CaptureQueriesContext(connection) as before:
            course_stream(course=course, viewer=maria, week=week)
        for n in range(30):
            make(at(3, 14, n), expected=True, prompt=first if n % 2 else None)
        with CaptureQueriesContext(connection) as after:
            course_stream(course=course, viewer=maria, week=week)
    assert len(after) == len(before)
