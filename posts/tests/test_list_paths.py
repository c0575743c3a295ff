"""The list selectors read a page in index order and stop: the two ways a tag's list is read agree, the keyset
cursor handles equal times, and comment counts are counted per row."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from courses.models import Course
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
