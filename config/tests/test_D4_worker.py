"""D4 with a real worker: `commonplace run_huey`, as `make run` starts it, runs a job that always raises.
It is tried again twice (after 1 s, then 2 s: the policy is set small through the settings' environment),
then recorded as failed, and the administrators are e-mailed once (the console mailer prints into the
worker's log); a job enqueued beside it, and one enqueued after it gave up, both run. The database is a
fresh one of the suite's kind (SQLite, or PostgreSQL when the suite runs there), the queue a SQLite file."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from syndication.tests.test_crash import database_url, run_child  # noqa: F401 - database_url: the fixture

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0
ALERT = "Last error: RuntimeError: broken on purpose"  # a line of the alert e-mail's body


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "COMMONPLACE_VAR_DIR": str(tmp_path / "var"),
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
        "HUEY_IMMEDIATE": "0",
        "REDIS_URL": "",
        "EMAIL_HOST": "",
        "DEBUG": "0",
        "ADMINS": "ops@example.org",
        "TASK_RETRIES": "2",
        "TASK_RETRY_DELAY_SECONDS": "1",
        "TASK_RETRY_BACKOFF": "2",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def _wait_until(ready: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not ready():
        if worker.poll() is not None:
            pytest.fail(f"The worker stopped while waiting for {what}:\n{log.read_text()[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out waiting for {what}:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)


def stop(worker: subprocess.Popen[bytes]) -> None:
    """Huey's graceful stop (SIGINT lets a running job finish); killed if still up after 15 s."""
    worker.send_signal(signal.SIGINT)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def test_D4_a_real_worker_retries_a_job_that_always_raises_then_shows_it_failed_and_goes_on(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = _env(database_url, tmp_path)
    run_child("config.tests.d4_child", "setup", env=env)
    broken, beside, after = tmp_path / "broken", tmp_path / "beside", tmp_path / "after"
    run_child("config.tests.d4_child", "enqueue", "always_fails", str(broken), env=env)
    run_child("config.tests.d4_child", "enqueue", "works", str(beside), env=env)

    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "config.cli", "run_huey", "--workers", "2", "--max-delay", "0.5"]
    with log.open("wb") as out:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:

        def report() -> list[dict[str, object]]:
            return json.loads(run_child("config.tests.d4_child", "report", env=env))["failed"]

        _wait_until(lambda: any(row["state"] == "failed" for row in report()), worker, log, "the job to give up")
        started = time.monotonic()
        run_child("config.tests.d4_child", "enqueue", "works", str(after), env=env)
        _wait_until(after.exists, worker, log, "a job enqueued after the failure")
        time.sleep(max(0.0, 3.0 - (time.monotonic() - started)))  # time for a (wrong) fourth attempt
        assert worker.poll() is None, "the worker is still up"
    finally:
        stop(worker)

    [row] = report()
    assert (row["name"], row["state"], row["attempts"]) == ("config.tests.d4_jobs.always_fails", "failed", 3)
    assert row["error"] == "RuntimeError: broken on purpose"
    assert len(broken.read_text().splitlines()) == 3, "the first attempt and two retries, no more"
    assert beside.read_text() == "ran\n"
    assert after.read_text() == "ran\n"
    output = log.read_text()
    assert output.count(ALERT) == 1, output[-4000:]
    assert "To: ops@example.org" in output
    assert "[Commonplace] A background job failed" in output
