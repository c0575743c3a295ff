"""The harvester: fetch many feeds at once, parse them on every core, store each entry exactly once.

Three stages run side by side:

1. a fetch thread runs one asyncio loop with the guarded client (core.fetch), many feeds at a time,
   sending conditional GETs;
2. each fetched body is parsed (syndication.parsing) in a process pool when there are enough feeds
   to make it worth it, so parsing uses every core;
3. this (the calling) thread stores the results: feeds in groups, one transaction per group and a
   savepoint per feed, so a feed's entries and its schedule are written together or not at all.

A worker killed at any point leaves no half-written entry: what was not committed is fetched and
stored again on the next run, and entries are keyed by (feed, guid), so each is stored once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.bulk import binary_cursor, insert_rows
from core.fetch import Fetcher
from courses.models import Course, Prompt
from posts.services_harvested import HarvestedPost, create_harvested, update_harvested
from syndication.jobs import Job, Outcome, Prepared, fetch_and_parse, fetch_config, worker_main
from syndication.models import MAX_BACKOFF, MAX_INTERVAL, MIN_INTERVAL, Entry, Feed, FeedStatus
from syndication.parsing import ParsedEntry, ParsedFeed

log = logging.getLogger(__name__)

GROUP_SIZE = 50  # feeds stored per transaction
PROCESS_THRESHOLD = 40  # fewer feeds than this are fetched and parsed in this process
WINDOW = 64  # feeds being fetched or parsed at once, per process
OUTBOX_SIZE = 64  # parsed feeds waiting to be stored
NOTIFY_AFTER_FAILURES = 3
SUCCESS_FIELDS = [
    "failures",
    "failure_notified",
    "last_error",
    "last_checked_at",
    "last_success_at",
    "last_new_entry_at",
    "leased_at",
    "interval",
    "next_check_at",
    "title",
    "site_url",
    "etag",
    "last_modified",
    "warnings",
]
SCHEDULE_FIELDS = [
    "failures",
    "failure_notified",
    "last_error",
    "last_checked_at",
    "last_success_at",
    "last_new_entry_at",
    "leased_at",
    "interval",
    "next_check_at",
]


@dataclass
class HarvestSummary:
    feeds: int = 0
    fetched: int = 0
    not_modified: int = 0
    new: int = 0
    updated: int = 0
    failed: int = 0
    entries_seen: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: HarvestSummary) -> None:
        """Count another part of the same harvest in (everything but `feeds`)."""
        for name in ("fetched", "not_modified", "new", "updated", "failed", "entries_seen"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    def __str__(self) -> str:
        return (
            f"{self.feeds} feed{'' if self.feeds == 1 else 's'}: {self.fetched} fetched, "
            f"{self.not_modified} not modified, {self.new} new, {self.updated} updated, {self.failed} failed"
        )


# --- Stages 1 and 2: fetching and parsing -----------------------------------------------------------


class _ThreadPipeline:
    """In this process: one thread fetches and parses (an asyncio loop), the calling thread stores.

    Used for small harvests (a worker's batch, one feed after registration), where starting processes
    would cost more than it saves."""

    def __init__(self, jobs: Sequence[Job], window: int) -> None:
        self.jobs = jobs
        self.window = window
        self.results: queue.Queue[Outcome] = queue.Queue()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.slots: asyncio.Semaphore | None = None
        self.started = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="harvest-fetch", daemon=True)

    def batches(self, size: int) -> Iterator[list[Outcome]]:
        self.thread.start()
        self.started.wait()
        remaining = len(self.jobs)
        while remaining:
            group = [self.results.get()]
            while len(group) < size:
                try:
                    group.append(self.results.get_nowait())
                except queue.Empty:
                    break
            yield group
            remaining -= len(group)
            for _ in group:  # stored: let the fetcher start as many more feeds
                with contextlib.suppress(RuntimeError):  # the loop already finished: every feed was fetched
                    self.loop.call_soon_threadsafe(self.slots.release)  # type: ignore[union-attr]
        self.thread.join()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.slots = asyncio.Semaphore(self.window)
        self.started.set()
        async with Fetcher() as fetcher:
            tasks = []
            for job in self.jobs:
                await self.slots.acquire()
                tasks.append(asyncio.create_task(self._one(fetcher, job)))
            await asyncio.gather(*tasks)

    async def _one(self, fetcher: Fetcher, job: Job) -> None:
        self.results.put(await fetch_and_parse(fetcher, job))


class _Workers:
    """Worker processes that fetch and parse (syndication.jobs.worker_main), one per core.

    Started on first use and kept for the life of this process, so the next harvest does not pay for
    starting them again; replaced when one has died. forkserver: never fork a process that has threads
    and open database connections."""

    lock = threading.Lock()
    current: _Workers | None = None

    def __init__(self, count: int) -> None:
        context = multiprocessing.get_context("forkserver")
        self.inboxes = [context.Queue() for _ in range(count)]
        self.outbox = context.Queue(maxsize=OUTBOX_SIZE)
        self.processes = [
            context.Process(target=worker_main, args=(inbox, self.outbox), name=f"harvest-{i}", daemon=True)
            for i, inbox in enumerate(self.inboxes)
        ]
        for process in self.processes:
            process.start()

    @classmethod
    def get(cls, count: int) -> _Workers:
        workers = cls.current
        if workers is None or len(workers.processes) != count or not workers.alive():
            if workers is not None:
                workers.stop()
            workers = cls.current = cls(count)
        return workers

    def alive(self) -> bool:
        return all(p.is_alive() for p in self.processes)

    def stop(self) -> None:
        for inbox, process in zip(self.inboxes, self.processes, strict=True):
            if process.is_alive():
                with contextlib.suppress(Exception):
                    inbox.put(None)
        for process in self.processes:
            process.join(timeout=2)
            if process.is_alive():
                process.kill()
        if _Workers.current is self:
            _Workers.current = None


class _ProcessPipeline:
    """Fetching and parsing spread over the worker processes; this process only stores."""

    def __init__(self, jobs: Sequence[Job], workers: _Workers, window: int) -> None:
        self.jobs = jobs
        self.workers = workers
        self.window = window

    def batches(self, size: int) -> Iterator[list[Outcome]]:
        count = len(self.workers.processes)
        config = fetch_config()
        for i, inbox in enumerate(self.workers.inboxes):
            inbox.put(("harvest", config, list(self.jobs[i::count]), self.window))
        waiting = {job.feed_id: job for job in self.jobs}
        finished = False
        try:
            yield from self._collect(waiting, count, size)
            finished = True
        finally:
            if not finished:  # stopped half-way: leftovers must not reach the next harvest
                self.workers.stop()

    def _collect(self, waiting: dict[int, Job], count: int, size: int) -> Iterator[list[Outcome]]:
        done = 0
        outbox = self.workers.outbox
        group: list[Outcome] = []
        while done < count:
            try:
                message = outbox.get(timeout=0.05 if group else 1.0)
            except queue.Empty:
                if group:
                    yield group
                    group = []
                elif not self.workers.alive():
                    break
                continue
            if isinstance(message, Outcome):
                if waiting.pop(message.job.feed_id, None) is not None:
                    group.append(message)
                if len(group) >= size:
                    yield group
                    group = []
            else:  # ("done", n): that worker has sent everything
                done += 1
        if group:
            yield group
        if waiting:  # a worker died: what it still held is recorded as failed, and checked again later
            log.error("A harvest worker stopped; %s feeds were not checked", len(waiting))
            self.workers.stop()
            message = "The check of this feed stopped unexpectedly; we will try again."
            lost = [Outcome(job, error=message, error_kind="bug") for job in waiting.values()]
            for start in range(0, len(lost), size):
                yield lost[start : start + size]


# --- Stage 3: storing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    taken: bool
    tags: tuple[str, ...]
    prompt_id: int | None


def decide(tags: Iterable[str], *, course_tag: str, prompts: dict[str, int], take_all: bool) -> Decision:
    """What the course takes: entries tagged with its hashtag (any case, as a category or a #hashtag in the
    title or text), or everything when the feed is set to take all. A prompt's tag makes it a response.
    `tags` are an entry's tags as `syndication.jobs.prepare` finds them."""
    prompt_id = next((prompts[t] for t in sorted(tags) if t in prompts), None)
    taken = take_all or course_tag in tags or prompt_id is not None
    return Decision(taken, tuple(tags), prompt_id)


@dataclass
class _Pending:
    """New entries (and the artifacts some become) waiting to be inserted together."""

    entries: list[dict[str, object]] = field(default_factory=list)
    to_create: list[tuple[dict[str, object], HarvestedPost]] = field(default_factory=list)


@dataclass
class _CourseRules:
    tag: str
    prompts: dict[str, int]  # prompt tag → prompt id


class _Store:
    def __init__(self, summary: HarvestSummary, now: Callable[[], dt.datetime]) -> None:
        self.summary = summary
        self.now = now
        self.courses: dict[int, _CourseRules] = {}
        self.tag_ids: dict[str, int] = {}

    def rules(self, course_id: int) -> _CourseRules:
        if course_id not in self.courses:
            course = Course.objects.get(pk=course_id)
            prompts = Prompt.objects.filter(week__course_id=course_id).select_related("week__course")
            self.courses[course_id] = _CourseRules(tag=course.tag, prompts={p.tag: p.pk for p in prompts})
        return self.courses[course_id]

    def group(self, outcomes: Sequence[Outcome]) -> None:
        """Store a group of feeds in one transaction. First all together (a few statements for the whole
        group); if anything in that fails, again one feed at a time, each in its own savepoint, so one
        feed's trouble never costs the others. New schedules are written together at the end."""
        base = self.summary
        now = self.now()
        try:
            with transaction.atomic():
                try:
                    self.summary = HarvestSummary()
                    with transaction.atomic():
                        checked = self.store(outcomes, now, batched=True)
                except Exception:
                    log.warning("Storing a group of feeds together failed; storing them one by one", exc_info=True)
                    self.tag_ids.clear()  # tags created in the rolled-back savepoint are gone
                    self.summary = HarvestSummary()
                    checked = self.store(outcomes, now, batched=False)
                self.save_schedules(checked)
            base.add(self.summary)
        finally:
            self.summary = base

    def store(self, outcomes: Sequence[Outcome], now: dt.datetime, *, batched: bool) -> list[Feed]:
        feeds = Feed.objects.in_bulk([o.job.feed_id for o in outcomes])
        known = self.known(outcomes) if batched else {}
        pending = _Pending()
        checked: list[Feed] = []
        for outcome in outcomes:
            feed = feeds.get(outcome.job.feed_id)
            if feed is None:  # removed while we were fetching
                continue
            if outcome.status == 304:
                self.summary.not_modified += 1
                self.success(feed, outcome, 0, now)
                checked.append(feed)
            elif not batched:
                if self.one(feed, outcome, now):
                    checked.append(feed)
            elif outcome.status == 0:
                self.failure(feed, outcome.error, outcome.retry_after, now)
            else:
                new = 0
                if outcome.parsed is not None:
                    self.summary.fetched += 1
                    new = self.entries(feed, outcome.parsed, outcome.prepared, now, known.get(feed.pk, {}), pending)
                self.success(feed, outcome, new, now)
                checked.append(feed)
        self.write(pending, now)
        return checked

    def known(self, outcomes: Sequence[Outcome]) -> dict[int, dict[str, tuple[int, str, int | None, bool]]]:
        """The entries already stored for the group's fetched feeds, by feed and guid (one query)."""
        guids = {e.guid[:500] for o in outcomes if o.parsed is not None for e in o.parsed.entries}
        ids = [o.job.feed_id for o in outcomes if o.parsed is not None]
        found: dict[int, dict[str, tuple[int, str, int | None, bool]]] = {}
        if not guids:
            return found
        rows = Entry.objects.filter(feed_id__in=ids, guid__in=guids).values_list(
            "feed_id", "guid", "pk", "fingerprint", "artifact_id", "taken"
        )
        for feed_id, guid, pk, fingerprint, artifact_id, taken in rows:
            found.setdefault(feed_id, {})[guid] = (pk, fingerprint, artifact_id, taken)
        return found

    def write(self, pending: _Pending, now: dt.datetime) -> None:
        if not pending.entries:
            return
        ids = create_harvested([post for _, post in pending.to_create], now=now, tag_ids=self.tag_ids)
        for (row, _), artifact_id in zip(pending.to_create, ids, strict=True):
            row["artifact_id"] = artifact_id
        insert_rows(Entry, pending.entries)
        pending.entries.clear()
        pending.to_create.clear()

    def save_schedules(self, feeds: Sequence[Feed]) -> None:
        """One UPDATE statement, run for every feed checked successfully (instead of a save() each)."""
        if not feeds:
            return
        fields = [f for f in Feed._meta.concrete_fields if f.name in SUCCESS_FIELDS]
        if connection.vendor == "postgresql":
            self.save_schedules_unnest(feeds, fields)
            return
        rows = [
            [field.get_db_prep_save(getattr(feed, field.attname), connection) for field in fields] + [feed.pk]
            for feed in feeds
        ]
        q = connection.ops.quote_name  # only our own table and column names go into the statement
        assignments = ", ".join(f"{q(str(field.column))} = %s" for field in fields)
        sql = f"UPDATE {q(Feed._meta.db_table)} SET {assignments} WHERE {q('id')} = %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def save_schedules_unnest(self, feeds: Sequence[Feed], fields: list[Any]) -> None:
        """PostgreSQL: the same UPDATE for the whole group as one statement, one array per column."""
        q = connection.ops.quote_name  # only our own table and column names go into the statement
        columns = [
            [field.get_db_prep_save(getattr(feed, field.attname), connection) for feed in feeds] for field in fields
        ]
        names = [q(str(field.column)) for field in fields]
        arrays = ", ".join(f"%b::{field.db_type(connection)}[]" for field in fields)
        sql = (
            f"UPDATE {q(Feed._meta.db_table)} AS f SET {', '.join(f'{n} = v.{n}' for n in names)} "  # noqa: S608
            f"FROM unnest({arrays}, %b::bigint[]) AS v({', '.join(names)}, {q('id')}) WHERE f.{q('id')} = v.{q('id')}"
        )
        with binary_cursor() as cursor, connection.wrap_database_errors:  # arrays in binary: see core.bulk
            cursor.execute(sql, [*columns, [feed.pk for feed in feeds]])

    def one(self, feed: Feed, outcome: Outcome, now: dt.datetime) -> bool:
        """Store one fetched feed's entries (a savepoint: all or nothing); False when it failed."""
        if outcome.status == 0:
            self.failure(feed, outcome.error, outcome.retry_after, now)
            return False
        try:
            with transaction.atomic():
                new = 0
                if outcome.parsed is not None:
                    self.summary.fetched += 1
                    pending = _Pending()
                    new = self.entries(feed, outcome.parsed, outcome.prepared, now, None, pending)
                    self.write(pending, now)
        except Exception:
            self.tag_ids.clear()  # tags created in the rolled-back savepoint are gone
            log.exception("Storing feed %s failed", feed.pk)
            self.failure(feed, "Something went wrong on our side while storing this feed.", None, now)
            return False
        self.success(feed, outcome, new, now)
        return True

    def entries(
        self,
        feed: Feed,
        parsed: ParsedFeed,
        extras: Sequence[Prepared],
        now: dt.datetime,
        known: dict[str, tuple[int, str, int | None, bool]] | None,
        pending: _Pending,
    ) -> int:
        """Work out the feed's new and changed entries: changes are written now, new ones added to `pending`."""
        rules = self.rules(feed.course_id)
        self.summary.entries_seen += len(parsed.entries)
        by_guid: dict[str, tuple[ParsedEntry, Prepared]] = {}
        for entry, prepared in zip(parsed.entries, extras, strict=True):
            by_guid.setdefault(entry.guid[:500], (entry, prepared))
        if known is None:
            known = {
                guid: (pk, fingerprint, artifact_id, was_taken)
                for pk, guid, fingerprint, artifact_id, was_taken in Entry.objects.filter(
                    feed=feed, guid__in=list(by_guid)
                ).values_list("pk", "guid", "fingerprint", "artifact_id", "taken")
            }
        if not feed.title and parsed.title:
            feed.title = parsed.title[:200]
        if not feed.site_url and parsed.link:
            feed.site_url = parsed.link[:1000]
        source = feed.display_name
        new = 0
        for guid, (entry, prepared) in by_guid.items():
            fingerprint = prepared.fingerprint
            if guid in known:
                pk, old_fingerprint, artifact_id, was_taken = known[guid]
                if old_fingerprint == fingerprint:
                    continue
                self.summary.updated += 1
                taken, post = self.post(feed, entry, prepared, rules, source, now)
                changes: dict[str, object] = {
                    "fingerprint": fingerprint,
                    "link": entry.link[:1000],
                    "title": entry.title[:200],
                    "updated_at": entry.updated,
                }
                if artifact_id and post:
                    update_harvested(artifact_id, post)
                elif post and not was_taken:
                    # Newly tagged for the course. (Taken before but no artifact: its author deleted it here;
                    # it stays deleted.)
                    [changes["artifact_id"]] = create_harvested([post], now=now)
                    changes["taken"] = True
                Entry.objects.filter(pk=pk).update(**changes)
                continue
            taken, post = self.post(feed, entry, prepared, rules, source, now)
            row: dict[str, object] = {
                "feed_id": feed.pk,
                "guid": guid,
                "link": entry.link[:1000],
                "title": entry.title[:200],
                "published_at": entry.published,
                "updated_at": entry.updated,
                "fingerprint": fingerprint,
                "taken": taken,
                "first_seen_at": now,
            }
            pending.entries.append(row)
            new += 1
            if post is not None:
                pending.to_create.append((row, post))
        self.summary.new += new
        return new

    def post(
        self, feed: Feed, entry: ParsedEntry, prepared: Prepared, rules: _CourseRules, source: str, now: dt.datetime
    ) -> tuple[bool, HarvestedPost | None]:
        """Whether the course takes this entry, and the artifact it becomes."""
        decision = decide(prepared.tags, course_tag=rules.tag, prompts=rules.prompts, take_all=feed.take_all)
        if not decision.taken:
            return False, None
        published = entry.published or entry.updated or now
        return True, HarvestedPost(
            author_id=feed.owner_id,
            course_id=feed.course_id,
            prompt_id=decision.prompt_id,
            title=entry.title,
            url=entry.link,
            source_name=source,
            body_html=entry.content_html or entry.summary_html,
            excerpt=prepared.excerpt,
            published_at=min(published, now),
            updated_at=entry.updated or published,
            tags=decision.tags,
        )

    def success(self, feed: Feed, outcome: Outcome, new: int, now: dt.datetime) -> None:
        feed.failures = 0
        feed.failure_notified = False
        feed.last_error = ""
        feed.last_checked_at = feed.last_success_at = now
        feed.leased_at = None
        if outcome.status == 200:
            feed.etag = outcome.etag[:300]
            feed.last_modified = outcome.last_modified[:100]
            feed.warnings = "; ".join(outcome.parsed.warnings)[:300] if outcome.parsed else ""
        if new:
            feed.last_new_entry_at = now
            feed.interval = max(MIN_INTERVAL, feed.interval / 2)  # busy blogs are checked more often
        else:
            feed.interval = min(MAX_INTERVAL, feed.interval * 1.5)  # dormant ones less
        feed.next_check_at = now + feed.interval  # written by save_schedules, with the group

    def failure(self, feed: Feed, message: str, retry_after: float | None, now: dt.datetime) -> None:
        self.summary.failed += 1
        self.summary.errors.append(f"{feed.url}: {message}")
        feed.failures += 1
        feed.last_error = message[:300]
        feed.last_checked_at = now
        feed.leased_at = None
        feed.next_check_at = now + backoff(feed.interval, feed.failures, retry_after)
        notify = feed.failures >= NOTIFY_AFTER_FAILURES and not feed.failure_notified
        feed.failure_notified = feed.failure_notified or notify
        feed.save(update_fields=SCHEDULE_FIELDS)
        if notify:
            _notify_failure(feed)


def backoff(interval: dt.timedelta, failures: int, retry_after: float | None = None) -> dt.timedelta:
    """Doubling waits after each failure in a row, capped at 48 hours; never less than Retry-After."""
    wait = min(MAX_BACKOFF, interval * (2 ** min(failures, 16)))
    if retry_after:
        wait = max(wait, min(MAX_BACKOFF, dt.timedelta(seconds=retry_after)))
    return wait


def _notify_failure(feed: Feed) -> None:
    from network.services import notify_feed_failed

    notify_feed_failed(recipient=feed.owner, feed_name=feed.display_name, message=feed.last_error)


# --- The entry point ----------------------------------------------------------------------------


def default_workers() -> int:
    return int(getattr(settings, "HARVEST_WORKERS", 0)) or os.cpu_count() or 1


def _run(pipeline: _ThreadPipeline | _ProcessPipeline, store: _Store, progress: Callable[[int], None] | None) -> None:
    for group in pipeline.batches(GROUP_SIZE):
        store.group(group)
        if progress:
            progress(len(group))


def harvest_feeds(
    feed_ids: Sequence[int] | None = None,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    now: Callable[[], dt.datetime] = timezone.now,
) -> HarvestSummary:
    """Check the given feeds (default: every active feed) now; returns what happened."""
    feeds = Feed.objects.filter(status=FeedStatus.ACTIVE)
    if feed_ids is not None:
        feeds = feeds.filter(pk__in=list(feed_ids))
    jobs = [Job(*row) for row in feeds.order_by("pk").values_list("pk", "url", "etag", "last_modified")]
    summary = HarvestSummary(feeds=len(jobs))
    if not jobs:
        return summary
    workers = workers or default_workers()
    store = _Store(summary, now)
    if workers > 1 and len(jobs) >= PROCESS_THRESHOLD and _Workers.lock.acquire(blocking=False):
        try:
            _run(_ProcessPipeline(jobs, _Workers.get(workers), WINDOW), store, progress)
        finally:
            _Workers.lock.release()
    else:
        _run(_ThreadPipeline(jobs, WINDOW), store, progress)
    return summary
