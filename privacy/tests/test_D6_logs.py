"""D6, no e-mail in the logs: from the moment a person deletes their account, through the erasure (and a crash
half-way finished by `commonplace erase`), no log record of any logger, at any level, names their e-mail
address or display name."""

import io
import logging
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD
from api import services as api_services
from courses.models import Course
from posts.tests.factories import ArtifactFactory, CommentFactory
from privacy import erasure
from privacy.models import Erasure

pytestmark = pytest.mark.django_db
EMAIL = "maria.lopez@school.example.org"
NAME = "Maria López"


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG for every logger, including those that do not propagate to the root (django.tasks)."""
    caplog.set_level(logging.DEBUG)
    names = {"django.tasks", *logging.root.manager.loggerDict}
    changed: list[tuple[logging.Logger, int, bool]] = []
    for name in sorted(names):
        logger = logging.getLogger(name)
        changed.append((logger, logger.level, caplog.handler in logger.handlers))
        logger.setLevel(logging.DEBUG)
        if not logger.propagate and caplog.handler not in logger.handlers:
            logger.addHandler(caplog.handler)
    yield caplog
    for logger, level, had_handler in changed:
        logger.setLevel(level)
        if not had_handler:
            logger.removeHandler(caplog.handler)


@pytest.fixture
def maria_to_delete(course: Course, maria: User, devon: User) -> User:
    maria.email, maria.display_name = EMAIL, NAME
    maria.set_password(PASSWORD)
    maria.save()
    answered = ArtifactFactory.create(course=course, author=maria, title="Devon replied to this")
    CommentFactory.create(artifact=answered, author=devon, body="Devon's reply")
    CommentFactory.create(artifact=answered, author=maria, body="Maria's thanks")
    ArtifactFactory.create(course=course, author=maria, title="Nobody replied")
    api_services.create_token(user=maria, name="script", scopes=["read"])
    return maria


def _assert_not_named(records: list[logging.LogRecord]) -> None:
    for record in records:
        text = " ".join(
            str(part)
            for part in (record.name, record.getMessage(), record.exc_text or "", record.stack_info or "", vars(record))
        )
        for pii in (EMAIL, NAME, EMAIL.split("@")[0]):
            assert pii.lower() not in text.lower(), f"{pii!r} in a log record of {record.name}: {record.getMessage()}"


def test_D6_deleting_an_account_logs_no_email_or_name(
    every_log: pytest.LogCaptureFixture, maria_to_delete: User, django_capture_on_commit_callbacks
) -> None:
    client = Client()
    client.force_login(maria_to_delete)
    every_log.clear()  # the erasure starts here
    with django_capture_on_commit_callbacks(execute=True):  # the worker erases after the commit
        done = client.post(reverse("privacy:close"), {"handle": "@maria", "password": PASSWORD}, follow=True)
    assert "Your account is deleted." in done.content.decode()
    assert Erasure.objects.get(user=maria_to_delete).finished_at is not None
    assert every_log.records  # the capture works: the request and the job were logged
    _assert_not_named(every_log.records)


def test_D6_a_crashed_erasure_and_its_rerun_log_no_email_or_name(
    every_log: pytest.LogCaptureFixture, maria_to_delete: User, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    def crash(user: User) -> None:
        raise RuntimeError(f"the worker died while erasing user {user.pk}")

    monkeypatch.setattr(erasure, "_erase_artifacts", crash)
    every_log.clear()
    with django_capture_on_commit_callbacks(execute=True):
        erasure.close_account(user=maria_to_delete, password=PASSWORD)
    assert Erasure.objects.get(user=maria_to_delete).finished_at is None
    monkeypatch.undo()
    call_command("erase", stdout=io.StringIO())
    assert Erasure.objects.get(user=maria_to_delete).finished_at is not None
    assert any(r.exc_info or r.exc_text or "died" in r.getMessage() for r in every_log.records)  # the crash
    _assert_not_named(every_log.records)
