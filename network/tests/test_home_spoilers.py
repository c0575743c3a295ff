"""The home timeline folds what a reader has not reached in a course book, like every other list."""

import pytest
from django.urls import reverse

from accounts.models import User
from courses import services as course_services
from courses.models import Course, ReadingStatus
from courses.tests.factories import BookFactory
from network.models import Follow
from posts.models import Kind
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("reached", "folded"), [(80, True), (150, False)])
def test_a_followed_persons_quote_ahead_of_the_reader_is_folded_at_home(
    login, course: Course, maria: User, devon: User, reached: int, folded: bool
) -> None:
    book = BookFactory.create(course=course, title="Launch", author="John Spencer", pages=300)
    ArtifactFactory.create(
        course=course, author=maria, kind=Kind.QUOTE, book=book, page=120, title="The twist", passage="It failed."
    )
    Follow.objects.create(follower=devon, followee=maria)
    course_services.set_reading_progress(book=book, user=devon, status=ReadingStatus.READING, page=reached)
    html = login(devon).get(reverse("network:home")).content.decode()
    assert "The twist" in html
    assert ("You haven't reached this yet (p. 120 of Launch)" in html) is folded
