"""Scaling out: two Huey workers on one PostgreSQL and one Redis run a batch of harvest and rollup jobs once each.

The workers are real `commonplace run_huey` processes, shaped as the README's "Running on several machines"
describes: the first keeps the periodic scheduler, the second is started with `--no-periodic`. They read the
test database (committed rows: a transactional test) and a Redis database of their own; this process enqueues
through Django's Tasks API into the same Redis queue, then reads the results the workers record.
"""

import datetime as dt
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection
from django.db.models import Count, Model
from django.forms.models import model_to_dict
from django.tasks import TaskResult, TaskResultStatus, default_task_backend
from django.utils import timezone

from accounts.tests.factories import UserFactory
from config.tests.test_infrastructure import redis_url
from courses.models import Course, MemberRole
from courses.tests.factories import CourseFactory, EnrollmentFactory, WeekFactory
from insights.models import CourseDay, CourseEdgeDay, CourseWeek, MemberActivity, NetworkDay, PersonDay
from insights.services import fill_day
from insights.tasks import fill_days
from network.models import Follow, Share
from posts.models import Artifact, Comment, Origin, Tone
from posts.tests.factories import ArtifactFactory, CommentFactory
from syndication.models import DEFAULT_INTERVAL, MIN_INTERVAL, Entry, Feed
from syndication.tasks import harvest_one
from syndication.tests.blogserver import BlogServer, item, rss

ROOT = Path(__file__).resolve().parents[2]
FEEDS = 20
ITEMS = 5  # posts in each feed
ROLLUP_DAYS = 6
DEADLINE = 45.0  # seconds to wait for start-up, and again for the batch (each takes a few on an idle machine)
DAY_TABLES: list[type[Model]] = [PersonDay, NetworkDay, CourseDay, CourseEdgeDay]
EXECUTING = re.compile(r"Executing \S+: ([0-9a-f-]{36})")

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def executed(self) -> Counter[str]:
        """Task ids this worker executed, each counted once per execution.

        Django's LOGGING sends the huey logger's records to the root handler as well as huey's own, so each
        "Executing" record appears twice in the output; huey's own format ("INFO:huey:") is counted."""
        return Counter(
            match.group(1)
            for line in self.output().splitlines()
            if "INFO:huey:" in line and (match := EXECUTING.search(line))
        )


def _needs_postgres_and_redis() -> str:
    if connection.vendor != "postgresql":
        pytest.skip(
            "The scale-out shape needs PostgreSQL: several machines cannot share one SQLite file, so the SQLite "
            f"run has no such shape to test (this run is on {connection.vendor}; set DATABASE_URL=postgres://…)."
        )
    url = redis_url()
    if url is None:
        pytest.skip("Redis is not running here and CI is unset")
    return url


