"""Soak test (SECURITY-TESTS issue 8): the load mix at 128 connections for 10 minutes, harvesting all along, the task
worker killed and restarted in the middle. Not for CI: it takes ~15 minutes and a whole machine.

What runs (everything on 127.0.0.1):

  1. a database: --seed-size 10k (default; `seed-scale` into a temporary SQLite file, topped up as load_bench does),
     or --sqlite PATH (an existing seeded file, COPIED to a temporary directory first: the soak writes feeds and
     hundreds of harvested posts, which must not end up in the original);
  2. a feed farm (bench/feed_farm.py, a separate process): --blogs blogs x --items items. The farm's feeds are static,
     so the harvests are kept busy in two ways:
       - *waves*: --initial-share of the blogs are registered before the load, the rest in waves every --round s up
         to 80% of the run, each by `syndication.services.register_feed` (a facilitator of the course registers the
         feed of one participant, take_all so every entry becomes an artifact) - which enqueues `harvest_one`, as
         registering a blog in the app does;
       - *due rounds*: every --round s (between the waves) the farm's feeds that are not leased are made due with
         their ETag/Last-Modified cleared (so the next check is a full 200 fetch and re-read of every entry, the path
         that must not store an entry twice) and `syndication.tasks.enqueue_due()` - what the periodic
         `schedule_harvest` does every 5 minutes - leases them and enqueues `harvest_batch` tasks;
     the worker's own periodic task runs as well (it is started with periodic tasks, as `make run` does). The farm's
     host is allowed through COMMONPLACE_FETCH_ALLOW_HOSTS=127.0.0.1; other active feeds (none in a seed-scale file)
     are paused in the copy so nothing is fetched beyond loopback;
  3. the app as load_bench starts it (its helpers are imported): granian (WSGI, run.sh's options) + `commonplace
     run_huey --quiet`, a temporary var/ directory, one Django session per subject, load_bench's Lua page mix;
  4. `wrk -t2 -c128 -d<--duration>` over the mix (one run, no warm-up beyond the first requests);
  5. at --duration/2: a wave and a due round are started, the driver waits until the worker has work (tasks queued or
     feeds leased) and, --kill-delay s later, SIGKILLs the worker's main process (what the OOM killer or a crashed host
     does); whatever it left running (its forkserver and harvest processes) is recorded, then killed by pid; a new
     worker is started;
  6. every 5 s: the RSS of granian's main process, of each granian worker and of the Huey worker (main + children);
  7. after the load: the worker finishes its queue (waited for up to --drain-max s), then the checks: wrk's statuses,
     socket errors and timeouts; "database is locked", tracebacks, "Internal Server Error", lost leases and failed
     stores in the logs; entries: for every registered farm feed, the entries stored vs the items the farm serves
     (by guid), duplicates (feed, guid) and (author, url) of the harvested artifacts, entries without an artifact,
     harvested artifacts without an entry. Feeds still leased by the killed worker cannot be checked again before
     the lease (20 minutes) runs out: those are reported, then a catch-up harvest of the incomplete feeds
     (`harvest_feeds`, as `commonplace harvest --feed` does) runs and the checks are repeated;
  8. bench/results/soak.json (--output, --no-write) and a short table.

    nice .venv/bin/python bench/soak_bench.py                                   # full: 10k seed, 600 s
    .venv/bin/python bench/soak_bench.py --duration 60 --blogs 40 --no-write    # a short trial
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from _common import RESULTS_DIR, ROOT, install_loopback_guard, machine_info  # bench/ is on sys.path
from feed_farm import build_blogs, get_json, start_farm
from load_bench import (
    LOG_PATTERNS,
    VENV,
    Processes,
    _children,
    _interrupted,
    descendants,
    ensure_wrk,
    free_port,
    get,
    manage,
    requests_of,
    rss_mb,
    run_wrk,
    schedule,
    server_env,
    setup_child,
    wait_ready,
    write_lua,
)
from pages_bench import BIG_SLUG, git_head, other_benchmarks, parse_size

PACKAGES = ["django", "granian", "huey", "whitenoise"]
EXTRA_PATTERNS = {
    "lease_lost": re.compile(r"was lost \(lease expired\)"),
    "store_failed": re.compile(r"Storing (feed|a group of feeds).*failed"),
    "harvest_bug": re.compile(r"failed unexpectedly"),
    "error_level": re.compile(r"\bERROR\b|\bCRITICAL\b"),
}


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------------------------
# Inside Django (a child interpreter with the server's environment).


def _farm_feeds(base_url: str) -> Any:
    from syndication.models import Feed

    return Feed.objects.filter(url__startswith=base_url + "/blog/")


def child_prepare(params: dict[str, Any]) -> dict[str, Any]:
    """The course, a facilitator to register the feeds, the participants who own them; other feeds paused."""
    from accounts.models import User
    from courses.models import Course, Enrollment, MemberRole
    from posts.models import Artifact
    from syndication.models import Feed, FeedStatus

    course = Course.objects.get(slug=BIG_SLUG)
    facilitator = Enrollment.objects.filter(course=course, role=MemberRole.FACILITATOR).order_by("user_id").first()
    if facilitator is not None:
        actor_id = facilitator.user_id
    else:
        actor = User.objects.filter(is_staff=True).order_by("pk").first()
        if actor is None:
            raise RuntimeError(f"{BIG_SLUG} has no facilitator and there is no staff account")
        actor_id = actor.pk
    taken = set(Feed.objects.filter(course=course).values_list("owner_id", flat=True))
    owners = [
        pk
        for pk in Enrollment.objects.filter(course=course, role=MemberRole.PARTICIPANT)
        .order_by("-user_id")  # the highest ids: load_bench's readers are the lowest
        .values_list("user_id", flat=True)
        if pk not in taken and pk != actor_id
    ][: params["blogs"]]
    if len(owners) < params["blogs"]:
        raise RuntimeError(f"{BIG_SLUG} has only {len(owners)} participants without a feed")
    paused = Feed.objects.filter(status=FeedStatus.ACTIVE).exclude(url__startswith="http://127.0.0.1:")
    paused_count = paused.update(status=FeedStatus.PAUSED)
    last = Artifact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return {"course_id": course.pk, "actor_id": actor_id, "owners": owners, "other_feeds_paused": paused_count,
            "artifact_pk_before": last}  # fmt: skip


def child_register(params: dict[str, Any]) -> dict[str, Any]:
    """register_feed for each (blog index, owner): one transaction each, each enqueues harvest_one on commit."""
    from accounts.models import User
    from courses.models import Course
    from syndication.services import register_feed

    course = Course.objects.get(pk=params["course_id"])
    actor = User.objects.get(pk=params["actor_id"])
    owners = User.objects.in_bulk([owner for _index, owner in params["pairs"]])
    ids = []
    for index, owner in params["pairs"]:
        feed = register_feed(
            course=course,
            owner=owners[owner],
            url=f"{params['base_url']}/blog/{index}/feed",
            actor=actor,
            title=f"Soak blog {index}",
            take_all=True,
        )
        ids.append(feed.pk)
    return {"feed_ids": ids}


def child_round(params: dict[str, Any]) -> dict[str, Any]:
    """Make the farm's unleased feeds due with no validators (a full re-read), then enqueue_due() as the periodic
    task does."""
    from django.utils import timezone

    from syndication.tasks import enqueue_due

    feeds = _farm_feeds(params["base_url"]).filter(status="active", leased_at__isnull=True)
    made_due = feeds.update(etag="", last_modified="", next_check_at=timezone.now())
    return {"made_due": made_due, "enqueued": enqueue_due()}


def child_kick(params: dict[str, Any]) -> dict[str, Any]:
    """A wave and a due round in one interpreter (the kill follows it: no time lost starting Django twice)."""
    registered = child_register(params)["feed_ids"] if params["pairs"] else []
    return {"registered": len(registered), **child_round(params)}


def child_status(params: dict[str, Any]) -> dict[str, Any]:
    from syndication.models import Entry

    feeds = _farm_feeds(params["base_url"])
    return {
        "feeds": feeds.count(),
        "leased": feeds.filter(leased_at__isnull=False).count(),
        "entries": Entry.objects.filter(feed__in=feeds).count(),
    }


def child_check(params: dict[str, Any]) -> dict[str, Any]:
    """Every registered farm feed against the items the farm serves: stored exactly once, each with its artifact."""
    from django.db.models import Count

    from posts.models import Artifact, Origin
    from syndication.models import Entry

    expected: dict[str, list[str]] = params["guids"]  # blog index -> guids
    feeds = list(_farm_feeds(params["base_url"]).values("pk", "url", "owner_id", "leased_at", "last_error",
                                                         "failures", "last_success_at"))  # fmt: skip
    by_feed: dict[int, dict[str, Any]] = {}
    for feed in feeds:
        index = feed["url"].rstrip("/").split("/")[-2]
        by_feed[feed["pk"]] = {**feed, "index": index}
    rows = Entry.objects.filter(feed_id__in=list(by_feed)).values_list("feed_id", "guid", "artifact_id", "taken")
    stored: dict[int, list[tuple[str, int | None, bool]]] = {}
    for feed_id, guid, artifact_id, taken in rows:
        stored.setdefault(feed_id, []).append((guid, artifact_id, taken))
    expected_total = missing = unexpected = duplicate_guids = no_artifact = 0
    incomplete: list[dict[str, Any]] = []
    for feed_id, feed in by_feed.items():
        want = set(expected[feed["index"]])
        got = [guid for guid, _a, _t in stored.get(feed_id, [])]
        expected_total += len(want)
        duplicate_guids += len(got) - len(set(got))
        lacking = want - set(got)
        missing += len(lacking)
        unexpected += len(set(got) - want)
        no_artifact += sum(1 for _g, artifact, taken in stored.get(feed_id, []) if not (taken and artifact))
        if lacking:
            incomplete.append({
                "feed_id": feed_id, "blog": feed["index"], "missing": len(lacking),
                "leased_at": feed["leased_at"], "failures": feed["failures"], "last_error": feed["last_error"],
                "last_success_at": feed["last_success_at"],
            })  # fmt: skip
    artifact_ids = [a for entries in stored.values() for _g, a, _t in entries if a]
    owners = [feed["owner_id"] for feed in by_feed.values()]
    course_id = params["course_id"]
    harvested = Artifact.objects.filter(  # made since the soak began (the seed has harvested posts of its own)
        course_id=course_id, author_id__in=owners, origin=Origin.HARVESTED, pk__gt=params["artifact_pk_before"]
    )
    duplicate_urls = harvested.values("author_id", "url").annotate(n=Count("id")).filter(n__gt=1).order_by().count()
    duplicate_url_rows = sum(
        row["n"] - 1 for row in harvested.values("author_id", "url").annotate(n=Count("id")).filter(n__gt=1).order_by()
    )
    orphans = harvested.exclude(pk__in=artifact_ids).count()
    return {
        "feeds": len(by_feed),
        "entries_expected": expected_total,
        "entries_stored": sum(len(entries) for entries in stored.values()),
        "entries_missing": missing,
        "entries_unexpected_guid": unexpected,
        "duplicate_feed_guid": duplicate_guids,
        "entries_without_artifact": no_artifact,
        "artifacts_linked": len(artifact_ids),
        "artifacts_linked_distinct": len(set(artifact_ids)),
        "harvested_artifacts": harvested.count(),
        "duplicate_author_url_groups": duplicate_urls,
        "duplicate_author_url_extra_rows": duplicate_url_rows,
        "harvested_artifacts_without_entry": orphans,
        "feeds_leased": sum(1 for feed in by_feed.values() if feed["leased_at"]),
        "feeds_with_error": sum(1 for feed in by_feed.values() if feed["last_error"]),
        "errors": sorted({feed["last_error"] for feed in by_feed.values() if feed["last_error"]})[:10],
        "incomplete_feeds": incomplete[:50],
        "incomplete_feed_ids": [item["feed_id"] for item in incomplete],
    }


def child_catchup(params: dict[str, Any]) -> dict[str, Any]:
    """Harvest the given feeds now, in this process (as `commonplace harvest --feed ID` does)."""
    from syndication.harvest import harvest_feeds

    summary = harvest_feeds(params["feed_ids"])
    return {"summary": str(summary)}


CHILD_ACTIONS = {
    "prepare": child_prepare,
    "register": child_register,
    "round": child_round,
    "status": child_status,
    "kick": child_kick,
    "check": child_check,
    "catchup": child_catchup,
}


def run_child(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    blocked = install_loopback_guard()
    result: dict[str, Any] = {}
    try:
        import django

        django.setup()
        params = json.loads(Path(args.params).read_text())
        result = {"status": "ok", **CHILD_ACTIONS[args.child](params)}
    except Exception as error:
        result = {"status": "error", "reason": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
        say(result["traceback"])
    result["blocked_non_loopback"] = dict(blocked)
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    return 0 if result["status"] == "ok" else 1


class Child:
    """Runs the child actions in fresh interpreters with the server's environment."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
        self.tmp = tmp

    def __call__(self, action: str, **params: Any) -> dict[str, Any]:
        stamp = time.monotonic_ns()
        params_path = self.tmp / f"{action}-{stamp}.params.json"
        result_path = self.tmp / f"{action}-{stamp}.result.json"
        params_path.write_text(json.dumps(params))
        command = [sys.executable, str(Path(__file__).resolve()), "--child", action, "--params", str(params_path),
                   "--result", str(result_path)]  # fmt: skip
        subprocess.run(command, check=False, cwd=ROOT, env=self.env, timeout=900)  # noqa: S603
        if not result_path.exists():
            raise RuntimeError(f"child {action} wrote no result")
        result = dict(json.loads(result_path.read_text()))
        if result.get("status") != "ok":
            raise RuntimeError(f"child {action} failed: {result.get('reason')}")
        return result


