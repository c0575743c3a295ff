"""Search benchmark: latency of full-text search over a million artifacts, and the time to build the index.

For each database (a temporary SQLite file, then a `commonplace_bench_search` database created and dropped on
a loopback PostgreSQL server), in a fresh interpreter:

  1. migrate, then generate the data with bulk inserts (bench/search_corpus.py: 20 courses of 6 weeks with
     2 prompts each, 20,000 enrolled people, N artifacts with Zipf-distributed education words and tags);
  2. build the index with posts.search_index.rebuild() (artifacts and comments) and accounts' people index,
     each in one transaction as `commonplace search reindex` does, and time it;
  3. read the database once into the OS cache, as a server answering searches keeps it (--no-prewarm: not);
  4. time search.selectors.artifacts() for each query class (≥ 200 runs after warm-up runs), and the whole
     /search/ page through django.test.Client, anonymous and signed in.

Prints a table and writes bench/results/search.json (medians and p95s in ms, the time each class spends in
SQL statements, the plan of its main statement, sizes and build times).

    .venv/bin/python bench/search_bench.py                          # 1,000,000 artifacts, SQLite and PostgreSQL
    .venv/bin/python bench/search_bench.py --artifacts 100000 --db sqlite
    .venv/bin/python bench/search_bench.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/search_bench.py --db sqlite --keep-sqlite /tmp/search/bench.sqlite3   # keep it, then
    .venv/bin/python bench/search_bench.py --db sqlite --existing-sqlite /tmp/search/bench.sqlite3   # re-measure
    .venv/bin/python bench/search_bench.py --db postgres --keep-postgres      # keep commonplace_bench_search, then
    .venv/bin/python bench/search_bench.py --db postgres --existing-postgres  # re-measure it (and keep it)

PostgreSQL: --postgres URL or BENCH_DATABASE_URL names a loopback server; without either it tries
postgres://postgres@127.0.0.1:5432 and skips PostgreSQL if nothing answers (unless --db postgres).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from _common import (  # bench/ is on sys.path: this file's directory
    RESULTS_DIR,
    ROOT,
    install_loopback_guard,
    machine_busy_seconds,
    machine_info,
    max_rss_mb,
    process_cpu_seconds,
)
from search_corpus import PHRASES, TAGS, Corpus

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "commonplace_bench_search"
PACKAGES = ["django", "psycopg"]
TARGET_P95_MS = 50.0
MIN_RUNS = 20  # a class far over target stops after --class-budget seconds, but not before this many runs
COURSES, WEEKS, PROMPTS_PER_WEEK, PEOPLE = 20, 6, 2, 20_000
CHUNK = 10_000
PREFIXES = ["innov*", "assess*", "collab*", "reflect*", "curric*", "feedb*", "mindf*", "portf*"]
# The classes, in the order they are run and shown: (name, label). Words are picked by their expected share of
# bodies (rare ~0.03%, mid ~0.5%, common ~5–10%); titles, tags and phrases add to it, so the result's
# "matches" records how many artifacts each query really matches.
CLASSES = [
    ("word_rare", "single word, rare"),
    ("word_mid", "single word, mid-frequency"),
    ("word_common", "single word, common"),
    ("word_common_member", "single word, common, signed-in member"),
    ("phrase", "two-word phrase"),
    ("prefix", "prefix (innov*, assess*, …)"),
    ("course", "common word + course"),
    ("course_week", "common word + course + week"),
    ("person", "common word + person"),
    ("page_anonymous", "/search/ page, mid word, anonymous"),
    ("page_member", "/search/ page, mid word, member"),
]


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# ---------------------------------------------------------------------------------------------------------------
# The measured worker: one database, in its own interpreter.


def _database_settings(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database
    os.environ["COMMONPLACE_VAR_DIR"] = args.var_dir
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["HUEY_IMMEDIATE"] = "0"
    os.environ["REDIS_URL"] = ""
    os.environ["EMAIL_HOST"] = ""
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["COMMONPLACE_TESTING"] = "1"  # plain static storage: no collectstatic manifest needed
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


class SqlTimer:
    """An execute wrapper: time spent in SQL statements by kind, and the first statement of each kind."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.first: dict[str, tuple[str, Any]] = {}
        self.slowest: dict[str, tuple[float, str]] = {}  # statement text (first 300 characters) -> slowest run

    @staticmethod
    def kind(sql: str) -> str:
        if "search_artifacts" in sql:
            return "artifacts_count" if "COUNT(" in sql else "artifacts_page"
        for name in ("search_comments", "search_people"):
            if name in sql:
                return name.removeprefix("search_")
        if "posts_tag" in sql:
            return "tags"
        return "other"

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = self.kind(sql)
            elapsed = time.perf_counter() - started
            self.seconds[kind] += elapsed
            self.first.setdefault(kind, (sql, params))
            key = sql[:300]
            if elapsed > self.slowest.get(key, (0.0, ""))[0]:
                self.slowest[key] = (elapsed, kind)

    def top(self, n: int = 4) -> list[dict[str, Any]]:
        ranked = sorted(self.slowest.items(), key=lambda item: -item[1][0])[:n]
        return [{"slowest_ms": round(t * 1000, 1), "kind": kind, "sql": sql} for sql, (t, kind) in ranked]


