"""Insights benchmark: the daily rollup and the two dashboards at scale (issue 5, "Performance").

In a fresh interpreter per database (a temporary SQLite file; or a `commonplace_bench_insights` database created
and dropped on a loopback PostgreSQL server):

  1. migrate, then generate a seeded data set with network.scale (the generator behind `commonplace seed-scale`):
     N people (default 100,000), 40 courses of 6 weeks (one of 5,000 participants running over the last six
     weeks), M artifacts (default 1,000,000) over the last 120 days with heavy-tailed authorship, tags and prompt
     answers, ~2 comments per artifact (threads, tones, a few @mentions), shares, opens (some through shares),
     follows (heavy-tailed popularity), mutes, blocks and notifications;
  2. time insights.services.fill_day() for yesterday, fill_range() over the last 7 days (per day), then backfill
     the rest of the 120 days (or --backfill-days) so the dashboards have history;
  3. time /me/insights/ (a typical active member of the big course, and the most active person) and
     /courses/<slug>/insights/ (its facilitator) through django.test.Client: the first course request (no
     stored map), drawing the map as the worker does, then cached requests; median, p95 and queries per page;
  4. profile (cProfile) what misses its target.

Prints a table and writes bench/results/insights.json.

    .venv/bin/python bench/insights_bench.py                                  # 100k people, 1M artifacts, SQLite
    .venv/bin/python bench/insights_bench.py --people 10000 --artifacts 100000 --backfill-days 14   # a smoke run
    .venv/bin/python bench/insights_bench.py --db postgres --postgres postgres://postgres@127.0.0.1:5432/postgres

Before each timed phase the benchmark waits (up to --wait-max seconds) until no other benchmark
(search_bench.py, harvest_bench.py) is running on the machine, and records whether one was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from _common import (  # bench/ is on sys.path: this file's directory
    RESULTS_DIR,
    ROOT,
    install_loopback_guard,
    machine_busy_seconds,
    machine_info,
    max_rss_mb,
    process_cpu_seconds,
)

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "commonplace_bench_insights"
PACKAGES = ["django", "psycopg", "networkx"]
TARGETS = {"dashboard_median_ms": 150.0, "daily_rollup_s": 600.0}
COURSES = 40  # the generated network (network.scale): 40 courses, the first of them network.scale.BIG_SLUG
DAYS = 120  # days of history the generator writes (network.scale.DAYS; checked when the worker starts)
OTHER_BENCHES = ("search_bench.py", "harvest_bench.py")
SECOND = dt.timedelta(seconds=1)
MIN_RUNS = [20]  # a page far over its target stops after --page-budget seconds, but not before this many runs


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# ---------------------------------------------------------------------------------------------------------------
# Other benchmarks on this 2-core machine skew the figures: wait for them, and say when one ran anyway.


def other_benchmarks() -> list[str]:
    """Command lines of other benchmark processes (search_bench, harvest_bench) running now."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if any(name in cmdline for name in OTHER_BENCHES):
            found.append(f"{entry.name}: {cmdline[:160]}")
    return found


WAITED = [0.0]  # seconds spent waiting so far in this run: --wait-max bounds the total, not each phase


def wait_alone(max_wait: float, what: str) -> dict[str, Any]:
    """Wait (up to max_wait seconds in all over the run) for the other benchmarks to finish; report how long
    and whether one still ran when the phase began."""
    started = time.monotonic()
    announced = False
    while (running := other_benchmarks()) and WAITED[0] + time.monotonic() - started < max_wait:
        if not announced:
            say(f"  waiting for another benchmark to finish before {what}: {running[0]}")
            announced = True
        time.sleep(10)
    waited = time.monotonic() - started
    WAITED[0] += waited
    if running:
        say(f"  !!! measuring {what} while another benchmark runs: {running[0]}")
    return {"waited_s": round(waited), "other_benchmarks_running": running}


