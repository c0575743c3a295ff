"""Fixtures the spam tests share: a person who signed up today, and a loopback fake of Akismet."""

import threading
from collections.abc import Iterator

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from courses.models import Course
from courses.tests.factories import EnrollmentFactory
from moderation.tests.test_akismet import FakeAkismet


@pytest.fixture
def newcomer(course: Course) -> User:
    """Signed up today and joined the course."""
    user = UserFactory.create(username="newbie", display_name="New Person", date_joined=timezone.now())
    EnrollmentFactory.create(course=course, user=user)
    return user


@pytest.fixture
def fake(settings) -> Iterator[FakeAkismet]:
    """Akismet answering from 127.0.0.1 as its `mode` says, with the settings pointing at it."""
    server = FakeAkismet()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.AKISMET_KEY = "test-key"
    settings.AKISMET_URL = server.url
    settings.AKISMET_TIMEOUT_SECONDS = 0.5
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{server.server_address[1]}"]
    yield server
    server.shutdown()
    server.server_close()