@contextmanager
def sql_timer() -> Iterator[SqlTimer]:
    from django.db import connection

    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        yield timer


def _dates() -> tuple[list[dt.date], dt.datetime]:
    first = dt.date(2025, 1, 6)
    return [first + dt.timedelta(days=17 * i) for i in range(COURSES)], dt.datetime(2025, 1, 6, tzinfo=dt.UTC)


def generate(n_artifacts: int, seed: int) -> dict[str, Any]:
    """Courses, weeks, prompts, tags, people, enrollments, then the artifacts and their tags, in one transaction."""
    import random

    from django.db import connection, transaction

    from accounts.models import User
    from core.bulk import insert_rows
    from courses.models import Course, Enrollment, Prompt, Week
    from posts.models import Artifact, Tag

    rng = random.Random(seed)
    corpus = Corpus(seed)
    starts, _ = _dates()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")  # this bench database only, while loading
            cursor.execute("PRAGMA cache_size=-262144")
    with transaction.atomic():
        courses = [
            Course.objects.create(
                title=f"Bench course {i}: {PHRASES[i].capitalize()}",
                slug=f"bench-{i}",
                hashtag=f"#BENCH{i}",
                start_date=starts[i],
            )
            for i in range(COURSES)
        ]
        weeks: dict[tuple[int, int], Week] = {}
        prompts: dict[tuple[int, int], list[int]] = {}
        for ci, course in enumerate(courses):
            for w in range(1, WEEKS + 1):
                begins = starts[ci] + dt.timedelta(days=7 * (w - 1))
                week = Week.objects.create(
                    course=course, number=w, title=f"Week {w}", starts_on=begins, ends_on=begins + dt.timedelta(6)
                )
                weeks[ci, w] = week
                prompts[ci, w] = [
                    Prompt.objects.create(week=week, number=p, text=f"Prompt {p} of week {w}").pk
                    for p in range(1, PROMPTS_PER_WEEK + 1)
                ]
        tag_ids = {name: Tag.objects.create(name=name).pk for name in TAGS}
        subjects = ["Science", "Maths", "English", "History", "Art", "Music", "French", "Computing"]
        user_rows = [
            {
                "username": f"teacher{u}",
                "email": f"teacher{u}@bench.invalid",
                "display_name": f"Teacher {u}",
                "password": "!",
                "bio": " ".join(rng.choices(corpus.vocabulary[100:5000], k=12)),
                "subjects": rng.choice(subjects),
                "date_joined": now,
            }
            for u in range(PEOPLE)
        ]
        user_ids = insert_rows(User, user_rows, returning=True)
        members: list[list[int]] = [[] for _ in range(COURSES)]
        enrollments = []
        for u, uid in enumerate(user_ids):
            for ci in {u % COURSES, (u * 7 + 3) % COURSES} if u % 3 == 0 else {u % COURSES}:
                members[ci].append(uid)
                enrollments.append({"course_id": courses[ci].pk, "user_id": uid, "joined_at": now})
        insert_rows(Enrollment, enrollments)
        timings["fixtures_s"] = time.perf_counter() - started
        through = Artifact.tags.through
        made = 0
        generating = inserting = 0.0
        while made < n_artifacts:
            t0 = time.perf_counter()
            rows: list[dict[str, Any]] = []
            row_tags: list[list[str]] = []
            for _ in range(min(CHUNK, n_artifacts - made)):
                ci = rng.randrange(COURSES)
                w = rng.randint(1, WEEKS)
                prompt_id = rng.choice(prompts[ci, w]) if rng.random() < 0.75 else None
                if prompt_id is not None:
                    day = starts[ci] + dt.timedelta(days=7 * (w - 1))
                    offset = rng.randrange(7 * 86_400)
                else:  # anywhere from the course's start to four weeks after its end
                    day = starts[ci]
                    offset = rng.randrange((WEEKS + 4) * 7 * 86_400)
                published = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(seconds=offset)
                roll = rng.random()
                visibility = "public" if roll < 0.85 else "course" if roll < 0.97 else "draft"
                harvested = rng.random() < 0.4
                title = corpus.title(w)
                body = corpus.body()
                link = rng.random() < 0.05
                author = rng.choice(members[ci])
                rows.append(
                    {
                        "author_id": author,
                        "course_id": courses[ci].pk,
                        "prompt_id": prompt_id,
                        "kind": "link" if link else "post",
                        "url": f"https://blog{author}.example.invalid/{made + len(rows)}" if link or harvested else "",
                        "title": title,
                        "body": "" if harvested else body,
                        "body_html": f"<p>{body}</p>",
                        "visibility": visibility,
                        "origin": "harvested" if harvested else "native",
                        "source_name": f"Teacher {author}'s classroom blog" if harvested else "",
                        "excerpt": " ".join(body.split()[:30]) if harvested else "",
                        "published_at": published,
                        "created_at": published,
                        "updated_at": published,
                    }
                )
                row_tags.append(corpus.tags())
            t1 = time.perf_counter()
            ids = insert_rows(Artifact, rows, returning=True)
            insert_rows(
                through,
                [
                    {"artifact_id": pk, "tag_id": tag_ids[name]}
                    for pk, names in zip(ids, row_tags, strict=True)
                    for name in names
                ],
            )
            t2 = time.perf_counter()
            generating += t1 - t0
            inserting += t2 - t1
            made += len(rows)
            if made % 100_000 == 0 or made == n_artifacts:
                rate = made / (time.perf_counter() - started)
                say(f"    {made:,} artifacts ({rate:,.0f}/s)")
    timings["artifacts_python_s"] = generating
    timings["artifacts_insert_s"] = inserting
    timings["total_s"] = time.perf_counter() - started
    return {
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "artifacts_per_s": round(n_artifacts / timings["total_s"]),
        "courses": COURSES,
        "weeks": COURSES * WEEKS,
        "prompts": COURSES * WEEKS * PROMPTS_PER_WEEK,
        "people": PEOPLE,
        "enrollments": len(enrollments),
        "tags": len(TAGS),
    }


