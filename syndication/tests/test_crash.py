"""D2 for real: a harvest process killed with SIGKILL inside its transaction leaves nothing half-written,
and the rerun stores each entry exactly once.

The harvest runs in a process of its own (`crash_harvest.py`) on a database of its own: a fresh SQLite file,
and on PostgreSQL (when the suite runs there) a fresh database beside the test database.
"""

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from .blogserver import BlogServer, item, rss

ROOT = Path(__file__).resolve().parents[2]
FEEDS, ITEMS = 3, 20


def _postgres_url() -> Iterator[str]:
    import psycopg

    params = settings.DATABASES["default"]
    name = f"commonplace_crash_{uuid.uuid4().hex[:8]}"
    conninfo: dict[str, Any] = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"],
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
        yield f"postgres://{auth}@{conninfo['host']}:{conninfo['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """The same kind of database the suite runs on, but a fresh one the child processes may share."""
    if connection.vendor == "postgresql":
        yield from _postgres_url()
    else:
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"


def run_child(module: str, mode: str, *args: str, env: dict[str, str]) -> str:
    """Run `python -m module mode args…` from the project root with `env`; its output (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-m", module, mode, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _run(mode: str, *args: str, env: dict[str, str]) -> str:
    return run_child("syndication.tests.crash_harvest", mode, *args, env=env)


def test_D2_a_harvest_killed_mid_transaction_leaves_nothing_half_written(
    blog_server: BlogServer, database_url: str, tmp_path: Path
) -> None:
    urls = [
        blog_server.serve(
            f"/blog{n}/feed",
            rss(*(item(f"b{n}-{i}", f"Post {i} of blog {n}") for i in range(ITEMS)), title=f"Blog {n}"),
        )
        for n in range(FEEDS)
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "COMMONPLACE_VAR_DIR": str(tmp_path / "var"),
        "COMMONPLACE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{blog_server.port}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    _run("setup", *urls, env=env)

    child = subprocess.Popen(
        [sys.executable, "-m", "syndication.tests.crash_harvest", "crash"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until rows are written inside the open transaction
        assert line.strip() == "STORING", child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    # Nothing of the killed transaction survives: no entry, no artifact.
    after_crash = json.loads(_run("count", env=env))
    assert after_crash["entries"] == 0
    assert after_crash["artifacts"] == 0

    # The rerun stores everything, once.
    first = json.loads(_run("harvest", env=env))
    assert first == {"fetched": FEEDS, "new": FEEDS * ITEMS, "failed": 0}
    stored = json.loads(_run("count", env=env))
    assert stored == {
        "entries": FEEDS * ITEMS,
        "distinct": FEEDS * ITEMS,
        "orphans": 0,
        "artifacts": FEEDS * ITEMS,
        "twice": 0,
        "unlinked_artifacts": 0,
    }

    # A blog that adds a post is read again whole: only the new post is stored, the others stay once.
    blog_server.serve(
        "/blog0/feed",
        rss(*(item(f"b0-{i}", f"Post {i} of blog 0") for i in range(ITEMS + 1)), title="Blog 0"),
    )
    second = json.loads(_run("harvest", env=env))
    assert second == {"fetched": 1, "new": 1, "failed": 0}
    grown = {key: stored[key] + 1 for key in ("entries", "distinct", "artifacts")}
    assert json.loads(_run("count", env=env)) == {**stored, **grown}
