"""Spoiler-safe reading: what is anchored beyond where a reader is in a course book opens folded for them."""

import html5lib
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from courses import services as course_services
from courses.models import Book, Course, ReadingStatus
from courses.tests.factories import BookFactory
from posts import services
from posts.models import Artifact, Kind
from posts.reading import ahead, fold_ahead, reached_page, spoiler_pages
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db

SUMMARY = "You haven't reached this yet (p. 120 of Launch) — open anyway"
COMMENTS_SUMMARY = "You haven't reached this yet (p. 120 of Launch) — open the comments anyway"


@pytest.fixture
def book(course: Course) -> Book:
    return BookFactory.create(course=course, title="Launch", author="John Spencer", pages=300)


@pytest.fixture
def quote(course: Course, maria: User, book: Book) -> Artifact:
    """Maria's quote from page 120, with her note and a comment on it."""
    found = ArtifactFactory.create(
        course=course,
        author=maria,
        kind=Kind.QUOTE,
        book=book,
        page=120,
        title="The twist",
        passage="And then the launch failed.",
        body="What a turn.",
    )
    CommentFactory.create(artifact=found, author=maria, body="I did not see it coming.")
    return found


def _at(book: Book, user: User, status: str = ReadingStatus.READING, **where: int) -> None:
    course_services.set_reading_progress(book=book, user=user, status=status, **where)


# The decisions


@pytest.mark.parametrize(
    ("status", "page", "percent", "pages", "reached"),
    [
        ("reading", 50, None, 300, 50),
        ("reading", None, 40, 300, 120),
        ("reading", 50, 90, 300, 50),  # the page given wins over the rounder percent
        ("reading", None, 40, None, None),  # a percent of a book of unknown length tells nothing
        ("reading", None, None, 300, None),
        ("finished", None, 100, None, 5000),
        ("want", None, None, 300, 0),
    ],
)
def test_reached_page(status: str, page: int | None, percent: int | None, pages: int | None, reached) -> None:
    assert reached_page(status=status, page=page, percent=percent, pages=pages) == reached


@pytest.mark.parametrize(
    ("where", "folded"),
    [
        ({"page": 119}, True),
        ({"page": 120}, False),
        ({"percent": 39}, True),  # 39% of 300 pages is page 117
        ({"percent": 40}, False),  # page 120
        ({"status": ReadingStatus.FINISHED}, False),
        ({"status": ReadingStatus.WANT}, True),
        ({}, False),  # reading, but no page or percent given
    ],
)
def test_a_quote_beyond_the_reader_is_ahead(
    quote: Artifact, book: Book, devon: User, where: dict, folded: bool
) -> None:
    _at(book, devon, **where)
    assert ahead(quote, spoiler_pages(devon, book.course), devon.pk) is folded


def test_no_progress_recorded_folds_nothing(quote: Artifact, book: Book, devon: User, client: Client) -> None:
    assert spoiler_pages(devon, book.course) == {}
    assert not ahead(quote, spoiler_pages(devon, book.course), devon.pk)
    assert SUMMARY not in client.get(quote.get_absolute_url()).content.decode()  # signed out: nothing known


def test_the_author_never_sees_their_own_work_folded(quote: Artifact, book: Book, maria: User) -> None:
    _at(book, maria, page=3)
    reached = spoiler_pages(maria, book.course)
    assert reached == {book.pk: 3}
    assert not ahead(quote, reached, maria.pk)
    assert ahead(quote, reached)  # the same position, as anyone else's


def test_a_chapter_only_note_and_another_books_page_are_never_ahead(
    course: Course, quote: Artifact, book: Book, george: User, devon: User
) -> None:
    other = BookFactory.create(course=course, title="Empower")
    on_other = ArtifactFactory.create(course=course, author=george, book=other, page=200, title="Elsewhere")
    chapter_only = ArtifactFactory.create(course=course, author=george, book=book, chapter="Chapter 9", title="Ch")
    _at(book, devon, page=1)
    fold_ahead([quote, on_other, chapter_only], devon)
    assert [a.ahead for a in (quote, on_other, chapter_only)] == [True, False, False]  # type: ignore[attr-defined]