def build_index() -> dict[str, Any]:
    """posts.search_index.rebuild() (artifacts, then comments) and the people index, each in one transaction."""
    from django.db import connection, transaction

    from accounts import search_index as people_index
    from posts import search_index as posts_index

    done = [0]
    last = [time.perf_counter()]

    def progress(n: int) -> None:
        done[0] += n
        if done[0] % 200_000 < n:
            now = time.perf_counter()
            say(f"    indexed {done[0]:,}")
            last[0] = now

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")  # as configured for the site: the build is measured
    started = time.perf_counter()
    with transaction.atomic():
        counts = posts_index.rebuild(progress)
    posts_s = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        counts["search_people"] = people_index.rebuild()
    people_s = time.perf_counter() - started
    artifacts = counts["search_artifacts"]
    return {
        "documents": counts,
        "posts_rebuild_s": round(posts_s, 1),
        "artifacts_per_s": round(artifacts / posts_s) if posts_s else None,
        "people_rebuild_s": round(people_s, 1),
    }


# What a search reads: the index tables and their indexes, the artifacts' rows and the covering index the
# candidates' visibility is checked through, the people index, the tables a results page joins.
PREWARMED = (
    "search_artifacts",
    "search_artifacts_document",
    "search_artifacts_pkey",
    "search_comments",
    "search_comments_document",
    "search_comments_pkey",
    "search_people",
    "posts_artifact",
    "posts_artifact_pkey",
    "artifact_visibility",
    "accounts_user",
    "accounts_user_pkey",
)


