"""The embedded defaults and the scale-out switches: settings, task queue, cache, deploy checks."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def settings_with(env: dict[str, str], expression: str) -> object:
    """Evaluate `expression` against config.settings imported fresh under `env`."""
    code = f"import json, config.settings as s; print(json.dumps({expression}, default=str))"
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECURE", "SITE_URL"}}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_embedded_default_is_sqlite_wal_immediate_with_sqlite_huey(tmp_path: Path) -> None:
    result = settings_with(
        {"COMMONPLACE_VAR_DIR": str(tmp_path)},
        '[s.DATABASES["default"]["ENGINE"], s.DATABASES["default"]["OPTIONS"], s.HUEY["huey_class"], '
        's.CACHES["default"]["BACKEND"], s.TASKS["default"]["BACKEND"], s.DATABASES["default"]["CONN_MAX_AGE"], '
        's.DATABASES["default"]["CONN_HEALTH_CHECKS"]]',
    )
    assert isinstance(result, list)
    engine, options, huey_class, cache, tasks, max_age, health_checks = result
    assert engine == "django.db.backends.sqlite3"
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "busy_timeout" in options["init_command"]
    # Kept between requests (a new one cost 0.8 ms and a cold page cache), each with a capped page cache.
    assert max_age > 0
    assert health_checks
    assert "cache_size=-1000" in options["init_command"]
    assert huey_class == "huey.SqliteHuey"
    assert cache.endswith("LocMemCache")
    assert tasks == "core.jobs.HueyBackend"  # Huey's own, with the retry policy (D4)


def test_database_url_and_redis_url_switch_to_postgres_and_redis(tmp_path: Path) -> None:
    result = settings_with(
        {
            "COMMONPLACE_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://cp:secret@127.0.0.1:5432/cp",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        },
        '[s.DATABASES["default"]["ENGINE"], s.HUEY["huey_class"], s.CACHES["default"]["BACKEND"]]',
    )
    assert isinstance(result, list)
    engine, huey_class, cache = result
    assert engine == "django.db.backends.postgresql"
    assert huey_class == "huey.RedisHuey"
    assert cache == "django.core.cache.backends.redis.RedisCache"


def test_S1_check_deploy_passes_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "COMMONPLACE_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 30 + uuid.uuid4().hex + "Yz!#%",
        "SITE_URL": "https://course.example.org",
        "ALLOWED_HOSTS": "course.example.org",
        "DEBUG": "0",
        "EMAIL_HOST": "smtp.example.org",
    }
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "COMMONPLACE_TESTING"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-m", "config.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr + out.stdout
    assert "no issues" in out.stdout


def test_sqlite_connection_uses_wal(db: None) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only property; this run is on " + connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database is in memory, where SQLite reports "memory"; a file database reports "wal".
    assert mode in {"wal", "memory"}


def test_django_task_runs_through_a_real_sqlite_huey_queue(transactional_db: None, tmp_path: Path) -> None:
    """Enqueue through Django's Tasks API into a SQLite Huey file, then run it as the worker would."""
    from huey import SqliteHuey

    queue = SqliteHuey("commonplace-test", filename=str(tmp_path / "huey.sqlite3"))
    run_in_worker(queue)


def run_in_worker(queue: object) -> None:
    from huey.contrib.djhuey import tasks_backend

    from config.tests import sample_tasks

    original = tasks_backend.HUEY
    tasks_backend.HUEY = queue  # type: ignore[assignment]
    queue._registry = original._registry  # type: ignore[attr-defined]
    try:
        marker = uuid.uuid4().hex
        result = sample_tasks.remember.enqueue(marker)
        assert result.status == "READY"
        assert queue.pending_count() == 1  # type: ignore[attr-defined]
        task = queue.dequeue()  # type: ignore[attr-defined]
        queue.execute(task)  # type: ignore[attr-defined]
        assert sample_tasks.SEEN[-1] == marker
        assert tasks_backend.HueyBackend("default", {"OPTIONS": {}}).get_result(result.id).status == "SUCCESSFUL"
    finally:
        tasks_backend.HUEY = original


def redis_url() -> str | None:
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    if url:
        return url
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
        return "redis://127.0.0.1:6379/15"
    except Exception:
        if os.environ.get("CI"):
            raise
        return None


def test_django_task_runs_through_a_real_redis_huey_queue(transactional_db: None) -> None:
    url = redis_url()
    if url is None:
        pytest.skip("Redis is not running here and CI is unset")
    from huey import RedisHuey

    queue = RedisHuey(f"commonplace-test-{uuid.uuid4().hex}", url=url)
    try:
        run_in_worker(queue)
    finally:
        queue.flush()


def test_redis_cache_stores_and_expires() -> None:
    url = redis_url()
    if url is None:
        pytest.skip("Redis is not running here and CI is unset")
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(url, {"KEY_PREFIX": uuid.uuid4().hex})
    cache.set("greeting", {"habit": "ask questions"}, timeout=30)
    assert cache.get("greeting") == {"habit": "ask questions"}
    cache.delete("greeting")
    assert cache.get("greeting") is None


def test_tasks_are_enqueued_after_commit() -> None:
    assert settings.TASKS["default"]["ENQUEUE_ON_COMMIT"] is True


def test_every_app_with_tests_is_in_the_suite() -> None:
    """`make test` runs pytest's testpaths: an app whose tests are not listed there would never run in CI."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"])
    with_tests = {path.parent.name for path in ROOT.glob("*/tests") if path.is_dir() and path.parent.name != ".venv"}
    assert with_tests - listed == set(), f"add these to [tool.pytest.ini_options] testpaths: {with_tests - listed}"
    layered = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"])
    assert with_tests - layered == set(), f"add these to import-linter's root_packages: {with_tests - layered}"
