"""D2 for the download builder: a worker killed with SIGKILL half-way through writing a person's zip leaves no
download anyone could fetch, the nightly clean-up takes the half-written file away and says the build
failed, and asking again gives a whole download. The build runs in a process of its own (`crash_export.py`)
on a database of its own, as syndication's crash test does."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from syndication.tests.test_crash import database_url, run_child  # noqa: F401 - database_url: the fixture

ROOT = Path(__file__).resolve().parents[2]


def _run(mode: str, env: dict[str, str]) -> str:
    return run_child("privacy.tests.crash_export", mode, env=env)


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    """The child processes' settings: the test's own database, var folder and downloads folder."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "COMMONPLACE_VAR_DIR": str(tmp_path / "var"),
        "EXPORT_ROOT": str(tmp_path / "exports"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def test_D2_an_export_killed_half_way_leaves_no_download_and_is_cleaned_up(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = _env(database_url, tmp_path)
    _run("setup", env)
    child = subprocess.Popen(
        [sys.executable, "-m", "privacy.tests.crash_export", "crash"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until half the zip is on disk
        assert line.strip() == "WRITING", child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    killed = json.loads(_run("state", env))
    assert [e["status"] for e in killed["exports"]] == ["building"]
    assert killed["exports"][0]["file_name"] == "", "nothing to download"
    assert [f for f in killed["files"] if not f.endswith(".partial")] == [], "no whole-looking zip"

    # The nightly clean-up: the half-written file goes, and the dead build is marked failed.
    assert _run("sweep", env).strip() == "1"
    swept = json.loads(_run("state", env))
    assert swept["files"] == []
    assert [e["status"] for e in swept["exports"]] == ["failed"]

    # Asking again builds a whole download.
    assert _run("again", env).strip() == "ready"
    done = json.loads(_run("state", env))
    assert [e["status"] for e in done["exports"]] == ["failed", "ready"]
    assert len(done["files"]) == 1
    assert done["files"][0].endswith(".zip")


def test_D6_an_erasure_killed_half_way_leaves_no_half_erased_step_and_the_command_finishes_it(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = _env(database_url, tmp_path)
    erase = "privacy.tests.crash_erase"
    run_child(erase, "setup", env=env)
    before = json.loads(run_child(erase, "state", env=env))
    assert before["sessions_valid"] == [True]
    assert before["titles"] == ["Answered", "Unanswered"]
    child = subprocess.Popen(
        [sys.executable, "-m", erase, "crash"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until one post is deleted inside the step's transaction
        assert line.strip() == b"ERASING", child.stderr.read() if child.stderr else b""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    killed = json.loads(run_child(erase, "state", env=env))
    # What the request did is done: no sign-in, no session, no token, no e-mail address.
    assert killed["active"] is False
    assert killed["usable_password"] is False
    assert killed["tokens"] == 0
    assert killed["sessions_valid"] == [False]
    assert "maria@example.org" not in killed["email"]
    # The step that was killed left nothing half-done: both posts are as they were (its transaction rolled
    # back), the step before it (comments) is complete, and the erasure is known to be unfinished.
    assert killed["titles"] == ["Answered", "Unanswered"]
    assert killed["comments"] == []
    assert killed["erasure"] == "unfinished"

    run_child(erase, "finish", env=env)
    done = json.loads(run_child(erase, "state", env=env))
    assert done["titles"] == ["deleted"], "the post devon answered stays as a placeholder; the other goes"
    assert done["follows"] == 0
    assert done["erasure"] == "finished"
    assert "maria" in done["users"], "the handle stays reserved"
