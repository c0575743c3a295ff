"""Page benchmark (issue 6): server-side time of the main pages and the two write actions at 10k, 100k, 1M artifacts.

For each database (a temporary SQLite file; or a `commonplace_bench_pages` database created and dropped on a loopback
PostgreSQL server) and each size, in a fresh interpreter:

  1. migrate, then `commonplace seed-scale --users N --artifacts M --courses 50 --seed S` (run as its own process,
     timed): people p1…pN, 50 courses, course 1 `bench-big` with 5,000 participants (fewer when there are fewer
     people), artifacts, tags, prompts, comments, shares, opens, heavy-tailed follows, mutes, blocks;
  2. choose the subjects deterministically (and top the data up where the generated network has no such subject,
     with bulk inserts, recorded in the JSON): a person following ~200 and one following ~2,000; a reader (the
     lowest-id participant of `bench-big` in no mute or block); the most prolific author; the most used tag; an
     artifact with 200 comments; page 50 of the big course's stream (following the "Older posts" cursor 49 times);
  3. time each page through django.test.Client (signed in with force_login): 5 warm-up requests, then --runs timed
     ones (time.perf_counter around client.get/post); median, p95, min, max, the queries of one extra request
     (CaptureQueriesContext), the response size; cProfile (our own code's top lines) of each page missing its target.

The pages: the home timeline (/home/) for the ~200 and ~2,000 followers; /courses/bench-big/stream/ page 1 and page
50; /people/<author>/, /tags/<tag>/, /courses/bench-big/ (the course page: this week's prompts with their
counts and latest responses, the latest work) and /a/<pk>/ (200 comments) as the reader; the share action (POST
/a/<pk>/share/, each by another participant on another artifact, opened first: read before share) and the comment
action (POST /a/<pk>/comments/, the reader on another open artifact each time). Writes must answer 302; anything
else is counted as an error.

Targets (issue 6): every page median <= 12 ms and p95 <= 40 ms at 1M artifacts on SQLite; each median's 1M / 10k
ratio <= 1.5; stream page 50 <= 1.2 x page 1; a page's query count does not grow with its items.

    .venv/bin/python bench/pages_bench.py                                   # SQLite and PostgreSQL, 10k 100k 1m
    .venv/bin/python bench/pages_bench.py --db sqlite --sizes 10k,100k,1m
    .venv/bin/python bench/pages_bench.py --db postgres --sizes 10k,100k --merge   # add to bench/results/pages.json
    .venv/bin/python bench/pages_bench.py --db sqlite --sizes 2k --runs 30 --no-write   # a smoke run

Before each timed phase the benchmark waits (up to --wait-max seconds, --wait-total in all) until no other benchmark
(bench/*_bench.py, /tmp/big/*.py) runs, and records whether one did and how many cores others used meanwhile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import math
import os
import random
import re
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
BENCH_DB = "commonplace_bench_pages"
PACKAGES = ["django", "psycopg"]
TARGETS = {
    "median_ms": 12.0,
    "p95_ms": 40.0,
    "where": "1M artifacts on SQLite",
    "ratio_1m_10k_max": 1.5,
    "stream_page50_over_page1_max": 1.2,
}
SIZES = {"10k": (1_000, 10_000), "100k": (10_000, 100_000), "1m": (100_000, 1_000_000)}
BIG_SLUG = "bench-big"
BIG_COURSE = 5_000
FOLLOWING = {"timeline_200": 200, "timeline_2000": 2_000}
COMMENTS_ON_PAGE = 200
STREAM_PAGE = 50
PAGES = {  # key: what the table calls it
    "timeline_200": "home timeline, following ~200",
    "timeline_2000": "home timeline, following ~2,000",
    "stream_page1": "course stream (5,000), page 1",
    "stream_page50": "course stream (5,000), page 50",
    "person": "person page",
    "tag": "tag page",
    "course": "course page (5,000): this week, latest",
    "artifact_200": "artifact page, 200 comments (its first page of threads)",
    "share": "share (POST)",
    "comment": "comment (POST)",
}
WRITES = {"share", "comment"}
OTHERS = re.compile(r"bench/\w+_bench\.py|/tmp/big/\S+\.py")


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def parse_size(text: str) -> tuple[str, int, int]:
    """'10k' -> ('10k', 1,000 people, 10,000 artifacts); any '<n>k' or '<n>m' gives artifacts / 10 people."""
    key = text.strip().lower()
    if key in SIZES:
        return (key, *SIZES[key])
    match = re.fullmatch(r"(\d+)([km]?)", key)
    if not match:
        raise argparse.ArgumentTypeError(f"size {text!r}: use 10k, 100k, 1m or a number of artifacts")
    artifacts = int(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2]]
    return (key, max(3, artifacts // 10), artifacts)


# ---------------------------------------------------------------------------------------------------------------
# Other work on this shared 2-core machine skews the figures: wait for it, and say when it ran anyway.


def _own_tree() -> set[int]:
    """This process, its parent (the orchestrator, for a worker) and their children."""
    pids = {os.getpid(), os.getppid()}
    for pid in list(pids):
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                pids.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            pass
    return pids


def other_benchmarks() -> list[str]:
    """Command lines of other benchmark processes (bench/*_bench.py, /tmp/big/*.py) running now."""
    mine = _own_tree()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if OTHERS.search(cmdline):
            found.append(f"{entry.name}: {cmdline[:160]}")
    return found


WAITED = [0.0]  # seconds waited so far in this worker: --wait-total bounds the sum


def wait_alone(args: argparse.Namespace, what: str) -> dict[str, Any]:
    started = time.monotonic()
    announced = False
    while (running := other_benchmarks()) and (
        time.monotonic() - started < args.wait_max and WAITED[0] + time.monotonic() - started < args.wait_total
    ):
        if not announced:
            say(f"    waiting for other work to finish before {what}: {running[0]}")
            announced = True
        time.sleep(10)
    waited = time.monotonic() - started
    WAITED[0] += waited
    if running:
        say(f"    !!! timing {what} while other work runs: {running[0]}")
    return {"waited_s": round(waited), "other_benchmarks_running": running}


BACKEND_PID: list[int] = []


def _own_cpu() -> float:
    """CPU-seconds of this process and, on PostgreSQL, of the server backend serving it."""
    return process_cpu_seconds(os.getpid()) + sum(process_cpu_seconds(pid) for pid in BACKEND_PID)


class Phase:
    """Wall time, this process's cores, everyone else's, and whether another benchmark ran meanwhile."""

    def __init__(self, args: argparse.Namespace, name: str, wait: bool = True) -> None:
        self.args = args
        self.name = name
        self.wait = wait
        self.info: dict[str, Any] = {}

    def __enter__(self) -> Phase:
        if self.wait:
            self.info["before"] = wait_alone(self.args, self.name)
        self.cpu = _own_cpu()
        self.busy = machine_busy_seconds()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.started
        own = _own_cpu() - self.cpu
        others = max(0.0, machine_busy_seconds() - self.busy - own)
        at_end = other_benchmarks()
        self.info.update(
            wall_s=round(wall, 2),
            own_cores=round(own / wall, 2) if wall else None,
            others_cores=round(others / wall, 2) if wall else None,
            other_benchmarks_at_end=at_end,
        )
        before = self.info.get("before", {}).get("other_benchmarks_running", [])
        self.info["busy"] = bool(before or at_end) or (self.info["others_cores"] or 0) > 0.3


# ---------------------------------------------------------------------------------------------------------------
# The worker: one database and size, in its own interpreter.


def _database_settings(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database
    os.environ["COMMONPLACE_VAR_DIR"] = args.var_dir
    os.environ["DEBUG"] = "0"  # DEBUG keeps every query in memory
    os.environ["HUEY_IMMEDIATE"] = "0"  # enqueued tasks go to the queue, not run inside the request
    os.environ["REDIS_URL"] = ""
    os.environ["EMAIL_HOST"] = ""
    os.environ["HARVEST_ON_REGISTER"] = "0"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    os.environ["COMMONPLACE_TESTING"] = "1"  # plain static storage: no collectstatic manifest needed
    os.environ["LOG_LEVEL"] = "WARNING"
    # The comment action posts a comment a request from one reader: no per-minute limit (core.formguard's least
    # time is met with a stamp of a form shown a minute before, see `comment_on`).
    os.environ["COMMENT_RATE_PER_MINUTE"] = "1000000"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"


def _database_mb() -> int:
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return round(cursor.fetchone()[0] / 2**20)
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return round(Path(settings.DATABASES["default"]["NAME"]).stat().st_size / 2**20)


def seed(args: argparse.Namespace) -> dict[str, Any]:
    """`commonplace seed-scale` in its own process (same settings), timed; its output kept."""
    command = [
        str(ROOT / ".venv" / "bin" / "commonplace"),
        "seed-scale",
        "--users",
        str(args.users),
        "--artifacts",
        str(args.artifacts),
        "--courses",
        str(args.courses),
        "--seed",
        str(args.seed),
    ]
    with Phase(args, "seed-scale") as phase:
        completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)  # noqa: S603
    output = (completed.stdout + completed.stderr).splitlines()
    for line in output:
        say("    | " + line)
    if completed.returncode != 0:
        raise RuntimeError(f"seed-scale exited {completed.returncode}: {' / '.join(output[-5:])}")
    return {"command": " ".join(["commonplace", *command[1:]]), "seconds": phase.info["wall_s"], "phase": phase.info}


# Subjects.


def _blocked_or_muted() -> set[int]:
    from accounts.models import Block, Mute

    ids: set[int] = set()
    for a, b in Block.objects.values_list("blocker_id", "blocked_id"):
        ids.update((a, b))
    for a, b in Mute.objects.values_list("muter_id", "muted_id"):
        ids.update((a, b))
    return ids


def _follower(target: int, exclude: set[int], rng: random.Random, now: dt.datetime) -> dict[str, Any]:
    """The person whose following count is closest to `target` (within 10%); else the one following most, topped up
    to `target` with bulk-inserted follows (at most everyone else)."""
    from django.db.models import Count

    from accounts.models import Block, User
    from network.models import Follow

    counts = list(
        Follow.objects.values("follower_id").annotate(n=Count("id")).order_by().values_list("follower_id", "n")
    )
    counts = [(pk, n) for pk, n in counts if pk not in exclude]
    pk, n = min(counts, key=lambda row: (abs(row[1] - target), row[0]))
    out: dict[str, Any] = {"generated_following_closest": n}
    if abs(n - target) > target * 0.1:
        pk, n = max(counts, key=lambda row: (row[1], -row[0]))
        followed = set(Follow.objects.filter(follower_id=pk).values_list("followee_id", flat=True))
        apart = set(Block.objects.filter(blocker_id=pk).values_list("blocked_id", flat=True))
        apart |= set(Block.objects.filter(blocked_id=pk).values_list("blocker_id", flat=True))
        candidates = [other for other in User.objects.order_by("pk").values_list("pk", flat=True) if other != pk]
        candidates = [other for other in candidates if other not in followed and other not in apart]
        wanted = min(target - n, len(candidates))
        chosen = sorted(rng.sample(candidates, wanted))
        Follow.objects.bulk_create(
            [
                Follow(follower_id=pk, followee_id=other, created_at=now - dt.timedelta(days=rng.uniform(1, 365)))
                for other in chosen
            ],
            batch_size=2000,
        )
        out.update(
            topped_up=True,
            generated_following=n,
            added_follows=wanted,
            clamped=n + wanted < target,
        )
        n += wanted
        say(
            f"    follows: nobody follows ~{target:,}; p{pk} followed {out['generated_following']:,}, +{wanted:,} added"
        )
    user = User.objects.get(pk=pk)
    out.update(username=user.username, following=n)
    return out


def _add_comments(artifact: Any, wanted: int, members: list[int], rng: random.Random) -> int:
    """Top the artifact up to `wanted` shown comments (a third of them replies), as course members, after it was
    published and inside the comment window; bulk inserted. Returns how many were added."""
    from django.utils import timezone

    from core.text import render_markdown
    from core.tone import classify
    from posts.models import Comment

    have = artifact.comments.filter(removed_at__isnull=True).count()
    if have >= wanted:
        return 0
    texts = [
        "Thank you for this, it gives me a lot to think about for my own classroom.",
        "How did your students respond when you first tried it?",
        "I am not sure this works with younger children; the evidence seems thin.",
        "We read the same chapter this week and I noted the same passage.",
        "Love the example about feedback, I will try it with my team on Monday.",
        "What would you change if you had a second go at it?",
    ]
    labelled = [(text, render_markdown(text), classify(text).label) for text in texts]
    tops = list(
        artifact.comments.filter(parent__isnull=True, removed_at__isnull=True).values_list(
            "pk", "created_at", "author_id"
        )
    )
    start = artifact.published_at
    span = max(60.0, min((timezone.now() - start).total_seconds(), 13 * 86_400) - 120)
    authors = [m for m in members if m != artifact.author_id]
    moments = sorted(start + dt.timedelta(seconds=60 + rng.uniform(0, span)) for _ in range(wanted - have))
    planned = [(when, rng.random() < 1 / 3, rng.choice(labelled), rng.choice(authors)) for when in moments]

    def row(when: dt.datetime, text: tuple[str, str, str], author: int, parent: tuple[int, int] | None) -> Comment:
        body, body_html, tone = text
        return Comment(  # bulk_create does not call save(): whom it answers is set here
            artifact=artifact,
            author_id=author,
            parent_id=parent[0] if parent else None,
            artifact_author_id=artifact.author_id,
            parent_author_id=parent[1] if parent else None,
            body=body,
            body_html=body_html,
            tone=tone,
            tone_predicted=tone,
            created_at=when,
        )

    new_tops = Comment.objects.bulk_create(
        [row(when, text, author, None) for when, reply, text, author in planned if not reply or not tops]
    )
    tops += [(comment.pk, comment.created_at, comment.author_id) for comment in new_tops]
    replies = []
    for when, reply, text, author in planned:
        earlier = [(pk, by) for pk, at, by in tops if at < when]
        if reply and earlier:
            replies.append(row(when, text, author, rng.choice(earlier)))
    Comment.objects.bulk_create(replies)
    added = len(new_tops) + len(replies)
    return added


def choose(args: argparse.Namespace) -> dict[str, Any]:
    """Every subject of the timed pages, deterministically, and the write subjects (enough for every request)."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from accounts.models import Block, User
    from courses.models import Course, Enrollment
    from network.models import Share
    from posts.models import Artifact, Tag, Visibility

    rng = random.Random(args.seed)
    now = timezone.now()
    notes: list[str] = []
    course = Course.objects.get(slug=BIG_SLUG)
    participants = list(
        Enrollment.objects.filter(course=course, role="participant")
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    members = list(Enrollment.objects.filter(course=course).order_by("user_id").values_list("user_id", flat=True))
    if len(participants) < BIG_COURSE:
        notes.append(
            f"{BIG_SLUG} has {len(participants):,} participants, not {BIG_COURSE:,}: "
            f"clamped by the {args.users:,} people"
        )
    apart = _blocked_or_muted()
    reader = User.objects.get(pk=next(pk for pk in participants if pk not in apart))
    out: dict[str, Any] = {"course_participants": len(participants), "reader": reader.username, "notes": notes}

    followers: dict[str, Any] = {}
    taken = {reader.pk}
    for key, target in FOLLOWING.items():
        found = _follower(target, taken, rng, now)
        taken.add(User.objects.get(username=found["username"]).pk)
        followers[key] = found
        if found.get("topped_up"):
            notes.append(
                f"{key}: nobody followed ~{target:,}; {found['username']} (following {found['generated_following']:,})"
                f" got {found['added_follows']:,} more follows by bulk insert"
                + (f", clamped at {found['following']:,} (everyone else)" if found["clamped"] else "")
            )
    out["followers"] = followers

    author_row = (
        Artifact.objects.published()
        .exclude(author_id__in=apart | {reader.pk})
        .values("author_id")
        .annotate(n=Count("id"))
        .order_by("-n", "author_id")
        .first()
    )
    assert author_row is not None
    out["author"] = {"username": User.objects.get(pk=author_row["author_id"]).username, "artifacts": author_row["n"]}
    tag = Tag.objects.annotate(n=Count("artifacts")).order_by("-n", "pk").first()
    assert tag is not None
    out["tag"] = {"name": tag.name, "artifacts": tag.n}  # type: ignore[attr-defined]

    # The artifact page: the big course's public artifact with the most comments, topped up to 200.
    commented = (
        Artifact.objects.filter(course=course, visibility=Visibility.PUBLIC)
        .exclude(author_id__in=apart)
        .annotate(n=Count("comments", filter=Q(comments__removed_at__isnull=True)))
        .order_by("-n", "pk")
        .first()
    )
    assert commented is not None
    generated = commented.n  # type: ignore[attr-defined]
    added = _add_comments(commented, COMMENTS_ON_PAGE, members, rng)
    if added:
        notes.append(
            f"artifact_200: the most commented artifact (/a/{commented.pk}/) had {generated} comments; "
            f"{added} added by insert (a third replies) to reach {COMMENTS_ON_PAGE}"
        )
    few = (
        Artifact.objects.filter(course=course, visibility=Visibility.PUBLIC)
        .exclude(author_id__in=apart)
        .annotate(n=Count("comments"))
        .filter(n__gte=1, n__lte=3)
        .order_by("pk")
        .first()
    )
    out["artifact"] = {"pk": commented.pk, "generated_comments": generated, "added_comments": added}
    out["artifact_few"] = {"pk": few.pk, "comments": few.n} if few else None  # type: ignore[attr-defined]

    # Writes: enough subjects for warm-up, timed runs, the query count and a profile.
    needed = args.warmup + args.runs + 1 + args.profile_runs
    recent = list(
        Artifact.objects.filter(
            course=course,
            visibility=Visibility.PUBLIC,
            published_at__gte=now - dt.timedelta(days=course.comment_window_days) + dt.timedelta(hours=2),
        )
        .exclude(author_id__in=apart)
        .order_by("-published_at", "-pk")
        .values_list("pk", "author_id")[: 4 * needed]
    )
    out["comment_artifacts"] = [pk for pk, author in recent if author != reader.pk][:needed]
    if len(out["comment_artifacts"]) < needed:
        notes.append(f"comment: only {len(out['comment_artifacts'])} open artifacts; some get two comments")
    busy_sharers = set(
        Share.objects.filter(created_at__gte=now - dt.timedelta(days=1)).values_list("sharer_id", flat=True)
    )
    sharers = [pk for pk in participants if pk not in apart and pk not in busy_sharers and pk != reader.pk]
    blocked = {(a, b) for a, b in Block.objects.values_list("blocker_id", "blocked_id")}
    pairs: list[tuple[int, int]] = []
    artifacts = iter(pk_author for pk_author in recent)
    for sharer in sharers:
        if len(pairs) == needed:
            break
        for pk, author in artifacts:
            apart_pair = (sharer, author) in blocked or (author, sharer) in blocked
            if (
                author != sharer
                and not apart_pair
                and not Share.objects.filter(sharer_id=sharer, artifact_id=pk).exists()
            ):
                pairs.append((sharer, pk))
                break
    if len(pairs) < needed:
        raise RuntimeError(f"only {len(pairs)} (sharer, artifact) pairs for the share action, {needed} needed")
    out["share_pairs"] = pairs
    return out


# Timing.


def _forget_messages(client: Any) -> None:
    """A POST leaves a flash message nobody reads here; drop it so the messages cookie does not grow."""
    client.cookies.pop("messages", None)


def _queries(request: Callable[[], Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = request()
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    return {
        "queries": len(captured.captured_queries),
        "sql_ms": round(sum(float(q["time"]) for q in captured.captured_queries) * 1000, 1),
        "slowest_sql": [{"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:600]} for q in slowest[:5]],
        "query_status": response.status_code,
    }


def _profile(requests: list[Callable[[], Any]], top: int = 20) -> list[str]:
    """cProfile over the requests: our own code's functions (paths under the project, not .venv), by cumulative."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for request in requests:
        request()
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    root = str(ROOT) + "/"
    rows = [
        (ct, tt, nc, f"{file[len(root) :]}:{line}({name})")
        for (file, line, name), (_cc, nc, tt, ct, _callers) in stats.items()
        if file.startswith(root) and "/.venv/" not in file and "/bench/" not in file
    ]
    rows.sort(key=lambda row: -row[0])
    n = max(1, len(requests))
    header = f"cumulative ms/request | own ms/request | calls/request | function   ({n} requests)"
    return [header] + [
        f"{ct * 1000 / n:9.2f} | {tt * 1000 / n:8.2f} | {nc / n:7.1f} | {where}" for ct, tt, nc, where in rows[:top]
    ]


def time_requests(args: argparse.Namespace, key: str, requests: list[Callable[[], Any]], ok: int) -> dict[str, Any]:
    """Warm-up, timed runs (each request a callable; the list cycles), one more under CaptureQueriesContext, and a
    profile when the page misses its target. `ok` is the status a request must answer; others count as errors."""
    errors: dict[str, int] = {}
    position = [0]

    def call() -> tuple[float, Any]:
        request = requests[position[0] % len(requests)]
        position[0] += 1
        t0 = time.perf_counter()
        response = request()
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != ok:
            errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
        return elapsed, response

    min_runs = args.min_runs
    for n in range(args.warmup):
        elapsed, _response = call()
        if elapsed > args.slow_ms:  # a page of many seconds: warm after one, and fewer runs will do
            min_runs = min(min_runs, args.slow_min_runs)
            break
        if n >= 1 and elapsed > 1000:  # a page of seconds is warm after two
            break
    times: list[float] = []
    sizes: list[int] = []
    with Phase(args, PAGES[key]) as phase:
        started = time.perf_counter()
        for _ in range(args.runs):
            elapsed, response = call()
            times.append(elapsed)
            sizes.append(len(response.content))
            if args.page_budget and len(times) >= min_runs and time.perf_counter() - started > args.page_budget:
                break
    result: dict[str, Any] = {
        "n": len(times),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "min_ms": round(min(times), 2),
        "max_ms": round(max(times), 2),
        "mean_ms": round(statistics.fmean(times), 2),
        "bytes": round(statistics.median(sizes)),
        "errors": errors,
        "stopped_by_budget": len(times) < args.runs,
        "phase": phase.info,
    }
    request = requests[position[0] % len(requests)]
    position[0] += 1
    result.update(_queries(request))
    result["meets_median"] = result["median_ms"] <= TARGETS["median_ms"]
    result["meets_p95"] = result["p95_ms"] <= TARGETS["p95_ms"]
    if not (result["meets_median"] and result["meets_p95"]) or args.profile_all:
        # As many requests as fit in about --profile-budget seconds, at least one.
        runs = max(1, min(args.profile_runs, round(args.profile_budget * 1000 / max(result["median_ms"], 1))))
        chosen = [requests[(position[0] + k) % len(requests)] for k in range(runs)]
        result["profile"] = _profile(chosen)
    busy = " (busy machine)" if phase.info["busy"] else ""
    say(
        f"    {PAGES[key]}: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, {result['queries']} queries, "
        f"{result['bytes']:,} bytes, n={result['n']}{busy}" + (f", errors {errors}" if errors else "")
    )
    return result


_PAGER = re.compile(r'<nav class="pager"[^>]*>\s*<a href="([^"]+)"')


def _next_url(path: str, content: bytes) -> str | None:
    match = _PAGER.search(content.decode())
    return path + html.unescape(match[1]) if match else None


def pages(args: argparse.Namespace, chosen: dict[str, Any]) -> dict[str, Any]:
    from django.test import Client

    from accounts.models import User
    from core.formguard import stamp
    from network.services import record_open
    from posts.models import Artifact

    handler: list[Any] = []

    def client_for(username: str) -> Client:
        return signed_in(User.objects.get(username=username))

    def signed_in(user: User) -> Client:
        """A client signed in as the person. Every client shares the first one's request handler: a new
        handler loads the middleware on its first request (WhiteNoise indexing every static file: ~8 ms), which
        a server does once per worker, not per visitor, so it is no part of any page's time."""
        client = Client()
        client.force_login(user)
        if handler:
            client.handler = handler[0]
        else:
            handler.append(client.handler)
        return client

    def get(client: Client, url: str) -> Callable[[], Any]:
        return lambda: client.get(url)

    out: dict[str, Any] = {}
    reader = client_for(chosen["reader"])
    urls: dict[str, str] = {}

    # Stream page 50: follow "Older posts" from page 1.
    stream = f"/courses/{BIG_SLUG}/stream/"
    url: str | None = stream
    reached = 1
    for _ in range(STREAM_PAGE - 1):
        assert url is not None
        response = reader.get(url)
        following = _next_url(stream, response.content)
        if following is None:
            break
        url, reached = following, reached + 1
    assert url is not None
    urls.update(stream_page1=stream, stream_page50=url)
    chosen["stream_page_reached"] = reached
    if reached < STREAM_PAGE:
        chosen["notes"].append(f"stream: only {reached} pages; the last one is timed as page 50")
    artifact_url = f"/a/{chosen['artifact']['pk']}/"
    urls.update(
        person=f"/people/{chosen['author']['username']}/",
        tag=f"/tags/{chosen['tag']['name']}/",
        course=f"/courses/{BIG_SLUG}/",
        artifact_200=artifact_url,
    )
    chosen["urls"] = urls

    for key in ("timeline_200", "timeline_2000"):
        client = client_for(chosen["followers"][key]["username"])
        out[key] = time_requests(args, key, [get(client, "/home/")], 200)
        response = client.get("/home/")
        out[key]["items"] = response.content.count(b"<article")
    for key in ("stream_page1", "stream_page50", "person", "tag", "course", "artifact_200"):
        out[key] = time_requests(args, key, [get(reader, urls[key])], 200)
        response = reader.get(urls[key])
        out[key]["items"] = response.content.count(b"<article")
    out["artifact_200"]["comments_on_artifact"] = (
        chosen["artifact"]["generated_comments"] + chosen["artifact"]["added_comments"]
    )
    # The page shows a page of threads (posts.selectors.THREADS_PER_PAGE top comments with their replies).
    first_page = reader.get(urls["artifact_200"]).content
    out["artifact_200"]["comments_on_page"] = len(re.findall(rb'<article class="comment" id="comment-', first_page))
    if chosen["artifact_few"]:  # the same page with 1-3 comments: does the query count follow the comments?
        few = _queries(lambda: reader.get(f"/a/{chosen['artifact_few']['pk']}/"))
        out["artifact_200"]["queries_with_few_comments"] = {"comments": chosen["artifact_few"]["comments"], **few}

    # Share: each request another participant sharing another recent artifact, opened first (read before share).
    share_requests: list[Callable[[], Any]] = []
    for n, (sharer, pk) in enumerate(chosen["share_pairs"]):
        user = User.objects.get(pk=sharer)
        record_open(user=user, artifact=Artifact.objects.get(pk=pk))
        client = signed_in(user)

        def share(client: Client = client, pk: int = pk, n: int = n) -> Any:
            return client.post(f"/a/{pk}/share/", {"note": f"Worth reading for the week's question ({n})."})

        share_requests.append(share)
    out["share"] = time_requests(args, "share", share_requests, 302)

    # Comment: the reader, each time on another open artifact, a supportive comment (no tone nudge step).
    writer = client_for(chosen["reader"])

    def comment_on(pk: int, n: int) -> Callable[[], Any]:
        def comment() -> Any:
            data = {"body": f"Thank you, this is really helpful ({n}).", "rendered": stamp(ago=60)}
            response = writer.post(f"/a/{pk}/comments/", data)
            _forget_messages(writer)
            return response

        return comment

    out["comment"] = time_requests(
        args, "comment", [comment_on(pk, n) for n, pk in enumerate(chosen["comment_artifacts"])], 302
    )
    return out


def run_worker(args: argparse.Namespace) -> int:
    _database_settings(args)
    sys.path.insert(0, str(ROOT))
    blocked = install_loopback_guard()
    result: dict[str, Any] = {
        "database": args.db_label,
        "size": args.size,
        "users": args.users,
        "artifacts": args.artifacts,
    }
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from network import scale

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        result["migrate_s"] = round(time.perf_counter() - started, 1)
        if scale.occupied_tables():
            result["seed"] = {"reused": True}
            say(f"  {connection.vendor} {args.size}: database already seeded, reused")
        else:
            say(f"  {connection.vendor} {args.size}: migrated in {result['migrate_s']} s; seed-scale...")
            connection.close()
            result["seed"] = seed(args)
            say(f"  seed-scale took {result['seed']['seconds']} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                BACKEND_PID.append(cursor.fetchone()[0])
        result["database_mb"] = _database_mb()
        started = time.perf_counter()
        chosen = choose(args)
        result["choose_s"] = round(time.perf_counter() - started, 1)
        for note in chosen["notes"]:
            say(f"    note: {note}")
        result["pages"] = pages(args, chosen)
        result["subjects"] = {
            key: value for key, value in chosen.items() if key not in {"share_pairs", "comment_artifacts"}
        }
        result["subjects"]["share"] = (
            f"{len(chosen['share_pairs'])} (participant, artifact) pairs: each request signed in as another "
            "participant "
            f"of {BIG_SLUG} (not the reader), sharing another recent public artifact after an open was recorded"
        )
        result["subjects"]["comment"] = (
            f"the reader, on {len(chosen['comment_artifacts'])} different recent public artifacts of {BIG_SLUG}"
        )
        result["status"] = "ok"
    except Exception as error:
        result["status"] = "error"
        result["reason"] = f"{type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc()
        say(result["traceback"])
    result["waited_s"] = round(WAITED[0])
    result["peak_rss_mb"] = max_rss_mb()
    result["blocked_non_loopback"] = dict(blocked)
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    return 0


# ---------------------------------------------------------------------------------------------------------------
# Orchestration.


def _admin_url(url: str) -> str:
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    return urlunsplit(parts._replace(path="/postgres"))


def _recreate(url: str, drop_only: bool = False, name: str = BENCH_DB) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {name}")


def _ensure(url: str, name: str) -> None:
    """Create the database unless it exists (a kept one is reused: the worker sees it seeded)."""
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f"CREATE DATABASE {name}")


def measure(label: str, database: str, size: tuple[str, int, int], args: argparse.Namespace) -> dict[str, Any]:
    name, users, artifacts = size
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        result_path = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "--db-label",
            label,
            "--database",
            database.replace("{tmp}", tmp),
            "--var-dir",
            str(Path(tmp) / "var"),
            "--result",
            str(result_path),
            "--size",
            name,
            "--users",
            str(users),
            "--artifacts",
            str(artifacts),
            "--courses",
            str(args.courses),
            "--seed",
            str(args.seed),
            "--runs",
            str(args.runs),
            "--warmup",
            str(args.warmup),
            "--min-runs",
            str(args.min_runs),
            "--page-budget",
            str(args.page_budget),
            "--profile-runs",
            str(args.profile_runs),
            "--profile-budget",
            str(args.profile_budget),
            "--slow-ms",
            str(args.slow_ms),
            "--slow-min-runs",
            str(args.slow_min_runs),
            "--wait-max",
            str(args.wait_max),
            "--wait-total",
            str(args.wait_total),
            *(["--profile-all"] if args.profile_all else []),
        ]
        started = time.perf_counter()
        completed = subprocess.run(command, check=False, timeout=args.timeout)  # noqa: S603 (our own script)
        if not result_path.exists():
            return {
                "database": label,
                "size": name,
                "status": "error",
                "reason": f"worker exited {completed.returncode}",
            }
        result = dict(json.loads(result_path.read_text()))
        result["worker_s"] = round(time.perf_counter() - started, 1)
        return result


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


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Targets per run and across sizes: the medians' 1M / 10k ratios, page 50 / page 1, query counts by size."""
    out: dict[str, Any] = {
        "page50_over_page1": {},
        "ratio_1m_over_10k": {},
        "queries_by_size": {},
        "target_1m_sqlite": {},
    }
    by: dict[tuple[str, str], dict[str, Any]] = {
        (run["database"], run["size"]): run for run in runs if run.get("status") == "ok"
    }
    for (db, size), run in by.items():
        pages = run["pages"]
        ratio = pages["stream_page50"]["median_ms"] / pages["stream_page1"]["median_ms"]
        out["page50_over_page1"][f"{db} {size}"] = {
            "ratio": round(ratio, 2),
            "met": ratio <= TARGETS["stream_page50_over_page1_max"],
        }
        for key, page in pages.items():
            out["queries_by_size"].setdefault(f"{db} {key}", {})[size] = page["queries"]
    for db in sorted({db for db, _ in by}):
        small, large = by.get((db, "10k")), by.get((db, "1m"))
        if small and large:
            out["ratio_1m_over_10k"][db] = {
                key: {
                    "ratio": round(large["pages"][key]["median_ms"] / small["pages"][key]["median_ms"], 2),
                    "met": large["pages"][key]["median_ms"] / small["pages"][key]["median_ms"]
                    <= TARGETS["ratio_1m_10k_max"],
                }
                for key in PAGES
                if key in small["pages"] and key in large["pages"]  # runs kept from before a page was added
            }
    if big := by.get(("sqlite", "1m")):
        out["target_1m_sqlite"] = {
            key: {"median": page["meets_median"], "p95": page["meets_p95"]} for key, page in big["pages"].items()
        }
    for counts in out["queries_by_size"].values():
        counts["constant"] = len(set(counts.values())) == 1
    return out


def table(runs: list[dict[str, Any]]) -> str:
    ok = [run for run in runs if run.get("status") == "ok"]
    columns = [(run["database"], run["size"]) for run in ok]
    head = (
        "| page | "
        + " | ".join(f"{'SQLite' if db == 'sqlite' else 'PostgreSQL'} {size}" for db, size in columns)
        + " |"
    )
    lines = [head, "|---|" + "---:|" * len(columns)]
    for key, label in PAGES.items():
        cells = []
        for run in ok:
            page = run["pages"].get(key)
            if page is None:  # a run kept from before the page was added
                cells.append("–")
                continue
            mark = ""
            if (run["database"], run["size"]) == ("sqlite", "1m"):
                mark = " ✓" if page["meets_median"] and page["meets_p95"] else " ✗"
            errors = f" ({sum(page['errors'].values())} errors)" if page["errors"] else ""
            errors += f" n={page['n']}" if page["stopped_by_budget"] else ""
            cells.append(f"{page['median_ms']:g} / {page['p95_ms']:g} / {page['queries']}q{mark}{errors}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    seeds = []
    for run in ok:
        seconds = run.get("seed", {}).get("seconds")
        seeds.append(f"{seconds:g} s" if seconds is not None else "reused")
    lines.append("| seed-scale | " + " | ".join(seeds) + " |")
    for run in runs:
        if run.get("status") != "ok":
            lines.append(f"\n{run['database']} {run.get('size')}: ERROR {run.get('reason')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--db", choices=["sqlite", "postgres", "both", "none"], default="both", help="none: only --include and report"
    )
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k, 100k, 1m (artifacts; people /10)")
    parser.add_argument("--postgres", metavar="URL", help="a loopback PostgreSQL server (else BENCH_DATABASE_URL)")
    parser.add_argument("--sqlite-dir", metavar="DIR", help="keep the SQLite files here (reused when seeded already)")
    parser.add_argument(
        "--keep-postgres",
        action="store_true",
        help=f"keep each size's PostgreSQL database ({BENCH_DB}_<size>), reused when seeded already",
    )
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--min-runs", type=int, default=10, help="timed runs at least, whatever --page-budget")
    parser.add_argument(
        "--page-budget", type=float, default=60, help="stop a page's timed runs after this many seconds (0: never)"
    )
    parser.add_argument("--slow-ms", type=float, default=5000, help="a first warm-up slower than this: a slow page")
    parser.add_argument("--slow-min-runs", type=int, default=5, help="timed runs at least of a slow page")
    parser.add_argument("--profile-runs", type=int, default=20, help="requests profiled at most")
    parser.add_argument("--profile-budget", type=float, default=10, help="seconds of requests to profile, about")
    parser.add_argument("--profile-all", action="store_true", help="profile every page, not only those missing targets")
    parser.add_argument("--wait-max", type=float, default=600, help="seconds to wait for other work before a phase")
    parser.add_argument("--wait-total", type=float, default=1200, help="seconds to wait in all, per database and size")
    parser.add_argument("--timeout", type=float, default=3 * 3600)
    parser.add_argument("--output", default=str(RESULTS_DIR / "pages.json"))
    parser.add_argument("--merge", action="store_true", help="keep the output's runs of other databases and sizes")
    parser.add_argument(
        "--include", action="append", default=[], metavar="JSON", help="also report the runs of another results file"
    )
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db-label", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--artifacts", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args)
    install_loopback_guard()
    sizes = [parse_size(text) for text in args.sizes.split(",") if text.strip()]
    machine = machine_info(PACKAGES)
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    if args.db in {"sqlite", "both"}:
        for size in sizes:
            say(f"SQLite, {size[0]} ({size[1]:,} people, {size[2]:,} artifacts)...")
            if args.sqlite_dir:
                Path(args.sqlite_dir).mkdir(parents=True, exist_ok=True)
                database = f"sqlite:///{Path(args.sqlite_dir).resolve()}/pages-{size[0]}-seed{args.seed}.sqlite3"
            else:
                database = "sqlite:///{tmp}/pages.sqlite3"
            runs.append(measure("sqlite", database, size, args))
    if args.db in {"postgres", "both"}:
        url = args.postgres or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_POSTGRES
        host = urlsplit(url).hostname or ""
        if host not in {"localhost", ""} and not host.startswith("127."):
            raise SystemExit(f"--postgres must be a loopback server, not {host}")
        for size in sizes:
            say(f"PostgreSQL, {size[0]} ({size[1]:,} people, {size[2]:,} artifacts)...")
            name = f"{BENCH_DB}_{size[0]}" if args.keep_postgres else BENCH_DB
            if args.keep_postgres:
                _ensure(url, name)
            else:
                _recreate(url)
            try:
                database = urlunsplit(urlsplit(url)._replace(path="/" + name))
                runs.append(measure("postgresql", database, size, args))
            finally:
                if not args.keep_postgres:
                    _recreate(url, drop_only=True)
    path = Path(args.output)
    earlier: list[dict[str, Any]] = []
    if args.merge and path.exists():
        done = {(run["database"], run.get("size")) for run in runs}
        earlier = [
            run
            for run in json.loads(path.read_text()).get("runs", [])
            if (run["database"], run.get("size")) not in done
        ]
    for extra in args.include:
        done = {(run["database"], run.get("size")) for run in runs + earlier}
        earlier += [
            run
            for run in json.loads(Path(extra).read_text()).get("runs", [])
            if (run["database"], run.get("size")) not in done
        ]
    order = {"sqlite": 0, "postgresql": 1}
    everything = sorted(earlier + runs, key=lambda run: (order.get(run["database"], 2), size_order(run.get("size"))))
    results: dict[str, Any] = {
        "benchmark": "pages",
        "issue": 6,
        "machine": {**machine, "shared": "2 cores shared with other engineers' benchmarks; see each phase's busy flag"},
        "code": {"git_head": git_head()},
        "args": {
            key: getattr(args, key)
            for key in ("db", "sizes", "courses", "seed", "runs", "warmup", "min_runs", "page_budget")
        },
        "targets": TARGETS,
        "pages": PAGES,
        "runs": everything,
        "summary": summarise(everything),
        "elapsed_s": round(time.perf_counter() - started),
    }
    say(table(everything))
    say(json.dumps(results["summary"]["page50_over_page1"]))
    if results["summary"]["ratio_1m_over_10k"]:
        say(json.dumps(results["summary"]["ratio_1m_over_10k"]))
    if not args.no_write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        say(f"wrote {path}")
    return 0 if all(run.get("status") == "ok" for run in runs) else 1


def size_order(size: str | None) -> int:
    """Sort key of a size name: its number of artifacts."""
    try:
        return parse_size(size or "0")[2]
    except argparse.ArgumentTypeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