def prewarm() -> dict[str, Any]:
    """Read the database once into the operating system's cache, as a server answering searches keeps it.

    This VM class's memory reclaim (kdamond) drops the page cache of files left unread for a while: after a
    long index build, or another benchmark, PostgreSQL's first searches went to the disk and came out two to
    three times slower with the same code on the same database. PostgreSQL: `pg_prewarm(…, 'read')` of the
    relations search reads (into the OS cache, not PostgreSQL's default 128 MB of shared buffers; into the shared
    buffers instead when they can hold it all; needs the pg_prewarm extension, which ships with PostgreSQL).
    SQLite: the database file read through once."""
    from django.conf import settings
    from django.db import connection

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            try:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            except Exception as error:  # not a superuser, or no contrib modules: measure as it is
                return {"done": False, "reason": f"{type(error).__name__}: {error}"}
            # Into PostgreSQL's own buffers when they can hold it all with room to spare (a server tuned for
            # its memory), else into the OS cache.
            cursor.execute(
                "SELECT sum(pg_relation_size(c.oid)) < 0.75 * pg_size_bytes(current_setting('shared_buffers')) "
                "FROM pg_class c WHERE c.relname = ANY(%s)",
                [list(PREWARMED)],
            )
            mode = "buffer" if cursor.fetchone()[0] else "read"
            cursor.execute(
                "SELECT c.relname, pg_prewarm(c.oid, %s) FROM pg_class c WHERE c.relname = ANY(%s)",
                [mode, list(PREWARMED)],
            )
            blocks = dict(cursor.fetchall())
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
        return {
            "done": True,
            "mode": mode,
            "shared_buffers": buffers,
            "blocks": blocks,
            "seconds": round(time.perf_counter() - started, 1),
        }
    path = Path(settings.DATABASES["default"]["NAME"])
    read = 0
    with path.open("rb") as file:
        while chunk := file.read(16 * 2**20):
            read += len(chunk)
    return {"done": True, "mb": round(read / 2**20), "seconds": round(time.perf_counter() - started, 1)}


def sizes() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_database_size(current_database()), pg_total_relation_size('search_artifacts'), "
                "pg_relation_size('search_artifacts_document'), pg_total_relation_size('posts_artifact')"
            )
            db, index_table, gin, artifacts = cursor.fetchone()
            return {
                "database_mb": round(db / 2**20),
                "search_artifacts_mb": round(index_table / 2**20),
                "gin_index_mb": round(gin / 2**20),
                "posts_artifact_mb": round(artifacts / 2**20),
            }
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        path = Path(settings.DATABASES["default"]["NAME"])
        out: dict[str, Any] = {"database_mb": round(path.stat().st_size / 2**20)}
        try:
            cursor.execute(
                "SELECT name, SUM(pgsize) FROM dbstat WHERE name LIKE 'search_artifacts%%' OR name = 'posts_artifact' "
                "GROUP BY name"
            )
            out.update({f"{name}_mb": round(size / 2**20) for name, size in cursor.fetchall()})
        except Exception as error:  # dbstat is optional in SQLite builds
            out["table_sizes"] = f"unavailable ({error})"
        return out


def matches(query_text: str) -> int:
    """Every artifact the query matches in the index (uncounted by visibility)."""
    from django.db import connection

    from core import search

    query = search.parse_query(query_text)
    m = search.match("search_artifacts", query)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM search_artifacts WHERE {m.condition}", m.params)  # noqa: S608
        return int(cursor.fetchone()[0])


def explain(sql: str, params: Any) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [" " * (2 * int(bool(row[1]))) + str(row[-1]) for row in cursor.fetchall()]


BACKEND_PID: list[int] = []


def _own_cpu() -> float:
    """CPU-seconds of this process and (on PostgreSQL) the server backend serving it."""
    from django.db import connection

    own = process_cpu_seconds(os.getpid())
    if connection.vendor == "postgresql" and connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        if pid not in BACKEND_PID:
            BACKEND_PID.append(pid)
    own += sum(process_cpu_seconds(pid, reaped_children=False) for pid in BACKEND_PID)
    return own