# ---------------------------------------------------------------------------------------------------------------
# The orchestrator.


class RssSampler(threading.Thread):
    """Every `every` s: RSS of granian's main process, each granian worker, the current Huey worker (+ children)."""

    def __init__(self, processes: Processes, every: float, t0: float) -> None:
        super().__init__(daemon=True)
        self.processes = processes
        self.every = every
        self.t0 = t0
        self.samples: list[dict[str, Any]] = []
        self.stopped = threading.Event()

    def sample(self) -> None:
        row: dict[str, Any] = {"t": round(time.monotonic() - self.t0, 1)}
        granian = self.processes.running.get("granian")
        if granian is not None and granian.poll() is None:
            row["granian_main"] = rss_mb(granian.pid)
            for pid in _children(granian.pid):
                row[f"granian_worker_{pid}"] = rss_mb(pid)
        for name, process in list(self.processes.running.items()):
            if name.startswith("huey") and process.poll() is None:
                row[name] = round(sum(rss_mb(pid) or 0 for pid in [process.pid, *descendants(process.pid)]), 1)
                row[f"{name}_main"] = rss_mb(process.pid)
        self.samples.append(row)

    def run(self) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(Exception):
                self.sample()
            self.stopped.wait(self.every)

    def stop(self) -> list[dict[str, Any]]:
        self.stopped.set()
        self.join()
        return self.samples


