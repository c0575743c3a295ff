"""D2 for real: a harvest process killed with SIGKILL inside its transaction leaves nothing half-written,
and the rerun stores each entry exactly once; one killed after a commit, before it finished its batch, leaves
the committed feed done once and the rest leased, and once the lease runs out they are checked again.

The harvest runs in a process of its own (`crash_harvest.py`) on a database of its own: a fresh SQLite file,
and on PostgreSQL (when the suite runs there) a fresh database beside the test database.
"""

import datetime as dt
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

from syndication.models import MAX_BACKOFF
from syndication.tasks import LEASE, LOST_MESSAGE

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


def test_D2_a_harvest_killed_after_commit_before_it_finishes_stores_each_entry_once(
    blog_server: BlogServer, database_url: str, tmp_path: Path
) -> None:
    """A worker leased its batch (the periodic job's enqueue_due), committed the first feed's entries and
    schedule, and was killed before it finished the batch. The committed feed is done, exactly once; the rest
    stay leased until the lease runs out, count as a failed check, and are checked again after the backoff;
    in the end every entry of every feed is stored once, and every feed is healthy."""
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
        "HUEY_IMMEDIATE": "1",  # the leased batch runs in the process that enqueues it
    }
    _run("setup", *urls, env=env)

    child = subprocess.Popen(
        [sys.executable, "-m", "syndication.tests.crash_harvest", "crash-after-commit"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()  # blocks until the first feed's transaction is committed
        assert line.startswith("COMMITTED "), child.stderr.read() if child.stderr else ""
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    committed = set(json.loads(line.removeprefix("COMMITTED ")))
    assert len(committed) == 1

    # What was committed is there, once, with its lease cleared in the same transaction; the rest of the
    # batch is as the killed worker left it: leased, never checked, nothing stored.
    feeds = json.loads(_run("feeds", env=env))
    assert len(feeds) == FEEDS
    for feed in feeds:
        if feed["id"] in committed:
            expected = {"leased": False, "checked": True, "failures": 0, "entries": ITEMS, "distinct": ITEMS}
        else:
            expected = {"leased": True, "checked": False, "failures": 0, "entries": 0, "distinct": 0}
        assert {key: feed[key] for key in expected} == expected, feed
    after_crash = json.loads(_run("count", env=env))
    assert after_crash == {
        "entries": ITEMS,
        "distinct": ITEMS,
        "orphans": 0,
        "artifacts": ITEMS,
        "twice": 0,
        "unlinked_artifacts": 0,
    }

    # Meanwhile every blog adds a post, so every feed (the committed one too) is read again whole.
    for n in range(FEEDS):
        blog_server.serve(
            f"/blog{n}/feed",
            rss(*(item(f"b{n}-{i}", f"Post {i} of blog {n}") for i in range(ITEMS + 1)), title=f"Blog {n}"),
        )

    # The lease runs out: the unfinished feeds count as a failed check and back off; the committed one is
    # untouched, and nothing is due yet.
    expiry = LEASE + dt.timedelta(minutes=1)
    assert json.loads(_run("enqueue", str(expiry.total_seconds()), env=env)) == {"leased": 0}
    for feed in json.loads(_run("feeds", env=env)):
        assert not feed["leased"], feed
        if feed["id"] in committed:
            assert (feed["failures"], feed["last_error"], feed["entries"]) == (0, "", ITEMS), feed
        else:
            assert (feed["failures"], feed["last_error"], feed["entries"]) == (1, LOST_MESSAGE, 0), feed

    # After the backoff every feed is due again: leased and harvested (in the same process, HUEY_IMMEDIATE).
    later = expiry + MAX_BACKOFF + dt.timedelta(hours=1)
    assert json.loads(_run("enqueue", str(later.total_seconds()), env=env)) == {"leased": FEEDS}
    for feed in json.loads(_run("feeds", env=env)):
        healthy = {"leased": False, "checked": True, "failures": 0, "last_error": ""}
        assert {key: feed[key] for key in healthy} == healthy, feed
        assert (feed["entries"], feed["distinct"]) == (ITEMS + 1, ITEMS + 1), feed
    total = FEEDS * (ITEMS + 1)
    assert json.loads(_run("count", env=env)) == {
        "entries": total,
        "distinct": total,
        "orphans": 0,
        "artifacts": total,
        "twice": 0,
        "unlinked_artifacts": 0,
    }