def _test_database_url() -> str:
    """The database pytest-django created for this run, as a DATABASE_URL the worker processes can read."""
    params = connection.settings_dict
    auth = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        auth += ":" + quote(params["PASSWORD"], safe="")
    host = params["HOST"] or "127.0.0.1"
    port = params["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{quote(params['NAME'], safe='')}"


@pytest.fixture
def redis_queue_url() -> Iterator[str]:
    """A Redis database (1 to 14) that was empty, claimed for this test and flushed afterwards.

    The settings name the Huey queue "commonplace" whatever the environment says, so a run of its own needs a
    database of its own; the claim key (SET NX) keeps two runs at the same time from sharing one."""
    import redis

    base = urlsplit(_needs_postgres_and_redis())
    token = uuid.uuid4().hex
    for number in random.sample(range(1, 15), 14):
        url = urlunsplit(base._replace(path=f"/{number}"))
        client = redis.Redis.from_url(url)
        try:
            claimed = client.dbsize() == 0 and client.set("commonplace-scale-out-test", token, nx=True, ex=600)
        except redis.ResponseError:  # a server configured with fewer databases
            client.close()
            continue
        if claimed:
            try:
                yield url
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    pytest.fail("No empty Redis database from 1 to 14 to run the workers on")


@pytest.fixture
def enqueue_to(redis_queue_url: str) -> Iterator[None]:
    """Enqueue into the workers' queue: the test settings run tasks in-process (HUEY_IMMEDIATE)."""
    from huey import RedisHuey
    from huey.contrib.djhuey import tasks_backend

    original = tasks_backend.HUEY
    queue = RedisHuey("commonplace", url=redis_queue_url)
    queue._registry = original._registry
    tasks_backend.HUEY = queue
    try:
        yield
    finally:
        tasks_backend.HUEY = original
        queue.storage.conn.close()


class SlowBlogServer(BlogServer):
    """The loopback blog server, answering after a short wait, as blogs on the internet do: harvest jobs take
    long enough that both workers are busy at once."""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()

        class Slow(base):  # type: ignore[valid-type, misc]
            def do_GET(self) -> None:
                time.sleep(0.1)
                super().do_GET()

        return Slow


@pytest.fixture
def blogs() -> Iterator[SlowBlogServer]:
    server = SlowBlogServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _history(days: list[dt.date]) -> Course:
    """A course that ran on `days` (one week of it), with posts, comments, shares and follows on each day.

    Rows are dated in the past (created_at too), so a nightly rollup that happens to fire in the scheduling
    worker during the test leaves these days alone."""
    course = CourseFactory.create(slug="history", hashtag="#HISTORY", start_date=days[0])
    WeekFactory.create(course=course, number=1, starts_on=days[0], ends_on=days[0] + dt.timedelta(days=6))
    people = [UserFactory.create(username=f"member{n}") for n in range(4)]
    for n, person in enumerate(people):
        EnrollmentFactory.create(course=course, user=person, joined_at=at(days[0], 8) - dt.timedelta(days=n))
    for i, day in enumerate(days):
        author, reader, other, newcomer = people[i % 4], people[(i + 1) % 4], people[(i + 2) % 4], people[(i + 3) % 4]
        for hour in range(10, 10 + i % 3 + 1):
            post = ArtifactFactory.create(author=author, course=course, published_at=at(day, hour))
            Artifact.objects.filter(pk=post.pk).update(created_at=at(day, hour))
            note = CommentFactory.create(artifact=post, author=reader, tone=list(Tone)[hour % 4])
            reply = CommentFactory.create(artifact=post, author=author, parent=note, tone=Tone.SUPPORT)
            Comment.objects.filter(pk__in=[note.pk, reply.pk]).update(created_at=at(day, hour + 1))
            Share.objects.create(sharer=other, artifact=post, created_at=at(day, hour + 2))
        follow, _ = Follow.objects.get_or_create(follower=newcomer, followee=author)
        Follow.objects.filter(pk=follow.pk).update(created_at=at(day, 20))
    return course


def _feeds(blogs: BlogServer, owner_course: Course, published: dt.datetime) -> list[Feed]:
    """FEEDS blogs of FEEDS people, ITEMS posts each, all dated `published` (outside the rollup days).

    Not due for a day, so the scheduler's five-minute round (if it fires during the test) hands none of them
    out: each is checked by the one job enqueued for it."""
    feeds = []
    for n in range(FEEDS):
        owner = UserFactory.create(username=f"blogger{n}")
        EnrollmentFactory.create(course=owner_course, user=owner, role=MemberRole.PARTICIPANT)
        date = format_datetime(published)
        body = rss(*(item(f"b{n}-{i}", f"Post {i} of blog {n}", date=date) for i in range(ITEMS)), title=f"Blog {n}")
        url = blogs.serve(f"/blog{n}/feed", body)
        feeds.append(
            Feed.objects.create(
                course=owner_course,
                owner=owner,
                url=url,
                take_all=True,
                next_check_at=timezone.now() + dt.timedelta(days=1),
            )
        )
    return feeds


def _start(name: str, env: dict[str, str], log: Path, *options: str) -> Worker:
    command = [sys.executable, "-m", "config.cli", "run_huey", "--workers", "2", "--max-delay", "0.5", *options]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Worker(name, process, log)


def _stop(workers: list[Worker]) -> None:
    """Huey's graceful signal (SIGINT) lets running tasks finish; whatever is still up after 15 s is killed."""
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGINT)
    for worker in workers:
        try:
            worker.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def _wait_until(ready: Callable[[], bool], workers: list[Worker], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not ready():
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"Worker {worker.name} stopped while waiting for {what}:\n{worker.output()}")
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.name}\n{w.output()[-3000:]}" for w in workers)
            pytest.fail(f"Timed out after {DEADLINE:.0f} s waiting for {what}\n{logs}")
        time.sleep(0.2)


def _rollups(course: Course, days: list[dt.date]) -> dict[str, list[dict[str, object]]]:
    """Every rollup row the fills of `days` write (ids aside): the four day tables, the course's week spread and
    its members' last active days."""
    tables: dict[str, list[Model]] = {
        model.__name__: list(model._default_manager.filter(day__in=days)) for model in DAY_TABLES
    }
    tables["CourseWeek"] = list(CourseWeek.objects.filter(week__course=course))
    tables["MemberActivity"] = list(MemberActivity.objects.filter(course=course))
    return {
        name: sorted((model_to_dict(row, exclude=["id"]) for row in rows), key=repr) for name, rows in tables.items()
    }