def summarise_rss(samples: list[dict[str, Any]], start: float, end: float) -> dict[str, Any]:
    """Per process: first-minute mean, last-minute mean, max, over the samples taken between start and end."""
    series: dict[str, list[tuple[float, float]]] = {}
    for row in samples:
        if not start <= row["t"] <= end:
            continue
        for key, value in row.items():
            if key != "t" and value is not None:
                series.setdefault(key, []).append((row["t"], value))
    out: dict[str, Any] = {}
    for key, points in series.items():
        first_t, last_t = points[0][0], points[-1][0]
        first = [v for t, v in points if t <= first_t + 60]
        last = [v for t, v in points if t >= last_t - 60]
        out[key] = {
            "samples": len(points),
            "from_s": first_t,
            "to_s": last_t,
            "first_minute_mean_mb": round(sum(first) / len(first), 1),
            "last_minute_mean_mb": round(sum(last) / len(last), 1),
            "max_mb": max(v for _t, v in points),
            "min_mb": min(v for _t, v in points),
            "growth_mb": round(sum(last) / len(last) - sum(first) / len(first), 1),
        }
    return out


def scan(processes: Processes) -> dict[str, Any]:
    """The whole of every log: load_bench's patterns and ours, counted per log, with up to 40 lines."""
    patterns = {**LOG_PATTERNS, **EXTRA_PATTERNS}
    out: dict[str, Any] = {"total": dict.fromkeys(patterns, 0), "per_log": {}, "lines": []}
    for name, path in processes.logs.items():
        counts = dict.fromkeys(patterns, 0)
        text = path.read_text(errors="replace") if path.exists() else ""
        for line in text.splitlines():
            hit = False
            for key, pattern in patterns.items():
                if pattern.search(line):
                    counts[key] += 1
                    out["total"][key] += 1
                    hit = True
            if hit and len(out["lines"]) < 40:
                out["lines"].append(f"{name}: {line[:400]}")
        out["per_log"][name] = {key: n for key, n in counts.items() if n}
        out["per_log"][name]["lines"] = len(text.splitlines())
    return out


