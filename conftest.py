"""The shared cast and fixtures for every app's tests."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import html5lib
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from courses.models import Course, MemberRole
from courses.tests.factories import CourseFactory, EnrollmentFactory, PromptFactory, WeekFactory


@pytest.fixture(autouse=True)
def _fast_passwords(request: pytest.FixtureRequest, settings) -> None:
    """Argon2 is slow by design; tests use a fast hasher unless marked `real_hashers` (those check Argon2)."""
    if request.node.get_closest_marker("real_hashers") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _joined_weeks_ago() -> dt.datetime:
    """The cast signed up a month ago: established accounts, so their links are not held as a new account's
    (moderation.checks, SPAM_NEW_ACCOUNT_DAYS). Tests of new accounts make their own people."""
    return timezone.now() - dt.timedelta(days=30)


@pytest.fixture
def george(db) -> User:
    """A facilitator."""
    return UserFactory.create(username="george", display_name="George", date_joined=_joined_weeks_ago())


@pytest.fixture
def maria(db) -> User:
    """A participant: a grade 5 teacher."""
    return UserFactory.create(username="maria", display_name="Maria López", date_joined=_joined_weeks_ago())


@pytest.fixture
def devon(db) -> User:
    """Another participant: a principal."""
    return UserFactory.create(username="devon", display_name="Devon Clarke", date_joined=_joined_weeks_ago())


@pytest.fixture
def outsider(db) -> User:
    """Signed up, but in no course."""
    return UserFactory.create(username="olive", display_name="Olive Outsider", date_joined=_joined_weeks_ago())


@pytest.fixture
def course(george: User, maria: User, devon: User) -> Course:
    """A running season with george facilitating and maria and devon taking part; week 1 has a prompt."""
    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    EnrollmentFactory.create(course=course, user=george, role=MemberRole.FACILITATOR)
    EnrollmentFactory.create(course=course, user=maria)
    EnrollmentFactory.create(course=course, user=devon)
    week = WeekFactory.create(course=course, number=1, title="What is innovation?")
    PromptFactory.create(week=week, number=1)
    return course


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


def assert_valid_html(content: bytes | str) -> None:
    """Fail if the document has HTML parse errors (html5lib in strict mode)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(content)


@pytest.fixture
def valid_html() -> Callable[[bytes | str], None]:
    return assert_valid_html


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser journeys run last. Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, and code under test that runs its own loop (asyncio.run in the guarded
    fetch client) must not meet it; pytest-django would otherwise put database-free tests after them."""
    items.sort(key=lambda item: item.nodeid.startswith("e2e/"))


@pytest.fixture(autouse=True)
def _empty_cache(settings) -> None:
    """Each test starts with an empty cache (ids are reused between tests), and counts the nav's unread
    notifications on every page: tests write rows with factories, which bypass the services that forget a
    cached count. `network/tests/test_unread_cache.py` turns the cache on and checks what forgets it."""
    cache.clear()
    settings.UNREAD_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _open_sign_up(settings) -> None:
    """A test database has no moderator who signed in this week, so "auto" would make every sign-up wait for
    approval (SP5); tests of other things sign up openly. `moderation/tests/test_SP5_approval.py` turns the
    rule back on and checks it."""
    settings.SIGNUP_APPROVAL = "never"
