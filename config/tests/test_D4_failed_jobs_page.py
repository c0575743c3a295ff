"""The staff page of background jobs that failed (D4's visible state): who may see it, and what its two
actions do. The jobs' failures themselves are tested in config/tests/test_D4_every_task.py."""

import datetime as dt
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.models import FailedJob, JobState

URL = "/staff/jobs/"


@pytest.fixture
def staff(db) -> User:
    return UserFactory.create(username="ops", is_staff=True)


def _failed(name: str, *, key: str, arguments: dict | None = None, state: str = JobState.FAILED) -> FailedJob:
    now = timezone.now()
    return FailedJob.objects.create(
        key=key,
        name=name,
        arguments=arguments or {},
        state=state,
        attempts=4,
        error="RuntimeError: broken <b>on purpose</b>",
        traceback="Traceback (most recent call last): …",
        first_failed_at=now - dt.timedelta(minutes=8),
        last_failed_at=now,
    )


def test_only_staff_see_the_page(client: Client, maria: User, staff: User) -> None:
    _failed("config.tests.d4_jobs.always_fails", key="a", arguments={"args": ["/nowhere"], "kwargs": {}})
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(maria)
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"job": FailedJob.objects.get().pk, "decision": "dismiss"}).status_code == 404
    assert FailedJob.objects.get().state == JobState.FAILED
    client.force_login(staff)
    page = client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "config.tests.d4_jobs.always_fails" in text
    assert "RuntimeError: broken &lt;b&gt;on purpose&lt;/b&gt;" in text, "the error, escaped"
    assert 'value="run"' in text, "a Django task can be run again"
    assert 'href="/staff/jobs/"' in text, "staff find it in the navigation"


def test_run_again_queues_the_job_afresh_and_resolves_the_record(
    client: Client, staff: User, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:
    trace = tmp_path / "ran"
    job = _failed("config.tests.d4_jobs.works", key="b", arguments={"args": [str(trace)], "kwargs": {}})
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(URL, {"job": job.pk, "decision": "run"}, follow=True)
    assert "config.tests.d4_jobs.works was queued again." in page.content.decode()
    assert trace.read_text() == "ran\n", "the job ran again (the test queue runs jobs at once)"
    job.refresh_from_db()
    assert (job.state, job.resolution) == (JobState.RESOLVED, "run again by @ops")
    assert "Dealt with lately" in page.content.decode()


def test_a_periodic_job_is_not_run_from_the_page(client: Client, staff: User) -> None:
    job = _failed("chats.tasks.release_due_questions", key="periodic:chats.tasks.release_due_questions")
    client.force_login(staff)
    assert 'value="run"' not in client.get(URL).content.decode(), "no Run again button"
    page = client.post(URL, {"job": job.pk, "decision": "run"}, follow=True)
    assert "runs again on its schedule" in page.content.decode()
    job.refresh_from_db()
    assert job.state == JobState.FAILED


def test_dismiss_resolves_without_running(client: Client, staff: User, tmp_path: Path) -> None:
    trace = tmp_path / "ran"
    job = _failed("config.tests.d4_jobs.works", key="c", arguments={"args": [str(trace)], "kwargs": {}})
    client.force_login(staff)
    client.post(URL, {"job": job.pk, "decision": "dismiss"})
    job.refresh_from_db()
    assert (job.state, job.resolution) == (JobState.RESOLVED, "dismissed by @ops")
    assert not trace.exists()
    page = client.post(URL, {"job": job.pk, "decision": "dismiss"}, follow=True)
    assert "no longer waiting for a decision" in page.content.decode(), "a second click says so"
    assert "No job is failing." in page.content.decode()


def test_a_job_name_that_is_not_a_task_is_never_run(client: Client, staff: User) -> None:
    job = _failed("os.system", key="d", arguments={"args": ["true"], "kwargs": {}})
    client.force_login(staff)
    page = client.post(URL, {"job": job.pk, "decision": "run"}, follow=True)
    assert "is not a task that can be run again" in page.content.decode()
    job.refresh_from_db()
    assert job.state == JobState.FAILED


def test_a_job_still_being_retried_is_not_run_or_dismissed_from_the_page(
    client: Client, staff: User, tmp_path: Path
) -> None:
    """Huey will run it again on its own: running it as well would run it twice, dismissing would not stop
    the retry."""
    trace = tmp_path / "ran"
    job = _failed(
        "config.tests.d4_jobs.works", key="e", arguments={"args": [str(trace)], "kwargs": {}}, state=JobState.RETRYING
    )
    client.force_login(staff)
    page = client.get(URL).content.decode()
    assert "Being tried again" in page
    assert 'value="run"' not in page
    assert 'value="dismiss"' not in page
    for decision in ("run", "dismiss"):
        answer = client.post(URL, {"job": job.pk, "decision": decision}, follow=True).content.decode()
        assert "will be tried again on its own" in answer
    job.refresh_from_db()
    assert job.state == JobState.RETRYING
    assert not trace.exists()