def profile(calls: list[Callable[[], int]], top: int = 15) -> list[str]:
    """cProfile over a few calls (after the timed ones): the functions with the most time of their own."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for call in calls:
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return [line.rstrip() for line in lines[start:] if line.strip()]


def run_class(
    name: str, calls: list[Callable[[], int]], labels: list[str], warmup: int, profile_runs: int = 0, budget: float = 0
) -> dict[str, Any]:
    """Time each call (after `warmup` untimed ones); split out the time spent in SQL by kind."""
    for call in calls[:warmup]:
        call()
    times: list[float] = []
    totals: list[int] = []
    per_label: dict[str, list[float]] = defaultdict(list)
    cpu_before = _own_cpu(), machine_busy_seconds()
    wall_started = time.perf_counter()
    stopped_early = False
    with sql_timer() as timer:
        for i, (call, label) in enumerate(zip(calls, labels, strict=True)):
            started = time.perf_counter()
            totals.append(call())
            elapsed = (time.perf_counter() - started) * 1000
            times.append(elapsed)
            per_label[label].append(elapsed)
            if budget and i + 1 >= MIN_RUNS and time.perf_counter() - wall_started > budget:
                stopped_early = True  # far over the target: enough runs to say so, in reasonable time
                break
    wall = time.perf_counter() - wall_started
    own_cpu = _own_cpu() - cpu_before[0]
    others = max(0.0, machine_busy_seconds() - cpu_before[1] - own_cpu)
    n = len(times)
    sql_ms = {kind: round(seconds * 1000 / n, 2) for kind, seconds in sorted(timer.seconds.items())}
    result: dict[str, Any] = {
        "n": n,
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "max_ms": round(max(times), 2),
        "meets_target": percentile(times, 0.95) <= TARGET_P95_MS,
        "stopped_early_after_s": budget if stopped_early else None,
        "mean_sql_ms_by_statement": sql_ms,
        "mean_outside_sql_ms": round(statistics.fmean(times) - sum(sql_ms.values()), 2),
        "mean_results_counted": round(statistics.fmean(totals), 1),
        "per_query_median_ms": {label: round(statistics.median(v), 2) for label, v in per_label.items()},
        "slowest_statements": timer.top(),
        # CPU of this process and its PostgreSQL backend, and of everything else on the machine meanwhile
        # (other work on a 2-core machine slows the measured one: read the figures with it).
        "own_cores": round(own_cpu / wall, 2),
        "others_cores": round(others / wall, 2),
    }
    for kind in ("artifacts_count", "artifacts_page"):
        if kind in timer.first:
            sql, params = timer.first[kind]
            try:
                result[f"plan_of_first_{kind}_statement"] = explain(sql, params)
            except Exception as error:
                result[f"plan_of_first_{kind}_statement"] = [f"(EXPLAIN failed: {error})"]
    if profile_runs:
        runs = profile_runs if not stopped_early else max(2, profile_runs // 5)
        result["profile_top_functions"] = profile(calls[warmup : warmup + runs])
    say(
        f"  {name:20} median {result['median_ms']:8.2f} ms  p95 {result['p95_ms']:8.2f} ms  (n={n}; SQL/run: {sql_ms}; "
        f"others' cores {result['others_cores']})"
    )
    return result


def _guarded(name: str, calls: list[Callable[[], int]], labels: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """run_class(); one class failing (say, code edited underneath a long run) does not lose the others."""
    try:
        return run_class(name, calls, labels, args.warmup, args.profile_runs, args.class_budget)
    except Exception as error:
        say(f"  {name:20} FAILED: {type(error).__name__}: {error}")
        return {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}


def cycle(items: list[Any], n: int) -> list[Any]:
    return [items[i % len(items)] for i in range(n)]


def measure_queries(args: argparse.Namespace, corpus: Corpus) -> tuple[dict[str, Any], dict[str, Any]]:
    import random

    from django.contrib.auth.models import AnonymousUser
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from core.search import parse_query
    from courses.models import Course, Week
    from posts.models import Artifact
    from search import selectors
    from search.selectors import Filters

    rng = random.Random(args.seed + 1)
    runs, warm = args.runs, args.warmup
    words = {
        "rare": corpus.words_with_share(0.0002, 0.0007),
        "mid": corpus.words_with_share(0.004, 0.007),
        "common": corpus.words_with_share(0.05, 0.10),
    }
    # How many artifacts each query matches in the index (counted once, untimed).
    counts: dict[str, Any] = {}
    for band, listed in words.items():
        found = {w: matches(w) for w in listed}
        counts[f"word_{band}"] = {"min": min(found.values()), "max": max(found.values()), "each": found}
    counts["phrase"] = {p: matches(f'"{p}"') for p in PHRASES}
    counts["prefix"] = {p: matches(p) for p in PREFIXES}
    say(
        "  matches: "
        + ", ".join(f"{k} {v['min']:,}–{v['max']:,}" for k, v in counts.items() if k.startswith("word_"))
        + f", phrases {min(counts['phrase'].values()):,}–{max(counts['phrase'].values()):,}"
        + f", prefixes {min(counts['prefix'].values()):,}–{max(counts['prefix'].values()):,}"
    )

    anonymous = AnonymousUser()
    course_ids = list(Course.objects.order_by("pk").values_list("pk", flat=True))
    courses = {c.pk: c for c in Course.objects.all()}
    weeks = list(Week.objects.select_related("course"))
    member = User.objects.get(username="teacher3")  # in two courses (every third person is)
    authors = list(
        User.objects.filter(pk__in=Artifact.objects.order_by().values("author_id")[:5000]).order_by("pk")[:500]
    )

    def selector(text: str, viewer: Any = anonymous, **filters: Any) -> Callable[[], int]:
        query = parse_query(text)
        chosen = Filters(**filters)

        def call() -> int:
            return selectors.artifacts(viewer=viewer, query=query, filters=chosen, offset=0, limit=20).total

        return call

    plans: dict[str, tuple[list[Callable[[], int]], list[str]]] = {}
    for band in ("rare", "mid", "common"):
        texts = cycle(words[band], runs + warm)
        plans[f"word_{band}"] = ([selector(t) for t in texts], texts)
    texts = cycle(words["common"], runs + warm)
    plans["word_common_member"] = ([selector(t, member) for t in texts], texts)
    texts = cycle([f'"{p}"' for p in PHRASES], runs + warm)
    plans["phrase"] = ([selector(t) for t in texts], texts)
    texts = cycle(PREFIXES, runs + warm)
    plans["prefix"] = ([selector(t) for t in texts], texts)
    texts = cycle(words["common"], runs + warm)
    picks = [courses[rng.choice(course_ids)] for _ in texts]
    plans["course"] = ([selector(t, course=c) for t, c in zip(texts, picks, strict=True)], texts)
    picked_weeks = [rng.choice(weeks) for _ in texts]
    plans["course_week"] = (
        [selector(t, course=w.course, week=w) for t, w in zip(texts, picked_weeks, strict=True)],
        texts,
    )
    people = [rng.choice(authors) for _ in texts]
    plans["person"] = ([selector(t, person=p) for t, p in zip(texts, people, strict=True)], texts)

    results: dict[str, Any] = {}
    for name, _label in CLASSES:
        if name.startswith("page_"):
            continue
        calls, labels = plans[name]
        results[name] = _guarded(name, calls, labels, args)

    # The whole page, as a browser would ask for it.
    for name, signed_in in (("page_anonymous", False), ("page_member", True)):
        client = Client()
        if signed_in:
            client.force_login(member)
        texts = cycle(words["mid"], runs + warm)

        def page(text: str, client: Client = client) -> Callable[[], int]:
            def call() -> int:
                response = client.get("/search/?q=" + quote(text))
                if response.status_code != 200:
                    raise RuntimeError(f"/search/?q={text} answered {response.status_code}")
                return len(response.content)

            return call

        calls = [page(t) for t in texts]
        results[name] = _guarded(name, calls, texts, args)
        if "mean_results_counted" in results[name]:
            results[name]["mean_response_bytes"] = results[name].pop("mean_results_counted")
    connection.close()
    return results, counts


def worker(args: argparse.Namespace) -> dict[str, Any]:
    _database_settings(args)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.urls import get_resolver

    # Load every view now: a long run must measure one snapshot of the code, and fail at once (not after an
    # hour) if the code is mid-edit.
    get_resolver().url_patterns  # noqa: B018

    vendor = connection.vendor
    say(f"  {vendor}: migrate")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    generation: dict[str, Any] | None = None
    index: dict[str, Any] | None = None
    if args.existing:  # a database this benchmark generated and indexed before (same --artifacts and --seed)
        say(f"  {vendor}: reusing {args.database} (already generated and indexed)")
    else:
        say(f"  {vendor}: generating {args.artifacts:,} artifacts")
        generation = generate(args.artifacts, args.seed)
        say(f"  {vendor}: generated in {generation['seconds']['total_s']} s ({generation['artifacts_per_s']:,}/s)")
        if vendor == "postgresql":
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # what autovacuum would do after a bulk load, before measuring
            generation["seconds"]["vacuum_analyze_s"] = round(time.perf_counter() - started, 1)
        say(f"  {vendor}: building the index")
        index = build_index()
        say(
            f"  {vendor}: index built in {index['posts_rebuild_s']} s ({index['artifacts_per_s']:,} artifacts/s); "
            f"people in {index['people_rebuild_s']} s"
        )
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE search_artifacts")
    size = sizes()
    say(f"  {vendor}: sizes {size}")
    server = None
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            server = cursor.fetchone()[0]
    else:
        import sqlite3

        server = f"SQLite {sqlite3.sqlite_version}"
    warmed: dict[str, Any] = {"done": False, "reason": "--no-prewarm"}
    if args.prewarm:
        warmed = prewarm()
        say(f"  {vendor}: prewarmed {warmed}")
    classes, counts = measure_queries(args, Corpus(args.seed))
    return {
        "status": "ok",
        "database": "PostgreSQL" if vendor == "postgresql" else "SQLite",
        "server": server,
        "artifacts": args.artifacts,
        "migrate_s": round(migrate_s, 1),
        "generation": generation,
        "index_build": index,
        "sizes": size,
        "prewarm": warmed,
        "matches": counts,
        "classes": classes,
    }


def run_worker(args: argparse.Namespace) -> int:
    blocked = install_loopback_guard()
    try:
        result = worker(args)
    except Exception as error:
        result = {"status": "error", "reason": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
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


def postgres_server(args: argparse.Namespace) -> str | None:
    url = args.postgres or os.environ.get("BENCH_DATABASE_URL") or ""
    asked = bool(url) or args.db == "postgres"
    url = url or DEFAULT_POSTGRES
    host = urlsplit(url).hostname or ""
    if host and not host.startswith("/") and host != "localhost" and not host.startswith("127."):
        raise SystemExit(f"--postgres must be a loopback server (127.0.0.0/8), not {host}")
    try:
        import psycopg

        with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=5):
            pass
    except Exception as error:
        if asked:
            raise SystemExit(f"cannot reach PostgreSQL at {url}: {error}") from error
        say(f"--- PostgreSQL not reachable at {url} ({error}); skipping it")
        return None
    return url


def measure(database: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    say(f"{database}: {args.artifacts:,} artifacts")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        result_path = Path(tmp) / "result.json"
        existing = bool(args.existing_sqlite) if database == "SQLite" else args.existing_postgres
        if database == "SQLite":
            path = args.existing_sqlite or args.keep_sqlite or str(Path(tmp) / "bench.sqlite3")
            db_url = f"sqlite:///{Path(path).resolve()}"
        else:
            db_url = url
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "--result",
            str(result_path),
            "--database",
            db_url,
            "--var-dir",
            str(Path(tmp) / "var"),
            "--artifacts",
            str(args.artifacts),
            "--runs",
            str(args.runs),
            "--warmup",
            str(args.warmup),
            "--seed",
            str(args.seed),
            "--profile-runs",
            str(args.profile_runs),
            "--class-budget",
            str(args.class_budget),
        ]
        if existing:
            command.append("--existing")
        if not args.prewarm:
            command.append("--no-prewarm")
        started = time.perf_counter()
        code = subprocess.run(command, cwd=ROOT, check=False).returncode  # noqa: S603 (this script, as a worker)
        if result_path.exists():
            result = json.loads(result_path.read_text())
        else:
            result = {"status": "error", "reason": f"worker exited with {code} and wrote no result"}
    result["process_s"] = round(time.perf_counter() - started, 1)
    if result["status"] != "ok":
        say(f"!!! {database} FAILED: {result.get('reason')}\n{result.get('traceback', '')}")
    return result


def code_state() -> dict[str, Any]:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH, read-only)
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        head = ""
    return {"git_head": head}


def table(runs: list[dict[str, Any]]) -> str:
    ok = [run for run in runs if run["status"] == "ok"]
    if not ok:
        return "(no results)"
    head = "| query class | " + " | ".join(f"{r['database']} median | {r['database']} p95" for r in ok) + " |"
    lines = [head, "|---|" + "---:|---:|" * len(ok)]
    for name, label in CLASSES:
        cells = []
        for run in ok:
            c = run["classes"].get(name) or {"error": "not run"}
            if "error" in c:
                cells.append("failed | –")
                continue
            mark = "" if c["meets_target"] else " ✗"
            cells.append(f"{c['median_ms']:.1f} | {c['p95_ms']:.1f}{mark}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    for run in ok:
        g, i = run["generation"], run["index_build"]
        if not g or not i:
            lines.append(f"{run['database']} ({run['artifacts']:,} artifacts): reused an existing database")
            continue
        lines.append(
            f"{run['database']} ({run['artifacts']:,} artifacts): generated in {g['seconds']['total_s']} s; "
            f"index built in {i['posts_rebuild_s']} s ({i['artifacts_per_s']:,} artifacts/s), "
            f"people {i['people_rebuild_s']} s; sizes {run['sizes']}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifacts", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres", help="a loopback PostgreSQL server URL (default: BENCH_DATABASE_URL)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per query class")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--class-budget", type=float, default=150, help="stop a class after this many seconds (0: never)"
    )
    parser.add_argument("--profile-runs", type=int, default=10, help="runs per class under cProfile, after timing")
    parser.add_argument("--output", default=str(RESULTS_DIR / "search.json"))
    parser.add_argument(
        "--existing-sqlite",
        metavar="PATH",
        help="measure queries on a SQLite file a previous run of this benchmark generated and indexed",
    )
    parser.add_argument(
        "--keep-sqlite", metavar="PATH", help="generate the SQLite database at PATH and keep it (for --existing-sqlite)"
    )
    parser.add_argument(
        "--keep-postgres", action="store_true", help=f"keep the {BENCH_DB} database (for --existing-postgres)"
    )
    parser.add_argument(
        "--existing-postgres",
        action="store_true",
        help=f"measure queries on the {BENCH_DB} database a previous --keep-postgres run generated and indexed",
    )
    parser.add_argument("--note", default="", help="recorded in the JSON (e.g. that the machine was shared)")
    parser.add_argument(
        "--no-prewarm",
        dest="prewarm",
        action="store_false",
        help="measure without first reading the database into the OS cache (see prewarm())",
    )
    parser.add_argument("--existing", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return run_worker(args)

    runs = []
    if args.db in {"sqlite", "both"}:
        runs.append(measure("SQLite", "", args))
    if args.db in {"postgres", "both"} and (server := postgres_server(args)):
        if not args.existing_postgres:
            _recreate(server)
        try:
            bench_url = urlunsplit(urlsplit(server)._replace(path="/" + BENCH_DB))
            runs.append(measure("PostgreSQL", bench_url, args))
        finally:
            if not (args.keep_postgres or args.existing_postgres):
                _recreate(server, drop_only=True)
    report = {
        "benchmark": "search",
        "machine": machine_info(PACKAGES),
        "code": code_state(),
        "artifacts": args.artifacts,
        "runs_per_class": args.runs,
        "class_budget_s": args.class_budget,
        "warmup_runs": args.warmup,
        "target_p95_ms": TARGET_P95_MS,
        "classes": dict(CLASSES),
        "note": args.note,
        "runs": runs,
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    say("\n" + table(runs))
    say(f"\nwrote {output}")
    return 0 if all(run["status"] == "ok" for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
