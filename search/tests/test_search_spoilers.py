"""Search results fold what the viewer has not reached in a course book, as every other list does."""

import pytest
from django.urls import reverse

from accounts.models import User
from courses import services as course_services
from courses.models import Course, ReadingStatus
from courses.tests.factories import BookFactory
from posts import services as posts
from posts.models import Kind

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = "You haven't reached this yet (p. 120 of Launch)"


@pytest.mark.parametrize(("reached", "folded"), [(80, True), (150, False)])
def test_a_quote_and_its_comments_ahead_of_the_reader_are_folded_in_search(
    login, course: Course, maria: User, devon: User, reached: int, folded: bool
) -> None:
    book = BookFactory.create(course=course, title="Launch", author="John Spencer", pages=300)
    quote = posts.publish(
        author=maria,
        course=course,
        kind=Kind.QUOTE,
        title="The twist",
        body="The rocketry club never recovered.",
        book=book,
        page=120,
        passage="And then the rocketry launch failed.",
    )
    posts.add_comment(artifact=quote, author=maria, body="The rocketry part surprised me.")
    course_services.set_reading_progress(book=book, user=devon, status=ReadingStatus.READING, page=reached)
    html = login(devon).get(reverse("search:search"), {"q": "rocketry"}).content.decode()
    assert "The twist" in html
    assert html.count(SUMMARY) == (2 if folded else 0)  # the post's snippet and the comment's


def test_the_quoted_passage_is_found_and_shown(login, course: Course, maria: User, devon: User) -> None:
    book = BookFactory.create(course=course, title="Launch", author="John Spencer", pages=300)
    posts.publish(
        author=maria,
        course=course,
        kind=Kind.QUOTE,
        title="On making",
        body="My note.",
        book=book,
        page=12,
        passage="Every child is a maker of zeppelins.",
    )
    html = login(devon).get(reverse("search:search"), {"q": "zeppelins"}).content.decode()
    assert "On making" in html
    assert "<mark>zeppelins</mark>" in html
