"""Harvest benchmark: our feed harvester against the `reader` library on a loopback farm of blog feeds.

Starts bench/feed_farm.py (2,000 blogs x 20 items by default, in its own process), then, each in a fresh
subprocess so that peak memory is its own:

  reader   reader.make_reader() on a temporary SQLite file, the feeds added, then update_feeds_iter();
  ours     syndication.harvest.harvest_feeds() on a fresh database (SQLite file, then PostgreSQL), after
           migrate, one course, one enrolled user and one feed (take_all) per blog.

The first pass stores every entry; the second finds every feed unchanged (304) and runs --repeat-304 times
(the fastest counts). Prints a table and writes bench/results/harvest.json (harvest-quick.json with --quick).

    .venv/bin/python bench/harvest_bench.py                  # 2,000 blogs, SQLite and PostgreSQL
    .venv/bin/python bench/harvest_bench.py --quick          # 200 blogs, a smoke run
    .venv/bin/python bench/harvest_bench.py --postgres postgres://postgres@127.0.0.1:5432/postgres

PostgreSQL: --postgres URL or BENCH_DATABASE_URL names a server (loopback); the benchmark creates and drops
its own database `commonplace_bench` there. Without either it tries postgres://postgres@127.0.0.1:5432.
Everything stays on 127.0.0.0/8: the measured processes refuse any other address.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from _common import (  # bench/ is on sys.path: this file's directory
    RESULTS_DIR,
    ROOT,
    TreeMemorySampler,
    install_loopback_guard,
    machine_busy_seconds,
    machine_info,
    max_rss_mb,
    process_cpu_seconds,
    tree_cpu_seconds,
    wait_for_quiet,
)
from feed_farm import get_json, self_test, start_farm

# The reference: reader 3.27 on such a farm, about 645 entries/s first and 600 feeds/s on the 304 pass.
REFERENCE_FIRST_ENTRIES_PER_S = 645
REFERENCE_304_FEEDS_PER_S = 600
REFERENCE = {
    "reader": "3.27",
    "first_pass_entries_per_s": REFERENCE_FIRST_ENTRIES_PER_S,
    "not_modified_feeds_per_s": REFERENCE_304_FEEDS_PER_S,
}
TARGETS = {"first_pass_ratio": 5.0, "not_modified_ratio": 5.0, "peak_rss_mb_below": 400.0}
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "commonplace_bench"
PACKAGES = ["reader", "feedparser", "lxml", "aiohttp", "requests", "django", "psycopg"]
SUMMARY_FIELDS = ["feeds", "fetched", "not_modified", "new", "updated", "failed", "entries_seen"]


def say(text: str) -> None:
    """Progress for the person running the benchmark (stdout; a worker's stderr goes to its log file)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------------------------
# Measured workers: each runs in its own interpreter (python bench/harvest_bench.py --worker ...).


class _Pass:
    """Wall time and CPU of one pass: this process tree's, the farm's and everyone else's on the machine."""

    def __init__(self, base_url: str, farm_pid: int, server_pid: int | None = None) -> None:
        self.base_url = base_url
        self.farm_pid = farm_pid
        self.server_pid = server_pid  # the PostgreSQL backend serving us: its CPU is ours, not "others"

    def _cpu(self) -> tuple[float, float, float]:
        own = tree_cpu_seconds(os.getpid())
        if self.server_pid:
            own += process_cpu_seconds(self.server_pid)
        return own, process_cpu_seconds(self.farm_pid), machine_busy_seconds()

    def __enter__(self) -> _Pass:
        get_json(self.base_url, "/_stats/reset")
        self.before = self._cpu()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.started
        own, farm, machine = (after - before for after, before in zip(self._cpu(), self.before, strict=True))
        self.cpu, self.farm_cpu, self.others_cpu = own, farm, max(0.0, machine - own - farm)
        self.farm_stats = get_json(self.base_url, "/_stats")

    def result(self, feeds: int, entries: int, **extra: Any) -> dict[str, Any]:
        return {
            "wall_s": round(self.wall, 3),
            "feeds_per_s": round(feeds / self.wall, 1),
            "entries_per_s": round(entries / self.wall, 1),
            "entries_stored_in_pass": entries,
            # CPU: the measured process, its children (a pool) and its PostgreSQL backend; the farm; and every
            # other process on the machine (a busy machine makes wall times slower than they should be).
            "cpu_s": round(self.cpu, 2),
            "cores_used": round(self.cpu / self.wall, 2),
            "entries_per_cpu_s": round(entries / self.cpu, 1) if self.cpu else None,
            "feeds_per_cpu_s": round(feeds / self.cpu, 1) if self.cpu else None,
            "farm_cpu_s": round(self.farm_cpu, 2),
            "others_cpu_s": round(self.others_cpu, 2),
            "others_cores": round(self.others_cpu / self.wall, 2),
            "farm_responses": self.farm_stats,
            **extra,
        }


def _pass_names(args: argparse.Namespace) -> list[str]:
    """The first harvest once, then the 304 pass `--repeat-304` times (the fastest is reported)."""
    return ["first"] + ["not_modified"] * max(1, args.repeat_304)


def _best(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The fastest of repeated passes (the least disturbed by other work), keeping every run's wall time."""
    best = dict(min(results, key=lambda result: result["wall_s"]))
    if len(results) > 1:
        best["runs_wall_s"] = [result["wall_s"] for result in results]
        best["runs_farm_responses"] = [result["farm_responses"] for result in results]
        best["runs_failed"] = [result["outcome"].get("failed") for result in results]
    return best


def feed_urls(base_url: str, n_blogs: int) -> list[str]:
    return [f"{base_url}/blog/{i}/feed" for i in range(n_blogs)]


def worker_reader(args: argparse.Namespace) -> dict[str, Any]:
    from reader import UpdatedFeed, make_reader

    urls = feed_urls(args.base_url, args.blogs)
    with tempfile.TemporaryDirectory(prefix="bench-reader-") as tmp:
        reader = make_reader(str(Path(tmp) / "reader.sqlite"))
        for url in urls:
            reader.add_feed(url)
        runs: dict[str, list[dict[str, Any]]] = {"first": [], "not_modified": []}
        for name in _pass_names(args):
            scheduled = name == "first"
            before = reader.get_entry_counts().total or 0
            outcome = {"updated": 0, "not_modified": 0, "failed": 0, "new": 0, "modified": 0}
            with _Pass(args.base_url, args.farm_pid) as measured:
                # The second pass must not wait for reader's schedule (next update an hour later).
                for result in reader.update_feeds_iter(workers=args.reader_workers, scheduled=scheduled):
                    if isinstance(result.value, UpdatedFeed):
                        outcome["updated"] += 1
                        outcome["new"] += result.value.new
                        outcome["modified"] += result.value.modified
                    elif result.value is None:
                        outcome["not_modified"] += 1
                    else:
                        outcome["failed"] += 1
            stored = reader.get_entry_counts().total or 0
            runs[name].append(measured.result(len(urls), stored - before, outcome=outcome))
            say(f"  reader {name}: {runs[name][-1]['wall_s']} s, {outcome}")
        passes = {name: _best(results) for name, results in runs.items()}
        stored_total = reader.get_entry_counts().total or 0
        reader.close()
    return {"passes": passes, "stored_entries": stored_total, "stored_artifacts": None}


def _database_settings(args: argparse.Namespace) -> None:
    """Point Django at the benchmark's database and a throw-away var/ directory, before setup."""
    os.environ["DATABASE_URL"] = args.database
    os.environ["COMMONPLACE_FETCH_ALLOW_HOSTS"] = "127.0.0.1"
    # The farm's 2,000 blogs share one address; in the wild they are spread over many hosts. Let the
    # harvester open as many connections to it as it would to 2,000 hosts at once (its window of 64).
    os.environ["FETCH_PER_HOST"] = "64"
    os.environ["COMMONPLACE_VAR_DIR"] = args.var_dir
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["HUEY_IMMEDIATE"] = "0"  # enqueue follow-up tasks as production does, never run them inline
    os.environ["REDIS_URL"] = ""
    os.environ["EMAIL_HOST"] = ""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def _make_fixtures(base_url: str, n_blogs: int) -> int:
    """One course, one participant and one feed (take_all) per blog; returns the course id."""
    import datetime as dt

    from accounts.models import User
    from courses.models import Course, Enrollment
    from syndication.models import Feed

    course = Course.objects.create(
        title="The Innovator's Mindset (benchmark)",
        slug="bench-immooc",
        hashtag="#IMMOOC",
        start_date=dt.date(2025, 9, 1),
    )
    users = []
    for i in range(n_blogs):
        user = User(username=f"blogger{i}", email=f"blogger{i}@bench.invalid", display_name=f"Blogger {i}")
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users, batch_size=500)
    users = list(User.objects.filter(username__startswith="blogger").order_by("id"))
    Enrollment.objects.bulk_create([Enrollment(course=course, user=user) for user in users], batch_size=500)
    by_name = {user.username: user for user in users}
    Feed.objects.bulk_create(
        [
            Feed(course=course, owner=by_name[f"blogger{i}"], url=url, status="active", take_all=True)
            for i, url in enumerate(feed_urls(base_url, n_blogs))
        ],
        batch_size=500,
    )
    return course.pk


def worker_ours(args: argparse.Namespace) -> dict[str, Any]:
    _database_settings(args)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        from syndication import harvest
        from syndication.harvest import harvest_feeds
    except ImportError as error:
        return {"status": "unavailable", "reason": f"syndication.harvest not available yet ({error})"}
    default_workers = getattr(harvest, "default_workers", None)
    workers_used = args.ours_workers or (default_workers() if callable(default_workers) else None)

    from django.core.management import call_command
    from django.db import connection

    from posts.models import Artifact
    from syndication.models import Entry, Feed

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _make_fixtures(args.base_url, args.blogs)
    setup_s = time.perf_counter() - started
    say(f"  ours/{connection.vendor}: migrated and created {args.blogs} feeds in {setup_s:.1f} s")
    feed_ids = None  # all feeds: the harvester's own selection
    server_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            server_pid = cursor.fetchone()[0]
    counts_after = {}
    runs: dict[str, list[dict[str, Any]]] = {"first": [], "not_modified": []}
    for name in _pass_names(args):
        before = Entry.objects.count()
        with _Pass(args.base_url, args.farm_pid, server_pid) as measured:
            summary = harvest_feeds(feed_ids, workers=args.ours_workers)
        stored = Entry.objects.count()
        outcome = {field: getattr(summary, field, None) for field in SUMMARY_FIELDS}
        runs[name].append(measured.result(args.blogs, stored - before, outcome=outcome))
        counts_after[name] = {"entries": stored, "artifacts": Artifact.objects.count()}
        say(f"  ours/{connection.vendor} {name}: {runs[name][-1]['wall_s']} s, {outcome}")
    passes = {name: _best(results) for name, results in runs.items()}
    artifacts = Artifact.objects.count()
    distinct = Artifact.objects.values("author", "url").distinct().count()
    feeds_failing = Feed.objects.exclude(last_error="").count()
    return {
        "passes": passes,
        "setup_s": round(setup_s, 1),
        "stored_entries": Entry.objects.count(),
        "stored_artifacts": artifacts,
        "distinct_artifacts_by_author_and_url": distinct,
        "counts_after_pass": counts_after,
        "feeds_with_last_error": feeds_failing,
        "workers": workers_used,
    }


def run_worker(args: argparse.Namespace) -> int:
    """The subprocess side: measure one system, write the result as JSON to args.result."""
    blocked = install_loopback_guard()
    try:
        result = worker_reader(args) if args.worker == "reader" else worker_ours(args)
        result.setdefault("status", "ok")
    except Exception as error:
        result = {"status": "error", "reason": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
    result["peak_rss_mb"] = max_rss_mb()
    result["children_peak_rss_mb"] = max_rss_mb(resource.RUSAGE_CHILDREN)  # the largest waited-for child
    result["blocked_non_loopback"] = dict(blocked)
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Orchestration.


def measure(
    system: str, database: str, db_url: str, args: argparse.Namespace, base_url: str, farm_pid: int
) -> dict[str, Any]:
    """Run one measured worker in a fresh interpreter, sampling its process tree's memory from outside."""
    others_before = wait_for_quiet(args.wait_quiet) if args.wait_quiet else None
    say(f"{system} on {database}...")
    log_path = Path(tempfile.mkdtemp(prefix="bench-harvest-log-")) / f"{system}-{database}.log"
    with tempfile.TemporaryDirectory(prefix="bench-harvest-") as tmp:
        result_path = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            system,
            "--result",
            str(result_path),
            "--base-url",
            base_url,
            "--farm-pid",
            str(farm_pid),
            "--blogs",
            str(args.blogs),
            "--items",
            str(args.items),
            "--database",
            db_url,
            "--var-dir",
            str(Path(tmp) / "var"),
            "--reader-workers",
            str(args.reader_workers),
            "--repeat-304",
            str(args.repeat_304),
        ]
        if args.ours_workers is not None:
            command += ["--ours-workers", str(args.ours_workers)]
        load_before = os.getloadavg()
        started = time.perf_counter()
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, stderr=log)  # noqa: S603 (this script, as a worker)
            sampler = TreeMemorySampler(process.pid)
            sampler.start()
            try:
                code = process.wait(timeout=args.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                code = -9
            tree_peak = sampler.stop()
        if result_path.exists():
            result = json.loads(result_path.read_text())
        else:
            result = {"status": "error", "reason": f"worker exited with {code} and wrote no result"}
    result.update(system=system, database=database, process_s=round(time.perf_counter() - started, 1))
    result["load_average_at_start"] = [round(value, 2) for value in load_before]
    result["other_cores_busy_before"] = others_before
    result["tree_peak_rss_mb"] = tree_peak
    result["peak_memory_mb"] = max(tree_peak, float(result.get("peak_rss_mb") or 0))
    result["log"] = str(log_path)
    _check(result, args)
    if result["status"] == "unavailable":
        say(f"--- {system}/{database}: {result['reason']}")
    elif result["status"] != "ok":
        say(f"!!! {system}/{database} FAILED: {result.get('reason')}")
        say(result.get("traceback", ""))
        tail = log_path.read_text(errors="replace").splitlines()[-25:]
        say(f"!!! last lines of its log ({log_path}):\n" + "\n".join("    " + line for line in tail))
    if result.get("blocked_non_loopback"):
        say(f"!!! {system}/{database} tried to leave loopback: {result['blocked_non_loopback']}")
    return result


def _check(result: dict[str, Any], args: argparse.Namespace) -> None:
    """Every entry stored exactly once, the first pass all 200s, the second all 304s; else status 'failed'."""
    expected = args.blogs * args.items
    result["expected_entries"] = expected
    if result["status"] != "ok":
        return
    passes = result["passes"]
    first, nm = passes["first"], passes["not_modified"]
    stored_ok = result["stored_entries"] == expected and result.get("stored_artifacts") in (None, expected)
    result["checks"] = checks = {
        "every_entry_stored_exactly_once": stored_ok,
        "first_pass_all_200": first["farm_responses"].get("200", 0) == args.blogs,
        "second_pass_all_304": all(
            responses.get("304", 0) == args.blogs and responses.get("200", 0) == 0
            for responses in nm.get("runs_farm_responses", [nm["farm_responses"]])
        ),
        "no_feed_failed": all(
            not failed for p in passes.values() for failed in p.get("runs_failed", [p["outcome"].get("failed")])
        ),
    }
    problems = []
    if not stored_ok:
        problems.append(
            f"stored {result['stored_entries']} entries and {result.get('stored_artifacts')} artifacts, "
            f"expected {expected} of each (exactly once)"
        )
    if not checks["second_pass_all_304"]:
        problems.append(f"second pass not all 304: farm answered {nm['farm_responses']}")
    if not checks["no_feed_failed"]:
        problems.append(f"feeds failed: {first['outcome'].get('failed')} then {nm['outcome'].get('failed')}")
    if problems:
        result["status"] = "failed"
        result["reason"] = "; ".join(problems)


HARVESTER_FILES = ["syndication/*.py", "core/fetch.py", "core/netguard.py", "posts/services_harvested.py"]


def code_state() -> dict[str, Any]:
    """Which code was measured: the commit, and a digest of the harvester's files (they may be uncommitted)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 (git from PATH, read-only)
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        head = ""
    files = sorted(path for pattern in HARVESTER_FILES for path in ROOT.glob(pattern))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return {"git_head": head, "harvester_files_sha256": digest.hexdigest()[:16], "harvester_files": len(files)}


def postgres_server(args: argparse.Namespace) -> str | None:
    """The PostgreSQL server URL to use, or None (skipped, or not reachable without being asked for)."""
    if args.skip_postgres:
        return None
    url = args.postgres or os.environ.get("BENCH_DATABASE_URL") or ""
    asked = bool(url)
    url = url or DEFAULT_POSTGRES
    host = urlsplit(url).hostname or ""
    if host and not host.startswith("/") and host not in {"localhost"} and not host.startswith("127."):
        raise SystemExit(f"--postgres must be a loopback server (127.0.0.0/8), not {host}")
    try:
        import psycopg

        with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=5):
            pass
    except Exception as error:
        if asked:
            raise SystemExit(f"cannot reach PostgreSQL at {url}: {error}") from error
        say(f"--- PostgreSQL not reachable at {url} ({error}); skipping it (give --postgres URL)")
        return None
    return url


def _admin_url(url: str) -> str:
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    return urlunsplit(parts._replace(path="/" + (parts.path.lstrip("/") or "postgres")))


def _bench_db_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + BENCH_DB))


def _recreate_bench_db(url: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


def _first(result: dict[str, Any], name: str, key: str) -> float | None:
    if result.get("status") not in {"ok", "failed"}:
        return None
    return result["passes"][name][key]


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Ratios ours/reader per database, and the targets."""
    reader = next((run for run in runs if run["system"] == "reader" and run["status"] == "ok"), None)
    comparisons: dict[str, Any] = {}
    for run in runs:
        if run["system"] != "ours":
            continue
        entry: dict[str, Any] = {"status": run["status"]}
        if run["status"] in {"ok", "failed"}:
            first = _first(run, "first", "entries_per_s") or 0.0
            not_modified = _first(run, "not_modified", "feeds_per_s") or 0.0
            entry["vs_reference"] = {
                "first_pass_entries_per_s_ratio": round(first / REFERENCE_FIRST_ENTRIES_PER_S, 2),
                "not_modified_feeds_per_s_ratio": round(not_modified / REFERENCE_304_FEEDS_PER_S, 2),
            }
            if reader is not None:
                first_ratio = first / reader["passes"]["first"]["entries_per_s"]
                nm_ratio = not_modified / reader["passes"]["not_modified"]["feeds_per_s"]
                entry["first_pass_entries_per_s_ratio"] = round(first_ratio, 2)
                entry["not_modified_feeds_per_s_ratio"] = round(nm_ratio, 2)
                # Per CPU-second: how much less work each entry/feed costs, whatever else ran on the machine.
                ours_first, ours_nm = run["passes"]["first"], run["passes"]["not_modified"]
                their_first, their_nm = reader["passes"]["first"], reader["passes"]["not_modified"]
                if ours_first["entries_per_cpu_s"] and their_first["entries_per_cpu_s"]:
                    entry["first_pass_entries_per_cpu_s_ratio"] = round(
                        ours_first["entries_per_cpu_s"] / their_first["entries_per_cpu_s"], 2
                    )
                if ours_nm["feeds_per_cpu_s"] and their_nm["feeds_per_cpu_s"]:
                    entry["not_modified_feeds_per_cpu_s_ratio"] = round(
                        ours_nm["feeds_per_cpu_s"] / their_nm["feeds_per_cpu_s"], 2
                    )
                entry["targets_met"] = {
                    "first_pass_5x": first_ratio >= TARGETS["first_pass_ratio"],
                    "not_modified_5x": nm_ratio >= TARGETS["not_modified_ratio"],
                }
            entry.setdefault("targets_met", {})
            entry["targets_met"]["peak_memory_below_400_mb"] = run["peak_memory_mb"] < TARGETS["peak_rss_mb_below"]
            entry["targets_met"]["every_entry_stored_exactly_once"] = run["checks"]["every_entry_stored_exactly_once"]
            entry["all_targets_met"] = (
                all(entry["targets_met"].values()) and reader is not None and run["status"] == "ok"
            )
        comparisons[run["database"]] = entry
    return comparisons


def fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float | int):
        return f"{value:,.{digits}f}"
    return str(value)


