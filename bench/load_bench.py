"""Load benchmark (issue 6): throughput of the app as `make run` serves it, driven by wrk on loopback.

The server is scripts/run.sh's, with its default settings: granian (WSGI, --workers 2 --blocking-threads 8
--backpressure 16 --no-ws --respawn-failed-workers) on a free port of 127.0.0.1 and the Huey worker
(`commonplace run_huey --quiet`), both with DATABASE_URL pointing at the SQLite file under test, a temporary
COMMONPLACE_VAR_DIR (secret key, HUEY_SQLITE_PATH, a fresh `collectstatic` for the static manifest) and nothing
else set (DEBUG, COMMONPLACE_TESTING, HUEY_IMMEDIATE and REDIS_URL are removed from the environment).

  1. the database: --sqlite PATH, an existing seeded file (e.g. /tmp/pages-run/pages-100k-seed1.sqlite3, kept by
     bench/pages_bench.py --sqlite-dir), brought up to date with `migrate --noinput` (a no-op when current); or
     --seed-size 10k: a temporary file made by `commonplace seed-scale` as pages_bench does (a smoke run);
  2. the subjects, as bench/pages_bench.py chooses them (its constants and helpers are imported): the person
     following ~200 and the one following ~2,000, readers (the lowest-id participants of `bench-big` in no mute or
     block; the first is pages_bench's reader), the most prolific author, the most used tag, the most commented
     public artifact of `bench-big` (pages_bench's 200-comment artifact) and some ordinary ones (1-10 comments).
     On an existing file nothing is topped up (the closest follower is taken, and the gap recorded) unless
     --top-up; a --seed-size file is topped up like pages_bench does (follows, comments);
  3. one Django session per person, made directly in the database (SessionStore with the auth keys); wrk sends
     `sessionid=...` so the requests come from different signed-in people. The sessions are deleted at the end;
  4. every page of the mix is requested once and must answer 200 (else the run stops: a 302 would mean the
     session was not accepted); then a 5 s warm-up, then `wrk -t2 -c32 -d60s --latency` and `-c128`, each after
     waiting (up to --wait-max s) for other benchmarks to finish. A Lua script cycles through a shuffled list of
     (path, cookie) requests, each wrk thread from another offset, and counts statuses (2xx/3xx/4xx/5xx);
  5. after each run: requests/s, p50/p90/p99 latency, the non-2xx/3xx, socket errors and timeouts from wrk; the
     "database is locked", "Internal Server Error" and traceback lines the server and the worker logged meanwhile;
     the RSS (VmRSS) of the granian main process, of each granian worker (its children) and of the Huey worker,
     also the peak sampled each second during the run; the cores used by the server, wrk and everything else.

The page mix (GET; weights out of 100; signed in unless said):

    home timeline, following ~200           15   (that person)
    home timeline, following ~2,000         10   (that person)
    course stream page 1 (bench-big)        20   (the readers in turn)
    person page (most prolific author)      10   (the readers)
    tag page (most used tag)                10   (the readers)
    artifact page, 1-10 comments            12   (the readers, over up to 20 artifacts)
    artifact page, ~200 comments             3   (the readers)
    course page (/courses/bench-big/)       10   (the readers)
    course stream page 1, anonymous         10   (no cookie)

A signed-in artifact page records an open (an UPDATE, or an INSERT the first time), so the run writes to the
database under test; so do the session rows (deleted afterwards).

Targets (issue 6): >= 400 requests/s on the mix at 32 connections; zero errors at 128 connections (no 5xx, no
"database is locked"; here also no other non-2xx/3xx, socket error or timeout); every granian worker under 250 MB RSS
after the load run.

    .venv/bin/python bench/load_bench.py --sqlite /tmp/pages-run/pages-100k-seed1.sqlite3      # full: 60 s, 32 + 128
    .venv/bin/python bench/load_bench.py --seed-size 2k --duration 5 --wait-max 0 --no-write    # a smoke run

--blocking-threads N and --backpressure N try other granian settings than run.sh's (8 and 16).

wrk is Debian's (`apt-get install -y wrk`, done by the script when missing). Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote

from _common import (  # bench/ is on sys.path: this file's directory
    RESULTS_DIR,
    ROOT,
    install_loopback_guard,
    machine_busy_seconds,
    machine_info,
    tree_cpu_seconds,
)
from pages_bench import BIG_SLUG, COMMENTS_ON_PAGE, FOLLOWING, git_head, other_benchmarks, parse_size

PACKAGES = ["django", "granian", "huey", "whitenoise"]
VENV = ROOT / ".venv" / "bin"
TARGETS = {"requests_per_s_at_32": 400, "errors_at_128": 0, "worker_rss_mb_max": 250}
MIX: dict[str, tuple[int, str]] = {  # key: (weight, what the table calls it)
    "timeline_200": (15, "home timeline, following ~200"),
    "timeline_2000": (10, "home timeline, following ~2,000"),
    "stream": (20, "course stream page 1"),
    "person": (10, "person page"),
    "tag": (10, "tag page"),
    "artifact": (12, "artifact page, 1-10 comments"),
    "artifact_200": (3, "artifact page, ~200 comments"),
    "course": (10, "course page"),
    "stream_anonymous": (10, "course stream page 1, anonymous"),
}
# --mix floor: what the server itself costs, for comparison with the page mix: one small signed-in page (the session,
# the user, the nav and the base template; no list) for the same readers, and the same page anonymous.
FLOOR_MIX: dict[str, tuple[int, str]] = {
    "floor": (90, "a signed-in page with only the base template"),
    "floor_anonymous": (10, "the same page, anonymous"),
}
FLOOR_PATH = "/accounts/password/reset/sent/"
SCHEDULE_ROUNDS = 8  # the request list wrk cycles through: 8 x 100 requests
SAFE_LUA = re.compile(r"[A-Za-z0-9/_.%~=+:-]*")  # paths (percent-encoded) and cookies: nothing to escape in Lua
LOG_PATTERNS = {
    "database_is_locked": re.compile(r"database is locked", re.IGNORECASE),
    "internal_server_error": re.compile(r"Internal Server Error"),
    "traceback": re.compile(r"Traceback \(most recent call last\)"),
    "worker_died": re.compile(r"(?i)respawn|worker.*(died|exited|killed)"),
}


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------------------------
# Setup and clean-up inside Django (a child interpreter with the server's environment): subjects and sessions.


def _closest_follower(target: int, exclude: set[int]) -> dict[str, Any]:
    """pages_bench's follower without the top-up: the person following closest to `target`; when nobody is within
    10%, the one following most (whom pages_bench would have topped up)."""
    from django.db.models import Count

    from accounts.models import User
    from network.models import Follow

    rows = Follow.objects.values("follower_id").annotate(n=Count("id")).order_by().values_list("follower_id", "n")
    counts = [(pk, n) for pk, n in rows if pk not in exclude]
    pk, n = min(counts, key=lambda row: (abs(row[1] - target), row[0]))
    out: dict[str, Any] = {}
    if abs(n - target) > target * 0.1:
        pk, n = max(counts, key=lambda row: (row[1], -row[0]))
        out["note"] = f"nobody follows ~{target:,}; the one following most follows {n:,} (not topped up)"
    out.update(username=User.objects.get(pk=pk).username, following=n)
    return out


def choose_subjects(args: argparse.Namespace) -> dict[str, Any]:
    """The people and pages of the mix, chosen as bench/pages_bench.py does (see the module docstring)."""
    from django.db.models import Count, Q
    from django.utils import timezone
    from pages_bench import _add_comments, _blocked_or_muted, _follower

    from accounts.models import User
    from courses.models import Course, Enrollment
    from posts.models import Artifact, Tag, Visibility

    rng = random.Random(args.seed)
    notes: list[str] = []
    course = Course.objects.get(slug=BIG_SLUG)
    participants = list(
        Enrollment.objects.filter(course=course, role="participant")
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    members = list(Enrollment.objects.filter(course=course).order_by("user_id").values_list("user_id", flat=True))
    apart = _blocked_or_muted()
    reader_ids = [pk for pk in participants if pk not in apart][: args.readers]
    names = dict(User.objects.filter(pk__in=reader_ids).values_list("pk", "username"))
    out: dict[str, Any] = {
        "course": BIG_SLUG,
        "course_participants": len(participants),
        "readers": [names[pk] for pk in reader_ids],
        "topped_up": args.top_up,
        "notes": notes,
    }
    followers: dict[str, Any] = {}
    taken = {reader_ids[0]}
    for key, target in FOLLOWING.items():
        if args.top_up:
            found = _follower(target, taken, rng, timezone.now())
            if found.get("topped_up"):
                notes.append(f"{key}: {found['username']} topped up with {found['added_follows']:,} follows")
        else:
            found = _closest_follower(target, taken)
            if "note" in found:
                notes.append(f"{key}: {found['note']}; {found['username']} used")
        taken.add(User.objects.get(username=found["username"]).pk)
        followers[key] = found
    out["followers"] = followers

    author = (
        Artifact.objects.published()
        .exclude(author_id__in=apart | {reader_ids[0]})
        .values("author_id")
        .annotate(n=Count("id"))
        .order_by("-n", "author_id")
        .first()
    )
    assert author is not None
    out["author"] = {"username": User.objects.get(pk=author["author_id"]).username, "artifacts": author["n"]}
    tag = Tag.objects.annotate(n=Count("artifacts")).order_by("-n", "pk").first()
    assert tag is not None
    out["tag"] = {"name": tag.name, "artifacts": tag.n}  # type: ignore[attr-defined]

    public = Artifact.objects.filter(course=course, visibility=Visibility.PUBLIC).exclude(author_id__in=apart)
    commented = (
        public.annotate(n=Count("comments", filter=Q(comments__removed_at__isnull=True))).order_by("-n", "pk").first()
    )
    assert commented is not None
    comments = commented.n  # type: ignore[attr-defined]
    if args.top_up:
        added = _add_comments(commented, COMMENTS_ON_PAGE, members, rng)
        comments += added
        if added:
            notes.append(f"artifact_200: /a/{commented.pk}/ topped up with {added} comments")
    elif comments < COMMENTS_ON_PAGE * 0.9:
        notes.append(f"artifact_200: the most commented artifact has {comments} comments (not topped up)")
    out["artifact_200"] = {"pk": commented.pk, "comments": comments}
    others = public.exclude(pk=commented.pk).annotate(n=Count("comments")).order_by("pk")
    ordinary = list(others.filter(n__gte=1, n__lte=10).values_list("pk", "n")[: args.artifacts])
    if not ordinary:
        ordinary = list(others.values_list("pk", "n")[: args.artifacts])
        notes.append("artifact: no public artifact with 1-10 comments; the first public ones used")
    if not ordinary:
        raise RuntimeError(f"{BIG_SLUG} has no public artifact besides /a/{commented.pk}/")
    out["artifacts"] = [{"pk": pk, "comments": n} for pk, n in ordinary]
    return out


def feeds_off_loopback() -> int:
    """Feeds the worker's periodic harvest would fetch from beyond 127.0.0.1."""
    from urllib.parse import urlsplit

    from syndication.models import Feed

    hosts = [urlsplit(url).hostname or "" for url in Feed.objects.values_list("url", flat=True)]
    return sum(1 for host in hosts if host not in {"127.0.0.1", "localhost", "::1"})


