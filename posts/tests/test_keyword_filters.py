"""Keyword filters in posts' lists: course stream, tag and prompt pages, comments, and filling pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import FilterAction, KeywordFilter
from accounts.services_filters import add_filter
from posts.models import Artifact
from posts.selectors import comment_threads, course_stream, paginate, person_artifacts, prompt_responses, tag_artifacts
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


def _titles(page) -> list[str]:
    return [a.title for a in page.items]


def test_hiding_filter_removes_matches_from_the_course_stream(course, maria, devon) -> None:
    ArtifactFactory.create(course=course, author=maria, title="On Standardized Testing")
    ArtifactFactory.create(course=course, author=maria, title="Reading circles")
    add_filter(owner=devon, phrase="standardized testing", contexts=["courses"], action=FilterAction.HIDE)
    assert _titles(course_stream(course=course, viewer=devon)) == ["Reading circles"]
    assert len(course_stream(course=course, viewer=maria).items) == 2  # only the filter's owner is affected


def test_warning_filter_keeps_the_item_marked_with_the_phrase(course, maria, devon) -> None:
    ArtifactFactory.create(course=course, author=maria, title="Circles", body="We talked about *Grading* today.")
    ArtifactFactory.create(course=course, author=maria, title="Other")
    add_filter(owner=devon, phrase="grading", contexts=["courses"])
    items = course_stream(course=course, viewer=devon).items
    assert [getattr(a, "filtered_by", "") for a in items] == ["", "grading"]


def test_filter_reads_tags_and_ignores_other_places(course, maria, devon) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria, title="Week one")
    artifact.tags.create(name="homework")
    found = add_filter(owner=devon, phrase="homework", contexts=["home", "comments"], action=FilterAction.HIDE)
    assert len(course_stream(course=course, viewer=devon).items) == 1  # not set for courses
    KeywordFilter.objects.filter(pk=found.pk).update(in_courses=True)
    assert course_stream(course=course, viewer=devon).items == []
    add_filter(owner=maria, phrase="#homework", contexts=["courses"], action=FilterAction.HIDE)
    assert course_stream(course=course, viewer=maria).items == []


def test_expired_filter_no_longer_applies(course, maria, devon) -> None:
    ArtifactFactory.create(course=course, author=maria, title="Grading again")
    found = add_filter(owner=devon, phrase="grading", contexts=["courses"], action=FilterAction.HIDE)
    assert course_stream(course=course, viewer=devon).items == []
    KeywordFilter.objects.filter(pk=found.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert _titles(course_stream(course=course, viewer=devon)) == ["Grading again"]


def test_tag_and_prompt_pages_apply_course_filters(course, prompt, maria, devon) -> None:
    hidden = ArtifactFactory.create(course=course, author=maria, prompt=prompt, title="Grading rubric")
    kept = ArtifactFactory.create(course=course, author=maria, prompt=prompt, title="Reading notes")
    tag = hidden.tags.create(name="week1")
    kept.tags.add(tag)
    add_filter(owner=devon, phrase="rubric", contexts=["courses"], action=FilterAction.HIDE)
    assert _titles(tag_artifacts(name="week1", viewer=devon)) == ["Reading notes"]
    assert _titles(prompt_responses(prompt=prompt, viewer=devon)) == ["Reading notes"]


def test_person_page_is_not_filtered(course, maria, devon) -> None:
    ArtifactFactory.create(course=course, author=maria, title="Grading again")
    add_filter(owner=devon, phrase="grading", contexts=["courses"], action=FilterAction.HIDE)
    assert _titles(person_artifacts(person=maria, viewer=devon)) == ["Grading again"]


def test_hiding_filter_fills_pages_without_skipping_or_repeating(course, maria, devon) -> None:
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(30):
        title = f"Post {n:02d} " + ("grading" if n % 2 else "reading")
        ArtifactFactory.create(course=course, author=maria, title=title, published_at=start + dt.timedelta(minutes=n))
    add_filter(owner=devon, phrase="grading", contexts=["courses"], action=FilterAction.HIDE)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = course_stream(course=course, viewer=devon, cursor=cursor, limit=5)
        pages += 1
        assert len(page.items) == 5 or page.next_cursor is None
        seen += _titles(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [f"Post {n:02d} reading" for n in range(28, -1, -2)]
    assert seen == expected
    assert pages == 3


def test_paginate_stops_after_bounded_rounds_and_resumes_where_it_stopped(course, maria) -> None:
    start = timezone.now() - dt.timedelta(days=1)
    for n in range(30):
        when = start + dt.timedelta(minutes=n)
        ArtifactFactory.create(course=course, author=maria, title=f"P{n:02d}", published_at=when)
    qs = Artifact.objects.filter(course=course)
    first = paginate(qs, None, 2, keep=lambda a: a.title == "P00")  # only the oldest is kept
    assert first.items == []
    assert first.next_cursor is not None  # 6 rounds of 3 rows: 18 of 30 read
    rest = paginate(qs, first.next_cursor, 2, keep=lambda a: a.title == "P00")
    assert _titles(rest) == ["P00"]
    assert rest.next_cursor is None


def test_page_with_no_filters_reads_one_slice(course, maria, devon, django_assert_num_queries) -> None:
    for _ in range(3):
        ArtifactFactory.create(course=course, author=maria)
    # filters, artifacts (with their tags)
    with django_assert_num_queries(2):
        course_stream(course=course, viewer=devon, limit=2)


def test_warned_card_is_folded_in_valid_html(login, course, maria, devon, valid_html) -> None:
    ArtifactFactory.create(course=course, author=maria, title="On grading")
    add_filter(owner=devon, phrase="grading", contexts=["courses"])
    response = login(devon).get(reverse("network:stream", args=[course.slug]))
    valid_html(response.content)
    text = response.content.decode()
    assert '<details class="filtered"><summary>Filtered: “grading” — show anyway</summary>' in text
    assert "On grading" in text


def test_comments_hide_and_warn(login, course, maria, devon, george, valid_html) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria)
    top = CommentFactory.create(artifact=artifact, author=george, body="Grading is hard")
    reply = CommentFactory.create(artifact=artifact, author=maria, parent=top, body="I agree")
    other = CommentFactory.create(artifact=artifact, author=george, body="What about homework?")
    CommentFactory.create(artifact=artifact, author=george, body="More grading")
    add_filter(owner=devon, phrase="homework", contexts=["comments"])
    add_filter(owner=devon, phrase="grading", contexts=["comments"], action=FilterAction.HIDE)
    threads = comment_threads(artifact, devon)
    # The hidden top comment with a reply keeps its place; the lone hidden one is gone.
    assert [(t.comment.pk, t.filtered) for t in threads] == [(top.pk, True), (other.pk, False)]
    assert [r.pk for r in threads[0].replies] == [reply.pk]
    assert getattr(threads[1].comment, "filtered_by", "") == "homework"
    assert len(comment_threads(artifact, maria)) == 3  # others see every comment
    response = login(devon).get(artifact.get_absolute_url())
    valid_html(response.content)
    text = response.content.decode()
    assert "Filtered: “homework” — show anyway" in text
    assert "Grading is hard" not in text
    assert "More grading" not in text
    assert "I agree" in text