def table(runs: list[dict[str, Any]], comparisons: dict[str, Any]) -> str:
    lines = [
        "| system | database | pass | wall s | feeds/s | entries/s | entries stored | peak RSS MB | cores used "
        "| others' cores |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        label = "reader " + run.get("reader_version", "") if run["system"] == "reader" else "Commonplace"
        if run["status"] not in {"ok", "failed"}:
            status = "pending (syndication.harvest not available yet)" if run["status"] == "unavailable" else "ERROR"
            lines.append(f"| {label} | {run['database']} | – | {status} | | | | | | |")
            continue
        if run["status"] == "failed":
            label += " (FAILED: " + run["reason"] + ")"
        for name, title in (("first", "first harvest"), ("not_modified", "second (all 304)")):
            p = run["passes"][name]
            lines.append(
                f"| {label} | {run['database']} | {title} | {p['wall_s']:.2f} | {fmt(p['feeds_per_s'])} | "
                f"{fmt(p['entries_per_s'])} | {fmt(run['stored_entries'])} | {fmt(run['peak_memory_mb'])} | "
                f"{fmt(p['cores_used'], 2)} | {fmt(p['others_cores'], 2)} |"
            )
    for database, entry in comparisons.items():
        if "first_pass_entries_per_s_ratio" in entry:
            met = "all targets met" if entry["all_targets_met"] else f"targets: {entry['targets_met']}"
            lines.append(
                f"\nours/reader on {database}: first harvest {entry['first_pass_entries_per_s_ratio']}x entries/s, "
                f"304 pass {entry['not_modified_feeds_per_s_ratio']}x feeds/s ({met}); per CPU-second: "
                f"{entry.get('first_pass_entries_per_cpu_s_ratio')}x and "
                f"{entry.get('not_modified_feeds_per_cpu_s_ratio')}x"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blogs", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 blogs: a smoke run (writes harvest-quick.json)")
    parser.add_argument("--skip-reader", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres", metavar="URL", help="a loopback PostgreSQL server (else BENCH_DATABASE_URL)")
    parser.add_argument("--reader-workers", type=int, default=16, help="reader's update_feeds(workers=...)")
    parser.add_argument("--ours-workers", type=int, default=None, help="harvest_feeds(workers=...); default: its own")
    parser.add_argument(
        "--repeat-304", type=int, default=3, metavar="N", help="run the 304 pass N times, report the fastest"
    )
    parser.add_argument("--skip-farm-test", action="store_true", help="do not measure the farm's own throughput")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed to each measured process")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each measured run, wait up to SECONDS for other processes to leave the CPUs alone",
    )
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    # Internal: the measured subprocess.
    parser.add_argument("--worker", choices=["reader", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--farm-pid", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)
    if args.quick:
        args.blogs = 200
    install_loopback_guard()
    postgres = postgres_server(args)
    machine = machine_info(PACKAGES)
    code = code_state()
    say(f"starting the feed farm: {args.blogs} blogs x {args.items} items (seed {args.seed})...")
    base_url, farm = start_farm(args.blogs, args.items, args.seed)
    runs: list[dict[str, Any]] = []
    try:
        farm_info = get_json(base_url, "/_info")
        farm_test = None
        if not args.skip_farm_test:
            say("measuring the farm itself...")
            farm_test = self_test(base_url, args.blogs, farm)
            say(
                f"  farm: {farm_test['full_200']['requests_per_farm_cpu_s']:,} full feeds and "
                f"{farm_test['not_modified_304']['requests_per_farm_cpu_s']:,} 304s per farm CPU-second"
            )
        if not args.skip_reader:
            run = measure("reader", "sqlite", "", args, base_url, farm.pid)
            run["reader_version"] = machine["packages"]["reader"]
            runs.append(run)
        with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as tmp:
            runs.append(measure("ours", "sqlite", f"sqlite:///{tmp}/commonplace.sqlite3", args, base_url, farm.pid))
        if postgres:
            _recreate_bench_db(postgres)
            try:
                runs.append(measure("ours", "postgresql", _bench_db_url(postgres), args, base_url, farm.pid))
            finally:
                _recreate_bench_db(postgres, drop_only=True)
    finally:
        farm()
    comparisons = summarise(runs)
    results = {
        "benchmark": "harvest",
        "machine": machine,
        "code": code,
        "farm": {**farm_info, "self_test": farm_test},
        "config": {
            "blogs": args.blogs,
            "items": args.items,
            "seed": args.seed,
            "reader_workers": args.reader_workers,
            "repeat_304": args.repeat_304,
            "ours_workers": args.ours_workers,
            "take_all": True,
        },
        "reference": REFERENCE,
        "targets": TARGETS,
        "runs": runs,
        "comparisons": comparisons,
    }
    sys.stdout.write(table(runs, comparisons) + "\n")
    if not args.no_write:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / ("harvest-quick.json" if args.quick else "harvest.json")
        path.write_text(json.dumps(results, indent=2, default=_json_default) + "\n", encoding="utf-8")
        say(f"wrote {path.relative_to(ROOT)}")
    return 1 if any(run["status"] in {"error", "failed"} for run in runs) else 0


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