def make_sessions(usernames: list[str]) -> dict[str, str]:
    """A signed-in session per person, straight into the session store; username -> session key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys: dict[str, str] = {}
    for user in User.objects.filter(username__in=usernames):
        store = store_class()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        assert store.session_key is not None
        keys[user.username] = store.session_key
    return keys


def run_setup(args: argparse.Namespace) -> int:
    """The child interpreter: subjects and sessions (--setup), or delete the sessions (--drop-sessions)."""
    sys.path.insert(0, str(ROOT))
    blocked = install_loopback_guard()
    result: dict[str, Any] = {}
    try:
        import django

        django.setup()
        from django.conf import settings

        if args.drop_sessions:
            from importlib import import_module

            store_class = import_module(settings.SESSION_ENGINE).SessionStore
            keys = json.loads(Path(args.drop_sessions).read_text())
            for key in keys:
                store_class(session_key=key).delete()
            result["deleted"] = len(keys)
        else:
            subjects = choose_subjects(args)
            people = {*subjects["readers"], *(found["username"] for found in subjects["followers"].values())}
            result["subjects"] = subjects
            result["sessions"] = make_sessions(sorted(people))
            result["cookie_name"] = settings.SESSION_COOKIE_NAME
            result["feeds_off_loopback"] = feeds_off_loopback()
        result["status"] = "ok"
    except Exception as error:
        result.update(status="error", reason=f"{type(error).__name__}: {error}", traceback=traceback.format_exc())
        say(result["traceback"])
    result["blocked_non_loopback"] = dict(blocked)
    Path(args.result).write_text(json.dumps(result, indent=2, default=str))
    return 0 if result["status"] == "ok" else 1


# ---------------------------------------------------------------------------------------------------------------
# The orchestrator: server, wrk, readings.


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: apt-get install -y wrk ...")
    try:
        completed = subprocess.run(
            ["apt-get", "install", "-y", "wrk"],  # noqa: S607 (Debian's package manager from PATH)
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    except OSError as error:
        raise SystemExit(f"could not install wrk ({error}); install it (apt-get install -y wrk) and rerun") from error
    found = shutil.which("wrk")
    if completed.returncode != 0 or not found:
        tail = " / ".join((completed.stdout + completed.stderr).strip().splitlines()[-3:])
        raise SystemExit(f"could not install wrk: apt-get exited {completed.returncode}: {tail}")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    """The environment of `make run` with its defaults, pointed at the database under test and a temporary var/."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "COMMONPLACE_"))}
    for key in ("DEBUG", "HUEY_IMMEDIATE", "REDIS_URL", "DATABASE_URL", "HUEY_SQLITE_PATH", "ALLOWED_HOSTS"):
        env.pop(key, None)
    env.update(
        DATABASE_URL=database_url,
        COMMONPLACE_VAR_DIR=str(var_dir),
        HUEY_SQLITE_PATH=str(var_dir / "huey.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *command: str, timeout: float = 3600) -> str:
    """`commonplace <command>` in the server's environment; its output, or an error with its tail."""
    completed = subprocess.run(  # noqa: S603 (our own command)
        [str(VENV / "commonplace"), *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=timeout,
    )
    output = (completed.stdout + completed.stderr).strip()
    if completed.returncode != 0:
        raise RuntimeError(
            f"commonplace {command[0]} exited {completed.returncode}: {' / '.join(output.splitlines()[-5:])}"
        )
    return output


def setup_child(env: dict[str, str], tmp: Path, *options: str) -> dict[str, Any]:
    result_path = tmp / f"setup-{time.monotonic_ns()}.json"
    command = [sys.executable, str(Path(__file__).resolve()), "--result", str(result_path), *options]
    subprocess.run(command, check=False, cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"})  # noqa: S603
    if not result_path.exists():
        raise RuntimeError("the setup step wrote no result")
    result = dict(json.loads(result_path.read_text()))
    if result.get("status") != "ok":
        raise RuntimeError(f"setup failed: {result.get('reason')}")
    return result


class Processes:
    """granian and the Huey worker, each in its own process group, stopped together (TERM, then KILL after 10 s)."""

    def __init__(self) -> None:
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.logs: dict[str, Path] = {}

    def start(self, name: str, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        self.logs[name] = log
        with log.open("ab") as out:
            process = subprocess.Popen(  # noqa: S603 (our own commands)
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.running[name] = process
        return process

    def alive(self) -> list[str]:
        return [name for name, process in self.running.items() if process.poll() is None]

    def stop(self) -> None:
        """TERM to each process group; after 10 s, KILL to whichever of those processes (and their children, as
        they were before the TERM) still run."""
        started = {process.pid: [process.pid, *descendants(process.pid)] for process in self.running.values()}
        for process in self.running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.running.values():
            for pid in started[process.pid]:
                if pid == process.pid and process.poll() is not None:
                    continue  # exited and reaped: the id is no longer ours
                if pid != process.pid and _group(pid) != process.pid:
                    continue  # gone, or the id now belongs to another process
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.running.clear()


def _group(pid: int) -> int | None:
    """The process group of a live process, None when it is gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    stack = _children(pid)
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(_children(child))
    return found


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(child) for child in (task / "children").read_text().split())
    except OSError:
        pass
    return found


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def memory(granian: int, huey: int) -> dict[str, Any]:
    """RSS now: granian's main process, each of its workers (children), the Huey worker (with its children)."""
    workers = {str(pid): rss_mb(pid) for pid in _children(granian)}
    return {
        "granian_main_mb": rss_mb(granian),
        "granian_workers_mb": workers,
        "huey_mb": round(sum(rss_mb(pid) or 0 for pid in [huey, *_children(huey)]), 1),
    }


class PeakSampler(threading.Thread):
    """Each second: the largest RSS of any granian worker and of the main process."""

    def __init__(self, granian: int) -> None:
        super().__init__(daemon=True)
        self.granian = granian
        self.worker_peak_mb = 0.0
        self.main_peak_mb = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.main_peak_mb = max(self.main_peak_mb, rss_mb(self.granian) or 0)
            for pid in _children(self.granian):
                self.worker_peak_mb = max(self.worker_peak_mb, rss_mb(pid) or 0)
            self.stopped.wait(1.0)

    def stop(self) -> dict[str, float]:
        self.stopped.set()
        self.join()
        return {"worker_peak_mb": self.worker_peak_mb, "main_peak_mb": self.main_peak_mb}


def get(port: int, path: str, cookie: str = "", timeout: float = 120) -> tuple[int, int, float]:
    """One GET on 127.0.0.1 (http.client: no proxy settings apply); status, bytes, milliseconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        body = response.read()
        return response.status, len(body), round((time.perf_counter() - started) * 1000, 1)
    finally:
        connection.close()


def wait_ready(port: int, processes: Processes, limit: float = 120) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if "granian" not in processes.alive():
            raise RuntimeError("granian stopped during start-up (see its log above)")
        try:
            status, _size, _ms = get(port, "/courses/", timeout=30)
            if status < 500:
                return round(time.monotonic() - started, 1)
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server did not answer on 127.0.0.1:{port} within {limit:.0f} s")


def requests_of(setup: dict[str, Any], mix: str = "pages") -> dict[str, list[tuple[str, str]]]:
    """Each page of the mix: its (path, cookie) variants, cycled when the schedule is built."""
    subjects = setup["subjects"]
    cookie_name = setup["cookie_name"]

    def cookie(username: str) -> str:
        return f"{cookie_name}={setup['sessions'][username]}"

    readers = [cookie(name) for name in subjects["readers"]]
    if mix == "floor":
        return {"floor": [(FLOOR_PATH, reader) for reader in readers], "floor_anonymous": [(FLOOR_PATH, "")]}
    stream = f"/courses/{BIG_SLUG}/stream/"
    artifacts = [f"/a/{found['pk']}/" for found in subjects["artifacts"]]
    variants: dict[str, list[tuple[str, str]]] = {
        "timeline_200": [("/home/", cookie(subjects["followers"]["timeline_200"]["username"]))],
        "timeline_2000": [("/home/", cookie(subjects["followers"]["timeline_2000"]["username"]))],
        "stream": [(stream, reader) for reader in readers],
        "person": [(f"/people/{quote(subjects['author']['username'], safe='')}/", reader) for reader in readers],
        "tag": [(f"/tags/{quote(subjects['tag']['name'], safe='')}/", reader) for reader in readers],
        # Every (artifact, reader) pair, consecutive ones differing in both.
        "artifact": [
            (artifacts[i], readers[(i + j) % len(readers)]) for j in range(len(readers)) for i in range(len(artifacts))
        ],
        "artifact_200": [(f"/a/{subjects['artifact_200']['pk']}/", reader) for reader in readers],
        "course": [(f"/courses/{BIG_SLUG}/", reader) for reader in readers],
        "stream_anonymous": [(stream, "")],
    }
    return variants


def mix_of(name: str) -> dict[str, tuple[int, str]]:
    return FLOOR_MIX if name == "floor" else MIX


def schedule(variants: dict[str, list[tuple[str, str]]], seed: int, mix: str = "pages") -> list[tuple[str, str, str]]:
    """SCHEDULE_ROUNDS x 100 requests in the mix's proportions, each page's variants in turn, shuffled."""
    position = dict.fromkeys(variants, 0)
    out: list[tuple[str, str, str]] = []
    for _ in range(SCHEDULE_ROUNDS):
        for key, (weight, _label) in mix_of(mix).items():
            for _ in range(weight):
                path, cookie = variants[key][position[key] % len(variants[key])]
                position[key] += 1
                out.append((key, path, cookie))
    random.Random(seed).shuffle(out)
    return out


LUA = """-- Written by bench/load_bench.py: cycle through (path, cookie) requests; count statuses per class.
local entries = {
%(entries)s
}
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  reqs = {}
  for i, entry in ipairs(entries) do
    local headers = {}
    if entry[2] ~= "" then headers["Cookie"] = entry[2] end
    reqs[i] = wrk.format("GET", entry[1], headers)
  end
  counter = (tid * 397) %% #reqs
  c2, c3, c4, c5 = 0, 0, 0, 0
end

function request()
  counter = counter %% #reqs + 1
  return reqs[counter]
end

function response(status, headers, body)
  if status >= 500 then c5 = c5 + 1
  elseif status >= 400 then c4 = c4 + 1
  elseif status >= 300 then c3 = c3 + 1
  else c2 = c2 + 1 end
end

function done(summary, latency, requests)
  local s2, s3, s4, s5 = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    s2 = s2 + (thread:get("c2") or 0)
    s3 = s3 + (thread:get("c3") or 0)
    s4 = s4 + (thread:get("c4") or 0)
    s5 = s5 + (thread:get("c5") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'LOADBENCH {"duration_us": %%.0f, "requests": %%.0f, "bytes": %%.0f, "connect": %%.0f, "read": %%.0f, ' ..
    '"write": %%.0f, "status": %%.0f, "timeout": %%.0f, "p50_us": %%.0f, "p75_us": %%.0f, "p90_us": %%.0f, ' ..
    '"p99_us": %%.0f, "max_us": %%.0f, "mean_us": %%.1f, "stdev_us": %%.1f, "s2xx": %%.0f, "s3xx": %%.0f, ' ..
    '"s4xx": %%.0f, "s5xx": %%.0f}\\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, latency.stdev, s2, s3, s4, s5))
end
"""


def write_lua(path: Path, requests: list[tuple[str, str, str]]) -> None:
    lines = []
    for _key, url, cookie in requests:
        if not (SAFE_LUA.fullmatch(url) and SAFE_LUA.fullmatch(cookie)):
            raise ValueError(f"unexpected characters in {url!r} or its cookie")
        lines.append(f'  {{"{url}", "{cookie}"}},')
    path.write_text(LUA % {"entries": "\n".join(lines)})


def parse_wrk(output: str) -> dict[str, Any]:
    """The Lua done() line, and wrk's own summary lines as a cross-check."""
    match = re.search(r"^LOADBENCH (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError("wrk printed no result line:\n" + output[-2000:])
    raw = json.loads(match[1])
    seconds = raw["duration_us"] / 1e6
    out: dict[str, Any] = {
        "requests": int(raw["requests"]),
        "duration_s": round(seconds, 2),
        "requests_per_s": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "mb_per_s": round(raw["bytes"] / 2**20 / seconds, 2) if seconds else 0.0,
        "latency_ms": {
            name: round(raw[f"{name}_us"] / 1000, 1) for name in ("p50", "p75", "p90", "p99", "max", "mean", "stdev")
        },
        "status_classes": {name: int(raw[f"s{name}"]) for name in ("2xx", "3xx", "4xx", "5xx")},
        "non_2xx_3xx": int(raw["status"]),
        "socket_errors": {name: int(raw[name]) for name in ("connect", "read", "write")},
        "timeouts": int(raw["timeout"]),
    }
    text: dict[str, Any] = {}
    if found := re.search(r"Requests/sec:\s+([\d.]+)", output):
        text["requests_per_s"] = float(found[1])
    if found := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        text["non_2xx_3xx"] = int(found[1])
    if found := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        text["socket_errors"] = [int(value) for value in found.groups()]
    out["wrk_text"] = text
    return out


def scan_logs(processes: Processes, offsets: dict[str, int]) -> dict[str, Any]:
    """What the server and the worker logged since `offsets` (updated): counts of the patterns, a few lines."""
    counts = dict.fromkeys(LOG_PATTERNS, 0)
    lines: list[str] = []
    for name, path in processes.logs.items():
        with path.open("rb") as log:
            log.seek(offsets.get(name, 0))
            text = log.read().decode(errors="replace")
            offsets[name] = log.tell()
        for line in text.splitlines():
            hit = False
            for key, pattern in LOG_PATTERNS.items():
                if pattern.search(line):
                    counts[key] += 1
                    hit = True
            if hit and len(lines) < 20:
                lines.append(f"{name}: {line[:300]}")
    return {**counts, "lines": lines}


def wait_alone(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    announced = False
    while (running := other_benchmarks()) and time.monotonic() - started < args.wait_max:
        if not announced:
            say(f"  waiting for other work to finish: {running[0]}")
            announced = True
        time.sleep(10)
    if running:
        say(f"  !!! measuring while other work runs: {running[0]}")
    return {"waited_s": round(time.monotonic() - started), "other_benchmarks_running": running}


def run_wrk(
    args: argparse.Namespace, wrk: str, lua: Path, port: int, connections: int, seconds: float
) -> tuple[dict[str, Any], str]:
    command = [
        wrk,
        f"-t{min(args.threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(args.timeout))}s",
        "--latency",
        "-s",
        str(lua),
        f"http://127.0.0.1:{port}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 120)  # noqa: S603
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise RuntimeError(f"wrk exited {completed.returncode}: {output[-2000:]}")
    return parse_wrk(output), " ".join(command)


def measure(
    args: argparse.Namespace,
    wrk: str,
    lua: Path,
    port: int,
    connections: int,
    processes: Processes,
    offsets: dict[str, int],
) -> dict[str, Any]:
    granian = processes.running["granian"].pid
    huey = processes.running["huey"].pid
    before = wait_alone(args)
    scan_logs(processes, offsets)  # skip what came before (warm-up, waiting)
    sampler = PeakSampler(granian)
    sampler.start()
    busy = machine_busy_seconds()
    server_cpu = tree_cpu_seconds(granian) + tree_cpu_seconds(huey)
    own_cpu = tree_cpu_seconds(os.getpid()) - server_cpu  # this script and wrk (waited-for children)
    started = time.perf_counter()
    try:
        result, command = run_wrk(args, wrk, lua, port, connections, args.duration)
    finally:
        peaks = sampler.stop()
    wall = time.perf_counter() - started
    server = tree_cpu_seconds(granian) + tree_cpu_seconds(huey) - server_cpu
    own = tree_cpu_seconds(os.getpid()) - (tree_cpu_seconds(granian) + tree_cpu_seconds(huey)) - own_cpu
    others = max(0.0, machine_busy_seconds() - busy - server - own)
    at_end = other_benchmarks()
    result.update(
        connections=connections,
        command=command,
        logs=scan_logs(processes, offsets),
        memory_after={**memory(granian, huey), **peaks},
        cores={
            "server": round(server / wall, 2),
            "wrk_and_bench": round(own / wall, 2),
            "others": round(others / wall, 2),
        },
        before=before,
        other_benchmarks_at_end=at_end,
        alive_after=processes.alive(),
    )
    result["busy"] = bool(before["other_benchmarks_running"] or at_end) or result["cores"]["others"] > 0.3
    logs = result["logs"]
    # Errors: every response not 2xx/3xx (5xx among them), socket errors and timeouts; "database is locked" in the
    # logs is counted apart (it usually is one of the 5xx as well) and must be zero too.
    result["errors"] = result["non_2xx_3xx"] + sum(result["socket_errors"].values()) + result["timeouts"]
    workers = [mb for mb in result["memory_after"]["granian_workers_mb"].values() if mb is not None]
    result["worker_rss_max_mb"] = max(workers) if workers else None
    say(
        f"  {connections} connections: {result['requests_per_s']} requests/s, p50 {result['latency_ms']['p50']} ms, "
        f"p99 {result['latency_ms']['p99']} ms, {result['requests']:,} requests, errors {result['errors']} "
        f"(5xx {result['status_classes']['5xx']}, locked {logs['database_is_locked']}, "
        f"socket {sum(result['socket_errors'].values())}, timeouts {result['timeouts']}), "
        f"workers {sorted(workers)} MB" + (" (busy machine)" if result["busy"] else "")
    )
    return result


def table(results: dict[str, Any]) -> str:
    lines = [
        "| connections | requests/s | p50 ms | p99 ms | requests | non-2xx/3xx | 5xx | db locked | socket err | "
        "timeouts | worker RSS MB (after / peak) | main RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        memory_after = run["memory_after"]
        workers = ", ".join(f"{mb:g}" for mb in memory_after["granian_workers_mb"].values() if mb is not None)
        lines.append(
            f"| {run['connections']} | {run['requests_per_s']:g} | {run['latency_ms']['p50']:g} | "
            f"{run['latency_ms']['p99']:g} | {run['requests']:,} | {run['non_2xx_3xx']} | "
            f"{run['status_classes']['5xx']} | {run['logs']['database_is_locked']} | "
            f"{sum(run['socket_errors'].values())} | {run['timeouts']} | {workers} / "
            f"{memory_after['worker_peak_mb']:g} | {memory_after['granian_main_mb']} |"
        )
    lines.append("")
    if results["targets_met"] is None:
        lines.append("The floor mix: the issue's targets are for the page mix (--mix pages).")
    for name, target in (results["targets_met"] or {}).items():
        lines.append(
            f"{name}: {'met' if target['met'] else 'MISSED' if target['met'] is False else 'not run'}"
            f" ({target['value']} vs {target['target']})"
        )
    return "\n".join(lines)


def targets(runs: list[dict[str, Any]]) -> dict[str, Any]:
    by = {run["connections"]: run for run in runs}
    at32, at128 = by.get(32), by.get(128)
    workers = [run["worker_rss_max_mb"] for run in runs if run["worker_rss_max_mb"] is not None]
    return {
        "requests_per_s_at_32": {
            "target": f">= {TARGETS['requests_per_s_at_32']}",
            "value": at32["requests_per_s"] if at32 else None,
            "met": at32["requests_per_s"] >= TARGETS["requests_per_s_at_32"] if at32 else None,
        },
        "errors_at_128": {
            "target": f"== {TARGETS['errors_at_128']}",
            "value": at128["errors"] + at128["logs"]["database_is_locked"] if at128 else None,
            "met": at128["errors"] == at128["logs"]["database_is_locked"] == TARGETS["errors_at_128"]
            if at128
            else None,
        },
        "worker_rss_after_load": {
            "target": f"< {TARGETS['worker_rss_mb_max']} MB",
            "value": max(workers) if workers else None,
            "met": max(workers) < TARGETS["worker_rss_mb_max"] if workers else None,
        },
    }


def _interrupted(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run(args: argparse.Namespace) -> int:
    install_loopback_guard()
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGHUP, _interrupted)
    wrk = ensure_wrk()
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    machine = machine_info(PACKAGES)
    machine["wrk"] = ((wrk_version.stdout + wrk_version.stderr).strip().splitlines() or [""])[0]
    connections = [int(text) for text in args.connections.split(",") if text.strip()]
    results: dict[str, Any] = {
        "benchmark": "load",
        "issue": 6,
        "machine": {**machine, "shared": "wrk runs on the same machine as the server; see each run's cores"},
        "code": {"git_head": git_head()},
        "args": {key: value for key, value in vars(args).items() if key not in {"result", "setup", "drop_sessions"}},
        "targets": TARGETS,
        "mix": {key: {"weight": weight, "page": label} for key, (weight, label) in mix_of(args.mix).items()},
        "runs": [],
    }
    processes = Processes()
    session_file: Path | None = None
    status = 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env: dict[str, str] = {}
    try:
        var_dir = tmp / "var"
        var_dir.mkdir()
        if args.seed_size:
            name, users, artifacts = parse_size(args.seed_size)
            database = tmp / "load.sqlite3"
            env = server_env(f"sqlite:///{database}", var_dir)
            say(f"A fresh database: seed-scale {name} ({users:,} people, {artifacts:,} artifacts)...")
            manage(env, "migrate", "--noinput")
            started = time.perf_counter()
            seed_command = ["seed-scale", "--users", str(users), "--artifacts", str(artifacts), "--courses", "50",
                            "--seed", str(args.seed)]  # fmt: skip
            manage(env, *seed_command)
            results["database"] = {
                "seeded": name,
                "users": users,
                "artifacts": artifacts,
                "seed_s": round(time.perf_counter() - started, 1),
            }
            args.top_up = True
        else:
            database = Path(args.sqlite).resolve()
            if not database.is_file():
                raise SystemExit(f"--sqlite {database}: no such file")
            env = server_env(f"sqlite:///{database}", var_dir)
            results["database"] = {"sqlite": str(database)}
        migrated = manage(env, "migrate", "--noinput")
        results["database"]["migrate"] = migrated.splitlines()[-3:]
        results["database"]["mb"] = round(database.stat().st_size / 2**20)
        say(f"Database {database} ({results['database']['mb']:,} MB); collectstatic...")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        say("Choosing the subjects and signing them in...")
        options = ["--setup", "--seed", str(args.seed), "--readers", str(args.readers), "--artifacts",
                   str(args.artifacts), *(["--top-up"] if args.top_up else [])]  # fmt: skip
        setup = setup_child(env, tmp, *options)
        session_file = tmp / "sessions.json"
        session_file.write_text(json.dumps(list(setup["sessions"].values())))
        results["subjects"] = setup["subjects"]
        for note in setup["subjects"]["notes"]:
            say(f"  note: {note}")
        variants = requests_of(setup, args.mix)
        requests = schedule(variants, args.seed, args.mix)
        lua = tmp / "mix.lua"
        write_lua(lua, requests)
        results["schedule"] = {
            "requests": len(requests),
            "people_signed_in": len(setup["sessions"]),
            "variants": {key: len(found) for key, found in variants.items()},
        }

        huey_command = [str(VENV / "commonplace"), "run_huey", "--quiet"]
        if setup["feeds_off_loopback"] and not args.no_periodic:
            say(f"  {setup['feeds_off_loopback']} feeds point beyond loopback: the worker runs with --no-periodic")
            args.no_periodic = True
        if args.no_periodic:
            huey_command.append("--no-periodic")
        port = free_port()
        granian_command = [
            str(VENV / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(args.workers), "--blocking-threads", str(args.blocking_threads),
            "--backpressure", str(args.backpressure), "--no-ws",
            "--respawn-failed-workers", "--log-level", "warning", "config.wsgi:application",
        ]  # fmt: skip
        results["server"] = {"granian": " ".join(granian_command[1:]), "huey": " ".join(huey_command[1:])}
        processes.start("huey", huey_command, env, tmp / "huey.log")
        processes.start("granian", granian_command, env, tmp / "granian.log")
        say(f"Serving on 127.0.0.1:{port}: waiting for an answer...")
        results["server"]["ready_s"] = wait_ready(port, processes)
        granian = processes.running["granian"].pid
        results["server"]["memory_at_start"] = memory(granian, processes.running["huey"].pid)

        checks: dict[str, Any] = {}
        for key, found in variants.items():
            url, cookie = found[0]
            code, size, ms = get(port, url, cookie)
            checks[key] = {"path": url, "signed_in": bool(cookie), "status": code, "bytes": size, "ms": ms}
            say(f"  {mix_of(args.mix)[key][1]}: {url} -> {code}, {size:,} bytes, {ms:g} ms (first request)")
        results["first_requests"] = checks
        wrong = {key: check["status"] for key, check in checks.items() if check["status"] != 200}
        if wrong:
            raise RuntimeError(f"pages not answering 200 before the load: {wrong}")

        offsets: dict[str, int] = {}
        if args.warmup > 0:
            say(f"Warm-up: {args.warmup:g} s at {connections[0]} connections...")
            warm, _command = run_wrk(args, wrk, lua, port, connections[0], args.warmup)
            results["warmup"] = {key: warm[key] for key in ("requests", "requests_per_s", "non_2xx_3xx", "timeouts")}
            results["warmup"]["logs"] = scan_logs(processes, offsets)
        for count in connections:
            say(f"Load: {count} connections for {args.duration:g} s...")
            results["runs"].append(measure(args, wrk, lua, port, count, processes, offsets))
        results["memory_at_end"] = memory(granian, processes.running["huey"].pid)
        status = 0
    except KeyboardInterrupt:
        say("Interrupted: stopping the server.")
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
        if session_file is not None and not args.seed_size:
            try:
                setup_child(env, tmp, "--drop-sessions", str(session_file))
            except Exception as error:
                say(f"  could not delete the benchmark's sessions: {error}")
        shutil.rmtree(tmp, ignore_errors=True)

    if not results["runs"]:
        return status or 1
    if args.mix == "pages":
        results["targets_met"] = targets(results["runs"])
    else:  # the targets are the page mix's: a floor run only says what the server itself costs
        results["targets_met"] = None
    say(table(results))
    if not args.no_write:
        path = Path(args.output or RESULTS_DIR / ("load-floor.json" if args.mix == "floor" else "load.json"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        say(f"wrote {path}")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--sqlite", metavar="PATH", help="an existing seeded SQLite file (e.g. from pages_bench)")
    where.add_argument("--seed-size", metavar="SIZE", help="a fresh temporary file of this size: 2k, 10k, 100k...")
    parser.add_argument(
        "--mix",
        choices=["pages", "floor"],
        default="pages",
        help="pages: issue 6's page mix; floor: one small page with only the base template (the server's own cost)",
    )
    parser.add_argument("--connections", default="32,128", help="comma-separated, one wrk run each")
    parser.add_argument("--duration", type=float, default=60, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of warm-up before the runs (0: none)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=float, default=30, help="wrk's per-request timeout, seconds")
    parser.add_argument("--workers", type=int, default=2, help="granian workers (run.sh's WEB_WORKERS)")
    parser.add_argument("--blocking-threads", type=int, default=8, help="granian's threads per worker (run.sh's)")
    parser.add_argument("--backpressure", type=int, default=16, help="granian's backpressure (run.sh's)")
    parser.add_argument("--readers", type=int, default=16, help="signed-in readers the pages rotate through")
    parser.add_argument("--artifacts", type=int, default=20, help="ordinary artifact pages in the mix")
    parser.add_argument("--seed", type=int, default=1, help="seed-scale's seed, the top-ups' and the shuffle's")
    parser.add_argument("--top-up", action="store_true", help="top up follows and comments like pages_bench does")
    parser.add_argument("--no-periodic", action="store_true", help="run the worker without periodic tasks")
    parser.add_argument("--wait-max", type=float, default=600, help="seconds to wait for other benchmarks, per run")
    parser.add_argument("--output", help="default: bench/results/load.json (load-floor.json with --mix floor)")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--drop-sessions", metavar="JSON", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.setup or args.drop_sessions:
        return run_setup(args)
    if not (args.sqlite or args.seed_size):
        parser.error("give --sqlite PATH or --seed-size SIZE")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