class Phase:
    """Wall time of a phase, this process's CPU, everyone else's, and whether another benchmark ran meanwhile."""

    def __init__(self, name: str, max_wait: float) -> None:
        self.name = name
        self.max_wait = max_wait
        self.info: dict[str, Any] = {}

    def __enter__(self) -> Phase:
        self.info["before"] = wait_alone(self.max_wait, self.name)
        self.cpu = _own_cpu()
        self.busy = machine_busy_seconds()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.started
        own = _own_cpu() - self.cpu
        others = max(0.0, machine_busy_seconds() - self.busy - own)
        self.info.update(
            wall_s=round(wall, 2),
            own_cores=round(own / wall, 2) if wall else None,
            others_cores=round(others / wall, 2) if wall else None,
            other_benchmarks_at_end=other_benchmarks(),
        )
        self.info["clean"] = (
            not self.info["before"]["other_benchmarks_running"] and not self.info["other_benchmarks_at_end"]
        )


BACKEND_PID: list[int] = []


def _own_cpu() -> float:
    """CPU-seconds of this process and, on PostgreSQL, of the server backend serving it."""
    own = process_cpu_seconds(os.getpid())
    return own + sum(process_cpu_seconds(pid) for pid in BACKEND_PID)


# ---------------------------------------------------------------------------------------------------------------
# The worker: one database, in its own interpreter.


def _database_settings(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database
    os.environ["COMMONPLACE_VAR_DIR"] = args.var_dir
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["HUEY_IMMEDIATE"] = "0"  # the view enqueues the map drawing; the benchmark draws it itself
    os.environ["REDIS_URL"] = ""
    os.environ["EMAIL_HOST"] = ""
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ["COMMONPLACE_TESTING"] = "1"  # plain static storage: no collectstatic manifest needed
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def _sizes() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return {"database_mb": round(cursor.fetchone()[0] / 2**20)}
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"database_mb": round(Path(settings.DATABASES["default"]["NAME"]).stat().st_size / 2**20)}


# ---------------------------------------------------------------------------------------------------------------
# Rollups.


def _profile_call(call: Callable[[], Any], top: int = 18) -> list[str]:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return [line.rstrip() for line in lines[start:] if line.strip()]


