"""D4 of SECURITY-TESTS.md for every kind of background job: a job that always raises is tried again a
bounded number of times with growing delays, then shown as failed (core.models.FailedJob, the staff page
/staff/jobs/) and the administrators are e-mailed once, while the other jobs go on.

Every Django task of every app is enqueued with the retry policy (found as D3 finds them). The retries
themselves are driven here through a real SQLite Huey queue, step by step, with the worker's own calls
(`execute`, `read_schedule`); `test_D4_worker.py` runs the same job in a real worker process.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.tasks import Task, TaskResultStatus, default_task_backend
from huey import SqliteHuey

from config.tests import d4_jobs
from config.tests.test_D3_every_task import TASKS, _arity, queue  # noqa: F401 - queue: the fixture
from core import jobs
from core.models import FailedJob, JobState

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def policy(settings) -> None:
    settings.TASK_RETRIES = 3
    settings.TASK_RETRY_DELAY_SECONDS = 60
    settings.TASK_RETRY_BACKOFF = 2
    settings.ADMINS = ["ops@example.org"]


@pytest.mark.parametrize("task", TASKS, ids=[task.module_path for task in TASKS])
def test_D4_every_job_is_queued_with_bounded_retries_and_a_growing_delay(
    queue: SqliteHuey,  # noqa: F811
    task: Task,
    settings,
) -> None:
    settings.TASK_RETRIES, settings.TASK_RETRY_DELAY_SECONDS, settings.TASK_RETRY_BACKOFF = 4, 45, 3
    with transaction.atomic():
        task.enqueue(*([1] * _arity(task)))
    queued = queue.dequeue()
    assert queued is not None
    assert (queued.retries, queued.retry_delay, queued.retry_backoff) == (4, 45, 3)


def _run_due(huey: SqliteHuey) -> list[dt.timedelta]:
    """Run what is queued, as a worker does; the delay before each retry it schedules."""
    delays = []
    while (task := huey.dequeue()) is not None:
        started = huey._get_timestamp()  # type: ignore[attr-defined]
        huey.execute(task)
        delays += [retry.eta - started for retry in huey.scheduled() if retry.id == task.id]
    return delays


def _retry_all(huey: SqliteHuey) -> None:
    """The scheduler's step, with the clock moved past every retry's time."""
    for task in huey.read_schedule(dt.datetime(2999, 1, 1)):
        task.eta = None  # its time has come
        huey.enqueue(task)


def test_D4_a_job_that_always_raises_is_retried_with_backoff_then_failed_and_alerted_once(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    tmp_path: Path,
) -> None:
    jobs.connect(queue)
    broken, fine = tmp_path / "broken", tmp_path / "fine"
    with transaction.atomic():
        result = d4_jobs.always_fails.enqueue(str(broken))
        d4_jobs.works.enqueue(str(fine))

    delays = _run_due(queue)
    assert fine.read_text() == "ran\n", "the other job ran, once, beside the failing one"
    for _ in range(3):
        _retry_all(queue)
        delays += _run_due(queue)
    _retry_all(queue)
    assert _run_due(queue) == [], "nothing is left to run"

    assert len(broken.read_text().splitlines()) == 4, "the first attempt and three retries"
    assert [round(delay.total_seconds()) for delay in delays] == [60, 120, 240]
    failure = FailedJob.objects.get()
    assert failure.state == JobState.FAILED
    assert (failure.name, failure.attempts) == ("config.tests.d4_jobs.always_fails", 4)
    assert failure.arguments == {"args": [str(broken)], "kwargs": {}}
    assert failure.error == "RuntimeError: broken on purpose"
    assert "raise RuntimeError" in failure.traceback
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.org"]
    assert "config.tests.d4_jobs.always_fails" in mail.outbox[0].subject
    assert "/staff/jobs/" in mail.outbox[0].body
    stored = default_task_backend.get_result(result.id)
    assert stored.status == TaskResultStatus.FAILED
    assert len(stored.errors) == 4


def test_D4_a_job_that_fails_once_then_works_is_resolved_without_an_alert(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    tmp_path: Path,
) -> None:
    jobs.connect(queue)
    trace = tmp_path / "flaky"
    with transaction.atomic():
        result = d4_jobs.fails_once.enqueue(str(trace))
    _run_due(queue)
    assert FailedJob.objects.get().state == JobState.RETRYING
    _retry_all(queue)
    _run_due(queue)

    failure = FailedJob.objects.get()
    assert (failure.state, failure.attempts, failure.resolution) == (JobState.RESOLVED, 1, "a later run worked")
    assert failure.error == "ConnectionError: the mail server hung up"
    assert mail.outbox == []
    assert default_task_backend.get_result(result.id).status == TaskResultStatus.SUCCESSFUL


def test_D4_without_retries_a_failing_job_fails_at_once(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    settings,
    tmp_path: Path,
) -> None:
    settings.TASK_RETRIES = 0
    jobs.connect(queue)
    with transaction.atomic():
        d4_jobs.always_fails.enqueue(str(tmp_path / "broken"))
    assert _run_due(queue) == []
    assert FailedJob.objects.get().state == JobState.FAILED
    assert len(mail.outbox) == 1


def test_D4_a_failing_periodic_job_alerts_once_and_its_next_good_run_resolves_it(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chats import services as chat_services
    from chats.tasks import release_due_questions

    jobs.connect(queue)

    def broken() -> int:
        raise OSError("disk full")

    monkeypatch.setattr(chat_services, "release_due", broken)
    for _ in range(3):  # three minutes of the every-minute job failing
        queue.execute(release_due_questions.s())
    failure = FailedJob.objects.get()
    assert (failure.key, failure.state, failure.attempts) == (
        "periodic:chats.tasks.release_due_questions",
        JobState.FAILED,
        3,
    )
    assert len(mail.outbox) == 1, "one alert, not one a minute"

    monkeypatch.undo()
    queue.execute(release_due_questions.s())
    failure.refresh_from_db()
    assert (failure.state, failure.resolution) == (JobState.RESOLVED, "a later run worked")

    monkeypatch.setattr(chat_services, "release_due", broken)
    queue.execute(release_due_questions.s())
    failure.refresh_from_db()
    assert (failure.state, failure.attempts) == (JobState.FAILED, 1), "failing again after it was resolved"
    assert len(mail.outbox) == 2, "is a new alert"


def test_D4_with_no_admins_configured_the_active_staff_are_alerted(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    settings,
    tmp_path: Path,
) -> None:
    from accounts.tests.factories import UserFactory

    settings.ADMINS, settings.TASK_RETRIES = [], 0
    UserFactory.create(username="admin1", email="admin1@example.org", is_staff=True)
    UserFactory.create(username="gone", email="gone@example.org", is_staff=True, is_active=False)
    UserFactory.create(username="maria", email="maria@example.org")
    jobs.connect(queue)
    with transaction.atomic():
        d4_jobs.always_fails.enqueue(str(tmp_path / "broken"))
    _run_due(queue)
    assert [message.to for message in mail.outbox] == [["admin1@example.org"]]