def test_the_readers_progress_is_read_once_per_list(
    course: Course, book: Book, george: User, devon: User, django_assert_num_queries
) -> None:
    items = [ArtifactFactory.create(course=course, author=george, book=book, page=p) for p in range(10, 200, 10)]
    plain = [ArtifactFactory.create(course=course, author=george) for _ in range(3)]
    _at(book, devon, page=55)
    with django_assert_num_queries(1):
        fold_ahead(items, devon)
    assert sum(a.ahead for a in items) == 14  # type: ignore[attr-defined]
    with django_assert_num_queries(0):
        fold_ahead(plain, devon)  # nothing anchored: nothing to read


# The fold, in the pages


def _fold_holds(html: str, summary: str, *inside: str) -> bool:
    """True when a <details> whose <summary> is `summary` holds each of `inside` (text in it)."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    for details in tree.iter("details"):
        first = details.find("summary")
        if first is not None and "".join(first.itertext()).strip() == summary:
            text = "".join(details.itertext())
            return all(part in text for part in inside)
    return False


@pytest.mark.parametrize("page", ["stream", "course", "book", "artifact"])
def test_folded_where_the_reader_has_not_reached(
    login, course: Course, book: Book, quote: Artifact, devon: User, page: str, valid_html
) -> None:
    _at(book, devon, page=80)
    url = {
        "stream": reverse("network:stream", args=[course.slug]),
        "course": course.get_absolute_url(),
        "book": reverse("posts:book", args=[course.slug, book.pk]),
        "artifact": quote.get_absolute_url(),
    }[page]
    response = login(devon).get(url)
    valid_html(response.content)
    html = response.content.decode()
    assert _fold_holds(html, SUMMARY, "And then the launch failed.", "What a turn.")
    assert "The twist" in html  # the title and the anchor stay in sight
    assert "p. 120" in html
    if page == "artifact":
        assert _fold_holds(html, COMMENTS_SUMMARY, "I did not see it coming.")


@pytest.mark.parametrize("page", ["stream", "course", "book", "artifact"])
def test_not_folded_once_reached(login, course: Course, book: Book, quote: Artifact, devon: User, page: str) -> None:
    _at(book, devon, page=150)
    url = {
        "stream": reverse("network:stream", args=[course.slug]),
        "course": course.get_absolute_url(),
        "book": reverse("posts:book", args=[course.slug, book.pk]),
        "artifact": quote.get_absolute_url(),
    }[page]
    html = login(devon).get(url).content.decode()
    assert "And then the launch failed." in html
    assert '<details class="spoiler">' not in html
    assert "You haven't reached this yet" not in html


def test_the_author_sees_their_quote_open(login, book: Book, quote: Artifact, maria: User) -> None:
    _at(book, maria, status=ReadingStatus.WANT)
    html = login(maria).get(quote.get_absolute_url()).content.decode()
    assert "And then the launch failed." in html
    assert '<details class="spoiler">' not in html


def test_the_book_page_asks_where_you_are_until_it_knows(
    login, course: Course, book: Book, quote: Artifact, devon: User
) -> None:
    client = login(devon)
    url = reverse("posts:book", args=[course.slug, book.pk])
    hint = "Tell us where you are and discussion ahead of you will be folded."
    html = client.get(url).content.decode()
    assert hint in html
    assert '<details class="spoiler">' not in html  # nothing known, nothing folded
    _at(book, devon, percent=10)
    assert hint not in client.get(url).content.decode()  # 10% of 300 pages: page 30
    assert _fold_holds(client.get(url).content.decode(), SUMMARY, "And then the launch failed.")


def test_the_summary_comes_first_so_it_names_the_fold(
    login, course: Course, book: Book, quote: Artifact, devon: User
) -> None:
    _at(book, devon, page=1)
    html = login(devon).get(reverse("posts:book", args=[course.slug, book.pk])).content.decode()
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    [fold] = [d for d in tree.iter("details") if d.get("class") == "spoiler"]
    assert not (fold.text or "").strip()
    assert fold[0].tag == "summary"
    assert "".join(fold[0].itertext()) == SUMMARY


def test_a_later_quote_after_publishing_folds_for_others_only(
    course: Course, book: Book, maria: User, devon: User
) -> None:
    late = services.publish(author=maria, course=course, kind=Kind.QUOTE, title="End", book=book, page=299)
    _at(book, devon, page=10)
    _at(book, maria, page=10)
    fold_ahead([late], devon)
    assert late.ahead  # type: ignore[attr-defined]
    fold_ahead([late], maria)
    assert not late.ahead  # type: ignore[attr-defined]