class StatementTimer:
    """An execute wrapper: total time and count per statement (first 160 characters of its text)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split())[:160]
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
            self.calls[key] = self.calls.get(key, 0) + 1

    def top(self, n: int = 8) -> list[dict[str, Any]]:
        ranked = sorted(self.seconds.items(), key=lambda item: -item[1])[:n]
        return [{"total_s": round(s, 3), "calls": self.calls[sql], "sql": sql} for sql, s in ranked]

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def rollups(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from insights.services import compute_day, fill_day, fill_range

    today = timezone.now().date()
    yesterday = today - dt.timedelta(days=1)
    out: dict[str, Any] = {}

    # One busy recent day, with the time spent in SQL by statement.
    timer = StatementTimer()
    with Phase("fill_day", args.wait_max) as phase, connection.execute_wrapper(timer):
        summary = fill_day(yesterday)
    out["fill_day"] = {
        "day": str(yesterday),
        "seconds": phase.info["wall_s"],
        "rows": str(summary),
        "sql_s": round(timer.total, 2),
        "top_statements": timer.top(),
        "phase": phase.info,
    }
    say(f"  fill_day({yesterday}): {phase.info['wall_s']} s ({summary}); SQL {timer.total:.1f} s")

    if args.rollups == "day":
        return out

    # The last 7 days through fill_range, one time per day.
    since = today - dt.timedelta(days=7)
    marks = [time.perf_counter()]
    with Phase("fill_range (7 days)", args.wait_max) as phase:
        summary = fill_range(since, yesterday, progress=lambda _n: marks.append(time.perf_counter()))
    per_day = [round(b - a, 2) for a, b in itertools.pairwise(marks)]
    out["fill_range_7"] = {
        "since": str(since),
        "until": str(yesterday),
        "per_day_s": per_day,
        "median_day_s": round(statistics.median(per_day), 2),
        "max_day_s": max(per_day),
        "total_s": phase.info["wall_s"],
        "rows": str(summary),
        "phase": phase.info,
    }
    say(f"  fill_range last 7 days: {phase.info['wall_s']} s, median {statistics.median(per_day):.1f} s/day")

    # Back-fill the earlier days so the dashboards have history: newest first (the big course's weeks), a day at a
    # time, until --backfill-days in all or --backfill-budget seconds.
    days = min(args.backfill_days, DAYS) - 7
    if days > 0:
        back_days: list[float] = []
        day = since - dt.timedelta(days=1)
        with Phase("back-fill", args.wait_max) as phase:
            started = time.perf_counter()
            while len(back_days) < days:
                t0 = time.perf_counter()
                fill_range(day, day)
                back_days.append(round(time.perf_counter() - t0, 2))
                day -= dt.timedelta(days=1)
                if args.backfill_budget and time.perf_counter() - started > args.backfill_budget:
                    break
        out["backfill"] = {
            "since": str(day + dt.timedelta(days=1)),
            "until": str(since - dt.timedelta(days=1)),
            "days": len(back_days),
            "days_asked": days,
            "stopped_by_budget": len(back_days) < days,
            "total_s": phase.info["wall_s"],
            "median_day_s": round(statistics.median(back_days), 2),
            "max_day_s": max(back_days),
            "back_days_s": back_days,
            "phase": phase.info,
        }
        say(
            f"  back-fill {len(back_days)} days back to {day + dt.timedelta(days=1)}: {phase.info['wall_s']} s, "
            f"median {statistics.median(back_days):.1f} s/day"
        )
    if out["fill_day"]["seconds"] > TARGETS["daily_rollup_s"] or args.profile_rollup:
        out["fill_day"]["profile"] = _profile_call(lambda: compute_day(yesterday))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Dashboards.


def choose_people() -> dict[str, Any]:
    """The big course's facilitator, a typical active participant (the median by actions in the last 4 weeks
    among those who did something), and the most active person overall (rollups)."""
    from django.db.models import F, Sum
    from django.utils import timezone

    from accounts.models import User
    from courses.models import Course, Enrollment
    from insights.models import PersonDay
    from network import scale

    course = Course.objects.get(slug=scale.BIG_SLUG)
    since = timezone.now().date() - dt.timedelta(days=28)
    participants = Enrollment.objects.filter(course=course, role="participant").values("user_id")
    actions = F("posted") + F("comments_given") + F("shares_own") + F("shares_others")
    ranked = list(
        PersonDay.objects.filter(user_id__in=participants, day__gte=since)
        .values("user_id")
        .annotate(n=Sum(actions))
        .order_by("n", "user_id")
        .values_list("user_id", "n")
    )
    typical_id, typical_n = ranked[len(ranked) // 2]
    top_id, top_n = (
        PersonDay.objects.values("user_id").annotate(n=Sum(actions)).order_by("-n").values_list("user_id", "n").first()
    ) or (None, 0)
    facilitator = User.objects.get(enrollments__course=course, enrollments__role="facilitator", username="p1")
    return {
        "course": course,
        "facilitator": facilitator,
        "typical": User.objects.get(pk=typical_id),
        "typical_actions_4_weeks": typical_n,
        "active_participants_4_weeks": len(ranked),
        "top": User.objects.get(pk=top_id or typical_id),
        "top_actions_all_days": top_n,
    }


def _queries(client: Any, url: str) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    timed = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    return {
        "queries": len(captured.captured_queries),
        "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1),
        "slowest": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]} for q in timed[:6]],
        "status": response.status_code,
        "bytes": len(response.content),
    }


def time_page(client: Any, url: str, runs: int, warmup: int, max_wait: float, budget: float) -> dict[str, Any]:
    for n in range(warmup):
        t0 = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        say(f"    warm-up {n + 1}: {url} {(time.perf_counter() - t0) * 1000:.0f} ms")
    times = []
    with Phase(url, max_wait) as phase:
        started = time.perf_counter()
        for _ in range(runs):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            if budget and len(times) >= MIN_RUNS[0] and time.perf_counter() - started > budget:
                break  # far over target: enough runs to say so
    result = {
        "n": len(times),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "meets_target": statistics.median(times) < TARGETS["dashboard_median_ms"],
        "phase": phase.info,
    }
    result.update(_queries(client, url))
    return result


def time_call(call: Callable[[], Any], runs: int) -> dict[str, Any]:
    call()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return {"n": runs, "median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1)}


def profile_page(client: Any, url: str, runs: int) -> list[str]:
    def call() -> None:
        for _ in range(runs):
            client.get(url)

    return _profile_call(call, top=22)


def dashboards(args: argparse.Namespace) -> dict[str, Any]:
    from django.test import Client

    from insights import selectors
    from insights.models import CourseMap
    from insights.services_maps import course_map, draw_course_map
    from network.selectors import unread_count

    chosen = choose_people()
    course = chosen["course"]
    out: dict[str, Any] = {
        "people": {
            "facilitator": chosen["facilitator"].username,
            "typical": chosen["typical"].username,
            "typical_actions_4_weeks": chosen["typical_actions_4_weeks"],
            "active_participants_4_weeks": chosen["active_participants_4_weeks"],
            "top": chosen["top"].username,
            "top_actions_all_days": chosen["top_actions_all_days"],
        },
        "pages": {},
        "parts_ms": {},
    }
    say(
        f"  people: typical {chosen['typical'].username} ({chosen['typical_actions_4_weeks']} actions in 4 weeks), "
        f"most active {chosen['top'].username} ({chosen['top_actions_all_days']} actions)"
    )
    pages = out["pages"]
    for key, person in (("me_typical", chosen["typical"]), ("me_most_active", chosen["top"])):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(person)
        pages[key] = time_page(client, "/me/insights/", args.runs, args.warmup, args.wait_max, args.page_budget)
        out["parts_ms"][key] = {
            "personal_dashboard": time_call(functools.partial(selectors.personal_dashboard, person), args.part_runs),
            "unread_count (every signed-in page)": time_call(functools.partial(unread_count, person), args.part_runs),
        }
        say(
            f"  /me/insights/ ({key}): median {pages[key]['median_ms']} ms, p95 {pages[key]['p95_ms']} ms, "
            f"{pages[key]['queries']} queries; parts {out['parts_ms'][key]}"
        )
        if not pages[key]["meets_target"] or args.profile_pages:
            pages[key]["profile"] = profile_page(client, "/me/insights/", args.profile_runs)

    url = f"/courses/{course.slug}/insights/"
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(chosen["facilitator"])
    CourseMap.objects.filter(course=course).delete()
    with Phase("first course page", args.wait_max) as phase:
        response = client.get(url)
    first = {
        "ms": round(phase.info["wall_s"] * 1000, 1),
        "status": response.status_code,
        "map_ready": b"network-map-0" in response.content,
        "phase": phase.info,
    }
    with Phase("draw map", args.wait_max) as phase:
        stored = draw_course_map(course)
    first["draw_course_map_s"] = phase.info["wall_s"]
    first["map_people"] = stored.people
    first["map_svg_kb"] = round(len(stored.svg) / 1024)
    first["draw_phase"] = phase.info
    pages["course_first_request"] = first
    say(
        f"  {url} first request (no stored map, {'drawn' if first['map_ready'] else 'drawing enqueued'}): "
        f"{first['ms']} ms; draw_course_map: {first['draw_course_map_s']} s for {stored.people} people"
    )
    pages["course_cached"] = time_page(client, url, args.runs, args.warmup, args.wait_max, args.page_budget)
    response = client.get(url)
    pages["course_cached"]["map_ready"] = b"network-map-0" in response.content
    facilitator = chosen["facilitator"]
    out["parts_ms"]["course_cached"] = {
        "course_dashboard": time_call(lambda: selectors.course_dashboard(course), args.part_runs),
        "course_map (stored)": time_call(lambda: course_map(course), args.part_runs),
        "unread_count (every signed-in page)": time_call(lambda: unread_count(facilitator), args.part_runs),
    }
    say(
        f"  {url} cached: median {pages['course_cached']['median_ms']} ms, p95 {pages['course_cached']['p95_ms']} ms, "
        f"{pages['course_cached']['queries']} queries; parts {out['parts_ms']['course_cached']}"
    )
    if not pages["course_cached"]["meets_target"] or args.profile_pages:
        pages["course_cached"]["profile"] = profile_page(client, url, args.profile_runs)
    return out


def _run_existing(args: argparse.Namespace, result: dict[str, Any], blocked: Any) -> int:
    """A database an earlier run generated (same seed and sizes): no generation; --rollups day re-times fill_day."""
    try:
        result["existing_database"] = args.existing_sqlite
        result["sizes"] = _sizes()
        if args.rollups != "none":
            result["rollups"] = rollups(args)
        result["dashboards"] = dashboards(args)
        result["status"] = "ok"
    except Exception as error:
        result["status"] = "error"
        result["reason"] = f"{type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc()
        say(result["traceback"])
    result["peak_rss_mb"] = max_rss_mb()
    result["blocked_non_loopback"] = dict(blocked)
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    return 0


def run_worker(args: argparse.Namespace) -> int:
    _database_settings(args)
    sys.path.insert(0, str(ROOT))
    blocked = install_loopback_guard()
    result: dict[str, Any] = {"database": args.db_label}
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        if args.existing_sqlite:
            return _run_existing(args, result, blocked)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        result["migrate_s"] = round(time.perf_counter() - started, 1)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                BACKEND_PID.append(cursor.fetchone()[0])
        from network import scale

        assert scale.DAYS == DAYS, "the generator's history and the back-fill disagree"
        say(f"  {connection.vendor}: migrated in {result['migrate_s']} s; generating...")
        # Foreign-key checks and fsync off (SQLite) or no FK triggers (PostgreSQL) while loading, restored after:
        # what follows is measured as the site runs.
        with scale.bulk_load_mode() as notes, Phase("generate", args.wait_max) as phase:
            result["generate"] = scale.generate(
                users=args.people,
                artifacts=args.artifacts,
                courses=COURSES,
                seed=args.seed,
                comments=args.comments,
                shares=args.shares,
                opens=args.opens,
                follows=args.follows,
                big_course_size=args.course_size,
                say=lambda line: say("  " + line),
            )
        result["generate"]["phase"] = phase.info
        result["generate"]["notes"] = notes
        result["generate"]["seconds"]["analyze_s"] = round(scale.analyze(), 1)
        result["sizes"] = _sizes()
        gen = result["generate"]
        say(f"  generated {gen['rows']:,} rows in {gen['total_s']} s ({gen['rows_per_s']:,}/s): {gen['counts']}")
        result["rollups"] = rollups(args)
        result["sizes_after_rollups"] = _sizes()
        result["dashboards"] = dashboards(args)
        result["status"] = "ok"
    except Exception as error:
        result["status"] = "error"
        result["reason"] = f"{type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc()
        say(result["traceback"])
    result["peak_rss_mb"] = max_rss_mb()
    result["blocked_non_loopback"] = dict(blocked)
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Orchestration.


def _admin_url(url: str) -> str:
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    return urlunsplit(parts._replace(path="/" + (parts.path.lstrip("/") or "postgres")))


def _recreate(url: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


def measure(label: str, database: str, args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-insights-") as tmp:
        result_path = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            *argv,
            "--worker",
            "--db-label",
            label,
            "--database",
            database.replace("{tmp}", tmp),
            "--var-dir",
            str(Path(tmp) / "var"),
            "--result",
            str(result_path),
        ]
        completed = subprocess.run(command, check=False, timeout=args.timeout)  # noqa: S603 (our own script)
        if not result_path.exists():
            return {"database": label, "status": "error", "reason": f"worker exited {completed.returncode}"}
        return dict(json.loads(result_path.read_text()))


def git_head() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH, read-only)
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return ""


def table(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| database | what | figure | target |",
        "|---|---|---:|---|",
    ]
    for run in runs:
        db = run["database"]
        if run.get("status") != "ok":
            lines.append(f"| {db} | ERROR | {run.get('reason')} | |")
            continue
        if gen := run.get("generate"):
            lines.append(
                f"| {db} | generate {gen['rows']:,} rows | {gen['total_s']} s ({gen['rows_per_s']:,} rows/s) | |"
            )
        ro = run.get("rollups", {})
        if "fill_day" in ro:
            ok = "✓" if ro["fill_day"]["seconds"] < TARGETS["daily_rollup_s"] else "✗"
            lines.append(f"| {db} | fill_day (yesterday) | {ro['fill_day']['seconds']} s | < 600 s {ok} |")
        if "fill_range_7" in ro:
            median = ro["fill_range_7"]["median_day_s"]
            lines.append(f"| {db} | fill_range last 7 days, per day | median {median} s | |")
        if "backfill" in ro:
            bf = ro["backfill"]
            lines.append(
                f"| {db} | back-fill {bf['days']} more days | {bf['total_s']} s (median {bf['median_day_s']} s/day) | |"
            )
        pages = run["dashboards"]["pages"]
        for key, label in (
            ("me_typical", "/me/insights/ typical member"),
            ("me_most_active", "/me/insights/ most active"),
            ("course_cached", "course insights, map stored"),
        ):
            page = pages[key]
            ok = "✓" if page["meets_target"] else "✗"
            lines.append(
                f"| {db} | {label} | median {page['median_ms']} ms, p95 {page['p95_ms']} ms, "
                f"{page['queries']} queries | median < 150 ms {ok} |"
            )
        first = pages["course_first_request"]
        lines.append(f"| {db} | course insights, first request (no map) | {first['ms']} ms | |")
        lines.append(f"| {db} | draw_course_map ({first['map_people']} people) | {first['draw_course_map_s']} s | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--artifacts", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=2_000_000, help="about this many (a mean per artifact)")
    parser.add_argument("--shares", type=int, default=300_000)
    parser.add_argument("--opens", type=int, default=500_000)
    parser.add_argument("--follows", type=int, default=1_000_000)
    parser.add_argument("--course-size", type=int, default=5_000)
    parser.add_argument("--backfill-days", type=int, default=DAYS, help="days of rollups in all (7 to 120)")
    parser.add_argument("--backfill-budget", type=float, default=0, help="stop back-filling after this many seconds")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--postgres", metavar="URL", help="a loopback PostgreSQL server (else BENCH_DATABASE_URL)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--part-runs", type=int, default=20, help="runs of each part (selector, unread count)")
    parser.add_argument("--page-budget", type=float, default=240, help="seconds at most per page's timed runs")
    parser.add_argument("--profile-runs", type=int, default=10)
    parser.add_argument("--profile-pages", action="store_true", help="profile pages even when they meet the target")
    parser.add_argument("--profile-rollup", action="store_true", help="profile compute_day even when fast")
    parser.add_argument("--wait-max", type=float, default=1800, help="seconds in all to wait for other benchmarks")
    parser.add_argument("--timeout", type=float, default=4 * 3600)
    parser.add_argument("--output", default=str(RESULTS_DIR / "insights.json"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--min-runs", type=int, default=20, help="runs per page at least, whatever the budget")
    parser.add_argument(
        "--existing-sqlite", metavar="PATH", help="reuse a database an earlier run generated (kept: not deleted)"
    )
    parser.add_argument("--rollups", choices=["all", "day", "none"], default="all", help="day: only fill_day")
    parser.add_argument("--earlier-log", metavar="PATH", help="keep an earlier run's printed figures in the JSON")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-label", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(raw)
    MIN_RUNS[0] = args.min_runs
    if args.worker:
        return run_worker(args)
    install_loopback_guard()
    machine = machine_info(PACKAGES)
    runs = []
    if args.db in {"sqlite", "both"}:
        say("SQLite...")
        database = f"sqlite:///{args.existing_sqlite}" if args.existing_sqlite else "sqlite:///{tmp}/bench.sqlite3"
        runs.append(measure("sqlite", database, args, raw))
    if args.db in {"postgres", "both"}:
        url = args.postgres or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES
        host = urlsplit(url).hostname or ""
        if host not in {"localhost", ""} and not host.startswith("127."):
            raise SystemExit(f"--postgres must be a loopback server, not {host}")
        say("PostgreSQL...")
        _recreate(url)
        try:
            database = urlunsplit(urlsplit(url)._replace(path="/" + BENCH_DB))
            runs.append(measure("postgresql", database, args, raw))
        finally:
            _recreate(url, drop_only=True)
    results = {
        "benchmark": "insights",
        "machine": machine,
        "code": {"git_head": git_head()},
        "config": {
            key: getattr(args, key)
            for key in (
                "people",
                "artifacts",
                "comments",
                "shares",
                "opens",
                "follows",
                "course_size",
                "backfill_days",
                "backfill_budget",
                "seed",
                "runs",
                "warmup",
            )
        },
        "targets": TARGETS,
        "runs": runs,
    }
    if args.earlier_log:
        results["earlier_run_log"] = Path(args.earlier_log).read_text().splitlines()
    say(table(runs))
    if not args.no_write:
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        say(f"wrote {path}")
    return 0 if all(run.get("status") == "ok" for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
