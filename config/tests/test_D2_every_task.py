"""D2 for every kind of background job: Huey takes a job off the queue before it runs it, so a worker killed
in the middle (SIGKILL, the OOM killer, a power cut) would lose the job. Each started Django task is noted
(core.models.RunningJob) until it ends; one older than JOB_LEASE_MINUTES is run again by the lost-job sweep
(`core.tasks.recover_lost_jobs`), each loss counted as a failed attempt, so a job that keeps killing its
worker ends up failed and alerted rather than run forever. The harvest, downloads and erasure have their own
crash tests as well (syndication/tests/test_crash.py, privacy/tests/test_crash.py).

In-process, the worker's side is driven through Huey's own signals on a real SQLite queue; then a real
`commonplace run_huey` process is killed with SIGKILL in the middle of a job."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from huey import SqliteHuey

from config.tests import d4_jobs
from config.tests.test_D3_every_task import queue  # noqa: F401 - the fixture
from config.tests.test_D4_worker import _env, _wait_until, stop
from core import jobs, services
from core.models import FailedJob, JobState, RunningJob
from syndication.tests.test_crash import database_url, run_child  # noqa: F401 - database_url: the fixture

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def policy(settings) -> None:
    settings.TASK_RETRIES, settings.JOB_LEASE_MINUTES, settings.ADMINS = 3, 30, ["ops@example.org"]


def _start_and_die(huey: SqliteHuey) -> None:
    """A worker takes the next job and starts it (Huey's `executing` signal), then dies before it ends."""
    task = huey.dequeue()
    assert task is not None
    jobs.on_executing("executing", task)


def _later(minutes: int) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_D2_a_job_lost_with_its_worker_is_run_again_after_its_lease(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    tmp_path: Path,
) -> None:
    jobs.connect(queue)
    trace = str(tmp_path / "trace")
    with transaction.atomic():
        d4_jobs.works.enqueue(trace)
    _start_and_die(queue)
    assert RunningJob.objects.get().name == "config.tests.d4_jobs.works"

    assert services.recover_lost(now=_later(20)) == 0, "not before its lease is over"
    assert queue.pending_count() == 0
    assert services.recover_lost(now=_later(31)) == 1
    assert not RunningJob.objects.exists()
    lost = FailedJob.objects.get()
    assert (lost.state, lost.attempts, lost.error) == (JobState.RETRYING, 1, services.LOST)

    task = queue.dequeue()  # the job again, with its arguments, and this time it ends
    assert task is not None
    queue.execute(task)
    assert Path(trace).read_text() == "ran\n"
    assert not RunningJob.objects.exists()
    lost.refresh_from_db()
    assert (lost.state, lost.resolution) == (JobState.RESOLVED, "a later run worked")
    assert mail.outbox == []


def test_D2_a_job_that_keeps_killing_its_worker_ends_up_failed_and_alerted(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    tmp_path: Path,
) -> None:
    jobs.connect(queue)
    with transaction.atomic():
        d4_jobs.works.enqueue(str(tmp_path / "trace"))
    for loss in range(1, 5):
        _start_and_die(queue)
        enqueued = services.recover_lost(now=_later(31 * loss))
        assert enqueued == (1 if loss <= 3 else 0), f"loss {loss}"
    lost = FailedJob.objects.get()
    assert (lost.state, lost.attempts) == (JobState.FAILED, 4)
    assert queue.pending_count() == 0, "not run a fifth time"
    assert len(mail.outbox) == 1
    assert "config.tests.d4_jobs.works" in mail.outbox[0].subject


def test_D2_a_job_that_ends_leaves_nothing_to_recover(
    queue: SqliteHuey,  # noqa: F811
    policy: None,
    tmp_path: Path,
) -> None:
    jobs.connect(queue)
    with transaction.atomic():
        d4_jobs.works.enqueue(str(tmp_path / "fine"))
        d4_jobs.always_fails.enqueue(str(tmp_path / "broken"))
    while (task := queue.dequeue()) is not None:
        queue.execute(task)
    assert not RunningJob.objects.exists(), "a job that raised was not lost: Huey retries it itself"
    assert services.recover_lost(now=_later(600)) == 0


def test_D2_a_real_worker_killed_mid_job_and_the_job_is_run_again(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = _env(database_url, tmp_path)
    run_child("config.tests.d4_child", "setup", env=env)
    trace = tmp_path / "trace"
    run_child("config.tests.d4_child", "enqueue", "stalls_the_first_time", str(trace), env=env)

    def report() -> dict[str, list[dict[str, object]]]:
        return json.loads(run_child("config.tests.d4_child", "report", env=env))

    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "config.cli", "run_huey", "--workers", "2", "--max-delay", "0.5"]

    def start() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)

    first = start()
    try:
        _wait_until(lambda: trace.exists() and bool(report()["running"]), first, log, "the job to start")
        os.kill(first.pid, signal.SIGKILL)  # in the middle of the job
        first.wait(timeout=15)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == -signal.SIGKILL
    assert trace.read_text() == "ran\n"
    assert [row["name"] for row in report()["running"]] == ["config.tests.d4_jobs.stalls_the_first_time"]

    assert run_child("config.tests.d4_child", "recover", "31", env=env) == "1"
    second = start()
    try:
        _wait_until(lambda: "done" in trace.read_text(), second, log, "the job run again to end")
        time.sleep(1.0)  # time for a (wrong) third run
    finally:
        stop(second)
    assert trace.read_text() == "ran\nran\ndone\n", "started twice, finished once"
    state = report()
    assert state["running"] == []
    [lost] = state["failed"]
    assert (lost["name"], lost["state"], lost["attempts"]) == (
        "config.tests.d4_jobs.stalls_the_first_time",
        "resolved",
        1,
    )