def test_two_workers_on_postgres_and_redis_run_each_harvest_and_rollup_job_once(
    redis_queue_url: str, enqueue_to: None, blogs: SlowBlogServer, course: Course, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_queue_url,
        "HUEY_IMMEDIATE": "0",
        "COMMONPLACE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{blogs.port}",
        "COMMONPLACE_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    workers: list[Worker] = []
    try:
        # Started first, so they load Django while the history is written.
        workers.append(_start("scheduler", env, tmp_path / "scheduler.log"))
        workers.append(_start("worker", env, tmp_path / "worker.log", "--no-periodic"))
        today = timezone.now().astimezone(dt.UTC).date()
        days = [today - dt.timedelta(days=20 - n) for n in range(ROLLUP_DAYS)]
        history = _history(days)
        feeds = _feeds(blogs, course, at(today - dt.timedelta(days=40), 10))
        _wait_until(
            lambda: all("The following commands are available" in w.output() for w in workers), workers, "start-up"
        )

        jobs: dict[str, str] = {}
        for feed in feeds:
            jobs[harvest_one.enqueue(feed.pk).id] = f"harvest feed {feed.pk}"
        for day in days:
            jobs[fill_days.enqueue(day.isoformat(), day.isoformat()).id] = f"fill {day}"
        results: dict[str, TaskResult] = {}

        def finished() -> bool:
            for job_id in jobs.keys() - results.keys():
                result = default_task_backend.get_result(job_id)
                if result.status in {TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED}:
                    results[job_id] = result
            return len(results) == len(jobs)

        _wait_until(finished, workers, f"{len(jobs)} jobs")
    finally:
        _stop(workers)

    logs = {w.name: w.output() for w in workers}
    failed = {jobs[i]: r.errors[-1].traceback for i, r in results.items() if r.status != TaskResultStatus.SUCCESSFUL}
    assert not failed, failed

    # The split: one consumer schedules, the other only works.
    assert "Periodic tasks are enabled." in logs["scheduler"]
    assert "Periodic tasks are disabled." in logs["worker"]

    # Each job ran once, on one worker, and both workers took jobs.
    pids = {w.process.pid: w.name for w in workers}
    took: Counter[str] = Counter()
    for job_id, result in results.items():
        assert len(result.worker_ids) == 1, (jobs[job_id], result.worker_ids)
        pid = int(result.worker_ids[0].rsplit(".", 1)[1])
        took[pids[pid]] += 1
    assert set(took) == {"scheduler", "worker"}, took
    executions = sum((w.executed() for w in workers), Counter[str]())
    assert {job_id: executions[job_id] for job_id in jobs} == dict.fromkeys(jobs, 1)
    for worker in workers:
        assert set(worker.executed()) & jobs.keys(), f"{worker.name} executed none of the jobs"

    # Harvest: each feed fetched once, checked once, its posts stored once.
    assert Counter(blogs.requests) == {f"/blog{n}/feed": 1 for n in range(FEEDS)}
    for feed in Feed.objects.filter(pk__in=[f.pk for f in feeds]):
        assert feed.last_checked_at is not None
        assert (feed.failures, feed.last_error, feed.leased_at) == (0, "", None)
        # A first check that found new posts halves the interval; a second check would have changed it again.
        assert feed.interval == max(MIN_INTERVAL, DEFAULT_INTERVAL / 2)
        assert feed.next_check_at == feed.last_checked_at + feed.interval
    entries = Entry.objects.filter(feed__in=feeds)
    assert entries.count() == FEEDS * ITEMS
    assert entries.values("feed_id", "guid").distinct().count() == FEEDS * ITEMS
    assert entries.filter(artifact__isnull=True).count() == 0
    harvested = Artifact.objects.filter(origin=Origin.HARVESTED, course=course)
    assert harvested.count() == FEEDS * ITEMS
    assert not harvested.values("author_id", "url").annotate(n=Count("id")).filter(n__gt=1).exists()
    for job_id, result in results.items():
        if jobs[job_id].startswith("harvest"):
            assert result.return_value == f"1 feed: 1 fetched, 0 not modified, {ITEMS} new, 0 updated, 0 failed"

    # Rollups: the rows, the weeks' spread and the members' last active days are those of one fill of each
    # day (done again here, one day after another, as a reference), and each fill's result was recorded once.
    written = _rollups(history, days)
    assert all(written.values()), {name: len(rows) for name, rows in written.items()}
    reference = {day.isoformat(): str(fill_day(day)) for day in days}
    again = _rollups(history, days)
    assert again == written
    for job_id, result in results.items():
        if jobs[job_id].startswith("fill"):
            assert result.return_value == reference[jobs[job_id].removeprefix("fill ")]