TASK_LINE = re.compile(r"Task id=(\S+) path=(\S+) state=(\w+)")


def huey_tasks(processes: Processes) -> dict[str, Any]:
    """From each worker's log (Huey logs every task's RUNNING and its end state): tasks per path and end state, and
    the tasks left RUNNING - in the killed worker's log, those the SIGKILL interrupted."""
    out: dict[str, Any] = {}
    for name, path in processes.logs.items():
        if not name.startswith("huey") or not path.exists():
            continue
        states: dict[str, tuple[str, str]] = {}
        for found in TASK_LINE.finditer(path.read_text(errors="replace")):
            states[found[1]] = (found[2], found[3])
        counts: dict[str, dict[str, int]] = {}
        for task_path, state in states.values():
            counts.setdefault(task_path, {}).setdefault(state, 0)
            counts[task_path][state] += 1
        running = [{"id": task_id, "path": p} for task_id, (p, state) in states.items() if state == "RUNNING"]
        out[name] = {"by_path_and_last_state": counts, "left_running": running}
    return out


def huey_queue(path: Path) -> int | None:
    """Tasks waiting in the SQLite Huey queue (huey's `task` table)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("SELECT count(*) FROM task").fetchone()[0])
    except sqlite3.Error:
        return None


def db_status(database: Path, base_url: str) -> dict[str, Any]:
    """The farm's feeds, how many are leased, their entries: read straight from the SQLite file (no Django start-up,
    so the driver can poll it every fraction of a second)."""
    like = base_url + "/blog/%"
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)) as db:
        feeds, leased = db.execute(
            "SELECT count(*), count(leased_at) FROM syndication_feed WHERE url LIKE ?", [like]
        ).fetchone()
        entries = db.execute(
            "SELECT count(*) FROM syndication_entry e JOIN syndication_feed f ON f.id = e.feed_id WHERE f.url LIKE ?",
            [like],
        ).fetchone()[0]
    return {"feeds": feeds, "leased": leased, "entries": entries}


def process_group(pgid: int) -> list[dict[str, Any]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                found.append({"pid": int(entry.name), "ppid": int(fields[1]), "cmd": cmd[:200]})
        except (OSError, IndexError, ValueError):
            continue
    return found


def run(args: argparse.Namespace) -> int:
    install_loopback_guard()
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGHUP, _interrupted)
    wrk = ensure_wrk()
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    machine = machine_info(PACKAGES)
    machine["wrk"] = ((version.stdout + version.stderr).strip().splitlines() or [""])[0]
    machine["nice"] = os.nice(0)
    machine["loadavg_at_start"] = os.getloadavg()
    results: dict[str, Any] = {
        "benchmark": "soak",
        "issue": "SECURITY-TESTS 8",
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine,
        "code": {"git_head": git_head()},
        "args": {k: v for k, v in vars(args).items() if k not in {"child", "params", "result"}},
        "events": [],
    }
    processes = Processes()
    farm = None
    status = 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    events: list[dict[str, Any]] = results["events"]
    t0 = time.monotonic()

    def event(what: str, **data: Any) -> None:
        row = {"t": round(time.monotonic() - t0, 1), "what": what, **data}
        events.append(row)
        say(f"  [{row['t']:7.1f} s] {what} {json.dumps(data, default=str) if data else ''}")

    try:
        var_dir = tmp / "var"
        var_dir.mkdir()
        database = tmp / "soak.sqlite3"
        top_up = False
        if args.sqlite:
            source = Path(args.sqlite).resolve()
            if not source.is_file():
                raise SystemExit(f"--sqlite {source}: no such file")
            say(f"Copying {source} to {database}...")
            with (
                contextlib.closing(sqlite3.connect(source)) as src,
                contextlib.closing(sqlite3.connect(database)) as to,
            ):
                src.backup(to)
            env = server_env(f"sqlite:///{database}", var_dir)
            results["database"] = {"sqlite": str(source), "copied_to_tmp": True}
        else:
            name, users, artifacts = parse_size(args.seed_size)
            env = server_env(f"sqlite:///{database}", var_dir)
            say(f"A fresh database: seed-scale {name} ({users:,} people, {artifacts:,} artifacts)...")
            manage(env, "migrate", "--noinput")
            started = time.perf_counter()
            manage(env, "seed-scale", "--users", str(users), "--artifacts", str(artifacts), "--courses", "50",
                   "--seed", str(args.seed))  # fmt: skip
            results["database"] = {"seeded": name, "users": users, "artifacts": artifacts,
                                   "seed_s": round(time.perf_counter() - started, 1)}  # fmt: skip
            top_up = True
        env["COMMONPLACE_FETCH_ALLOW_HOSTS"] = "127.0.0.1"
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        results["database"]["mb_at_start"] = round(database.stat().st_size / 2**20)

        say("Choosing the subjects and signing them in (load_bench's setup)...")
        options = ["--setup", "--seed", str(args.seed), "--readers", "16", "--artifacts", "20",
                   *(["--top-up"] if top_up else [])]  # fmt: skip
        setup = setup_child(env, tmp, *options)
        results["subjects"] = setup["subjects"]
        requests = schedule(requests_of(setup), args.seed)
        lua = tmp / "mix.lua"
        write_lua(lua, requests)

        say(f"Feed farm: {args.blogs} blogs x {args.items} items...")
        base_url, farm = start_farm(args.blogs, args.items, args.seed)
        info = get_json(base_url, "/_info")
        blogs = build_blogs(args.blogs, args.items, args.seed, base_url)
        guids = {str(blog.index): [item.guid for item in blog.items] for blog in blogs}
        results["farm"] = {"base_url": base_url, "blogs": args.blogs, "items_per_blog": args.items,
                           "items": info["items"], "static": True}  # fmt: skip
        child = Child(env, tmp)
        prepared = child("prepare", blogs=args.blogs)
        results["feeds"] = {"course": BIG_SLUG, "other_feeds_paused": prepared["other_feeds_paused"]}
        pairs = list(enumerate(prepared["owners"]))
        common = {"base_url": base_url, "course_id": prepared["course_id"], "actor_id": prepared["actor_id"]}
        baseline = {"artifact_pk_before": prepared["artifact_pk_before"]}

        port = free_port()
        huey_command = [str(VENV / "commonplace"), "run_huey", "--quiet"]
        granian_command = [
            str(VENV / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", "2", "--blocking-threads", "8", "--backpressure", "16", "--no-ws",
            "--respawn-failed-workers", "--log-level", "warning", "config.wsgi:application",
        ]  # fmt: skip
        results["server"] = {"granian": " ".join(granian_command[1:]), "huey": " ".join(huey_command[1:])}
        processes.start("huey", huey_command, env, tmp / "huey.log")
        processes.start("granian", granian_command, env, tmp / "granian.log")
        say(f"Serving on 127.0.0.1:{port}...")
        results["server"]["ready_s"] = wait_ready(port, processes)
        for key, found in requests_of(setup).items():
            code, _size, _ms = get(port, *found[0])
            if code != 200:
                raise RuntimeError(f"{key}: {found[0][0]} answered {code} before the load")

        initial = max(1, round(args.blogs * args.initial_share))
        waves_until = args.duration * 0.8
        rounds = max(1, int(waves_until // args.round))
        rest = pairs[initial:]
        per_wave = -(-len(rest) // rounds) if rest else 0
        queue = rest[:]
        huey_db = var_dir / "huey.sqlite3"

        # The load starts; the sampler and wrk run in threads, this thread drives the harvests.
        t0 = time.monotonic()
        sampler = RssSampler(processes, args.sample_every, t0)
        sampler.start()
        wrk_out: dict[str, Any] = {}

        def load() -> None:
            try:
                wrk_out["result"], wrk_out["command"] = run_wrk(args, wrk, lua, port, args.connections, args.duration)
            except Exception as error:
                wrk_out["error"] = f"{type(error).__name__}: {error}"

        wrk_thread = threading.Thread(target=load, daemon=True)
        wrk_thread.start()
        event("load started", connections=args.connections, duration_s=args.duration)
        registered = child("register", **common, pairs=pairs[:initial])
        event("registered", feeds=len(registered["feed_ids"]), wave=0)

        def wave() -> None:
            batch = [queue.pop(0) for _ in range(min(per_wave, len(queue)))]
            if batch:
                done = child("register", **common, pairs=batch)
                event("registered", feeds=len(done["feed_ids"]), remaining=len(queue))

        def due_round() -> None:
            done = child("round", base_url=base_url)
            event("due round", made_due=done["made_due"], enqueued=done["enqueued"], queue=huey_queue(huey_db))

        kill_at = args.duration / 2
        killed = False
        next_wave = args.round
        next_round = args.round / 2
        while wrk_thread.is_alive():
            now = time.monotonic() - t0
            if not killed and now >= kill_at:
                killed = True
                batch = [queue.pop(0) for _ in range(min(per_wave, len(queue)))]
                kicked = child("kick", **common, pairs=batch)
                event("wave and due round before the kill", registered=kicked["registered"],
                      made_due=kicked["made_due"], enqueued=kicked["enqueued"], queue=huey_queue(huey_db))  # fmt: skip
                waited = time.monotonic()
                busy: dict[str, Any] = {}
                while time.monotonic() - waited < 30:
                    busy = {**db_status(database, base_url), "queue": huey_queue(huey_db)}
                    if busy["leased"] or busy["queue"]:
                        break
                    time.sleep(0.1)
                time.sleep(args.kill_delay)
                old = processes.running["huey"]
                state = {"before": busy, "now": {**db_status(database, base_url), "queue": huey_queue(huey_db)},
                         "huey_children": len(descendants(old.pid)), "huey_rss_mb": rss_mb(old.pid)}  # fmt: skip
                os.kill(old.pid, signal.SIGKILL)
                old.wait(timeout=30)
                event("huey worker SIGKILLed", pid=old.pid, **state)
                time.sleep(2)
                left = process_group(old.pid)
                for orphan in left:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(orphan["pid"], signal.SIGKILL)
                event("left behind by the killed worker (then killed)", processes=left)
                restarted = processes.start("huey-restarted", huey_command, env, tmp / "huey-restarted.log")
                processes.running["huey-killed"] = processes.running.pop("huey")
                processes.logs["huey-killed"] = processes.logs.pop("huey")
                event("huey worker restarted", pid=restarted.pid, queue=huey_queue(huey_db))
                continue
            if now >= next_wave and now < waves_until:
                next_wave += args.round
                wave()
            elif now >= next_round and now < args.duration - 10:
                next_round += args.round
                due_round()
            else:
                wrk_thread.join(timeout=1)
        load_end = time.monotonic() - t0
        event("load stopped")
        if "error" in wrk_out:
            raise RuntimeError(f"wrk: {wrk_out['error']}")
        while queue:  # a very short run: register the rest now
            wave()

        # Drain: nothing queued and the entries and leases unchanged for 3 polls in a row (feeds still leased then
        # are those the killed worker held: they wait for the lease to run out), or --drain-max.
        drain_start = time.monotonic()
        quiet = 0
        last: dict[str, Any] = {}
        while time.monotonic() - drain_start < args.drain_max and quiet < 3:
            time.sleep(5)
            now_state = {**db_status(database, base_url), "queue": huey_queue(huey_db)}
            steady = (
                bool(last)
                and now_state["queue"] == 0
                and all(now_state[key] == last.get(key) for key in ("entries", "leased", "feeds"))
            )
            quiet = quiet + 1 if steady else 0
            last = now_state
        event("drained", waited_s=round(time.monotonic() - drain_start), **last)
        samples = sampler.stop()

        check = child("check", **common, **baseline, guids=guids)
        event("checked", missing=check["entries_missing"], duplicates=check["duplicate_feed_guid"],
              leased=check["feeds_leased"])  # fmt: skip
        results["entries_after_drain"] = check
        if check["incomplete_feed_ids"]:
            catch = child("catchup", feed_ids=check["incomplete_feed_ids"])
            event("catch-up harvest of the incomplete feeds", feeds=len(check["incomplete_feed_ids"]),
                  summary=catch["summary"])  # fmt: skip
            results["entries_after_catchup"] = child("check", **common, **baseline, guids=guids)
        results["farm"]["stats"] = get_json(base_url, "/_stats")
        results["load"] = {**wrk_out["result"], "command": wrk_out["command"], "connections": args.connections}
        logs = scan(processes)
        results["logs"] = logs
        results["huey_tasks"] = huey_tasks(processes)
        results["rss"] = {
            "every_s": args.sample_every,
            "during_load": summarise_rss(samples, 0, load_end),
            "series": samples,
        }
        results["database"]["mb_at_end"] = round(database.stat().st_size / 2**20)
        results["machine"]["loadavg_at_end"] = os.getloadavg()
        results["machine"]["other_benchmarks_at_end"] = other_benchmarks()
        results["alive_at_end"] = processes.alive()
        status = 0
    except KeyboardInterrupt:
        say("Interrupted: stopping.")
        status = 130
    except Exception as error:
        say(f"ERROR: {type(error).__name__}: {error}")
        results["error"] = f"{type(error).__name__}: {error}"
        for name, log in processes.logs.items():
            if log.exists():
                tail = log.read_text(errors="replace").strip().splitlines()[-15:]
                if tail:
                    say(f"  {name} log (last lines):\n    " + "\n    ".join(tail))
    finally:
        processes.stop()
        if farm is not None:
            farm()
        if args.keep_tmp:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    if "load" in results:
        results["verdict"] = verdict(results)
        say(table(results))
    if not args.no_write and (status == 0 or "load" in results):
        path = Path(args.output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        say(f"wrote {path}")
    return status


def verdict(results: dict[str, Any]) -> dict[str, Any]:
    load = results["load"]
    logs = results["logs"]["total"]
    final = results.get("entries_after_catchup") or results["entries_after_drain"]
    drained = results["entries_after_drain"]
    rss = results["rss"]["during_load"]
    workers = {k: v for k, v in rss.items() if k.startswith("granian_worker_")}
    return {
        "zero_5xx": load["status_classes"]["5xx"] == 0,
        "zero_socket_errors_and_timeouts": sum(load["socket_errors"].values()) + load["timeouts"] == 0,
        "zero_database_locked": logs["database_is_locked"] == 0,
        "zero_tracebacks": logs["traceback"] == 0,
        "zero_internal_server_error": logs["internal_server_error"] == 0,
        "zero_duplicates": final["duplicate_feed_guid"] == 0
        and final["duplicate_author_url_groups"] == 0
        and final["harvested_artifacts_without_entry"] == 0,
        "zero_missing_after_drain": drained["entries_missing"] == 0,
        "zero_missing_after_catchup": final["entries_missing"] == 0,
        "granian_workers_growth_mb": {k: v["growth_mb"] for k, v in workers.items()},
    }


def table(results: dict[str, Any]) -> str:
    load = results["load"]
    logs = results["logs"]["total"]
    lines = [
        f"load: {load['connections']} connections, {load['duration_s']} s, {load['requests']:,} requests, "
        f"{load['requests_per_s']} req/s, p50 {load['latency_ms']['p50']} ms, p99 {load['latency_ms']['p99']} ms",
        f"statuses: {load['status_classes']}; socket errors {load['socket_errors']}, timeouts {load['timeouts']}",
        "logs: " + ", ".join(f"{k} {v}" for k, v in logs.items()),
        "",
        "| entries | expected | stored | missing | duplicate (feed, guid) | duplicate (author, url) | no artifact | "
        "artifact without entry | feeds leased |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, key in (("after drain", "entries_after_drain"), ("after catch-up", "entries_after_catchup")):
        if key in results:
            c = results[key]
            lines.append(
                f"| {label} | {c['entries_expected']:,} | {c['entries_stored']:,} | {c['entries_missing']} | "
                f"{c['duplicate_feed_guid']} | {c['duplicate_author_url_groups']} | {c['entries_without_artifact']} | "
                f"{c['harvested_artifacts_without_entry']} | {c['feeds_leased']} |"
            )
    lines += ["", "| process | first minute MB | last minute MB | max MB | samples |", "|---|---:|---:|---:|---:|"]
    for name, row in results["rss"]["during_load"].items():
        if name.endswith("_main") and name.startswith("huey"):
            continue
        lines.append(
            f"| {name} | {row['first_minute_mean_mb']:g} | {row['last_minute_mean_mb']:g} | {row['max_mb']:g} | "
            f"{row['samples']} |"
        )
    lines.append("")
    lines.append("verdict: " + json.dumps(results["verdict"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--sqlite", metavar="PATH", help="an existing seeded SQLite file (copied first)")
    where.add_argument("--seed-size", metavar="SIZE", default="10k", help="seed-scale size (default 10k)")
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (default 600)")
    parser.add_argument("--connections", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=float, default=30, help="wrk's per-request timeout, seconds")
    parser.add_argument("--blogs", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--initial-share", type=float, default=0.3, help="share of the blogs registered at the start")
    parser.add_argument("--round", type=float, default=30, help="seconds between waves (and between due rounds)")
    parser.add_argument("--kill-delay", type=float, default=0.5, help="seconds after the worker has work")
    parser.add_argument("--sample-every", type=float, default=5)
    parser.add_argument("--drain-max", type=float, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-tmp", action="store_true")
    parser.add_argument("--output", default=str(RESULTS_DIR / "soak.json"))
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--child", choices=sorted(CHILD_ACTIONS), help=argparse.SUPPRESS)
    parser.add_argument("--params", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
