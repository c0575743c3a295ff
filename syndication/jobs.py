"""The harvester's fetch-and-parse stage: plain data in and out, no database, no app registry.

It runs either on a thread of the harvesting process, or in worker processes (`worker_main`), which
import this module (never syndication.harvest, which needs the app registry): each worker fetches with
its own event loop and parses on its own core, so a harvest uses every core.
"""

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from core.fetch import Fetcher, FetchError
from core.text import extract_hashtags, html_to_text, normalize_tag
from syndication.parsing import FeedError, ParsedEntry, ParsedFeed, parse_feed

log = logging.getLogger(__name__)

EXCERPT_WORDS = 60
visible_text = html_to_text  # the text of already-sanitised HTML (tags become spaces, entities decoded)


def first_words(text: str, words: int = EXCERPT_WORDS) -> str:
    parts = text.split(maxsplit=words)
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def fingerprint(entry: ParsedEntry) -> str:
    """A hash of everything stored from the entry: a different one means the author changed the post."""
    digest = hashlib.sha256()
    for part in (
        entry.title,
        entry.link,
        entry.author,
        entry.published.isoformat() if entry.published else "",
        entry.updated.isoformat() if entry.updated else "",
        "\x1f".join(entry.categories),
        entry.summary_html,
        entry.content_html,
    ):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()


@dataclass(frozen=True)
class Prepared:
    """What storing an entry needs beyond the entry itself, worked out in the pool (pure, no database)."""

    fingerprint: str
    tags: tuple[str, ...]  # its categories and the #hashtags of its title and text, as stored tags
    excerpt: str  # plain text, the first words of its summary (or text)


def prepare(entry: ParsedEntry) -> Prepared:
    text = visible_text(entry.content_html or entry.summary_html)
    tags = {normalize_tag(c) for c in entry.categories}
    if "#" in entry.title or "#" in text:
        tags.update(extract_hashtags(entry.title, text))
    tags.discard("")
    summary = visible_text(entry.summary_html) if entry.summary_html and entry.content_html else text
    return Prepared(
        fingerprint=fingerprint(entry),
        tags=tuple(sorted(t for t in tags if len(t) <= 50)),
        excerpt=first_words(summary),
    )


@dataclass(frozen=True)
class Job:
    """What the fetch thread needs to know about a feed (plain data: no ORM across threads)."""

    feed_id: int
    url: str
    etag: str
    last_modified: str


@dataclass(frozen=True)
class Outcome:
    job: Job
    status: int = 0  # 200, 304, or 0 when it failed
    parsed: ParsedFeed | None = None
    etag: str = ""
    last_modified: str = ""
    error: str = ""
    error_kind: str = ""
    retry_after: float | None = None
    prepared: tuple[Prepared, ...] = ()  # one per parsed entry


def parse_job(job: Job, body: bytes, url: str, content_type: str, etag: str, last_modified: str) -> Outcome:
    """Runs in a pool process (or inline): bytes in, parsed entries or a worded error out."""
    try:
        parsed = parse_feed(body, url=url, content_type=content_type)
    except FeedError as exc:
        return Outcome(job, error=exc.message, error_kind="parse")
    prepared = tuple(prepare(entry) for entry in parsed.entries)
    return Outcome(job, status=200, parsed=parsed, etag=etag, last_modified=last_modified, prepared=prepared)


async def fetch_and_parse(fetcher: Fetcher, job: Job) -> Outcome:
    """One feed: a conditional GET, then (when it changed) parsing and preparing its entries."""
    try:
        try:
            result = await fetcher.fetch(job.url, etag=job.etag, last_modified=job.last_modified)
        except FetchError as exc:
            return Outcome(job, error=exc.message, error_kind=exc.kind, retry_after=exc.retry_after)
        if result.status == 304:
            return Outcome(job, status=304, etag=result.etag or job.etag, last_modified=result.last_modified)
        content_type = result.headers.get("content-type", result.content_type)  # with its charset
        return parse_job(job, result.body, result.url, content_type, result.etag, result.last_modified)
    except Exception:  # a bug must not stop the other feeds
        log.exception("Harvest of feed %s failed unexpectedly", job.feed_id)
        return Outcome(job, error="Something went wrong on our side while reading this feed.", error_kind="bug")


# --- Worker processes ----------------------------------------------------------------------------

FETCH_SETTINGS = (
    "COMMONPLACE_FETCH_ALLOW_HOSTS",
    "FETCH_MAX_BYTES",
    "FETCH_TIMEOUT_SECONDS",
    "FETCH_PER_HOST",
    "FETCH_USER_AGENT",
)


def fetch_config() -> dict[str, Any]:
    """The settings a worker process must fetch with (they may differ from its environment's, e.g. in tests)."""
    return {name: getattr(settings, name) for name in FETCH_SETTINGS}


def worker_main(inbox: Any, outbox: Any) -> None:
    """A harvest worker process: for each ("harvest", config, jobs, window) message, fetch and parse every
    job with up to `window` at a time, putting each Outcome on the outbox (bounded: a slow reader holds the
    worker back instead of growing its memory), then ("done", n). None stops the worker."""
    while (message := inbox.get()) is not None:
        _kind, config, jobs, window = message
        for name, value in config.items():
            setattr(settings, name, value)
        asyncio.run(_harvest_in_worker(jobs, window, outbox))
        outbox.put(("done", len(jobs)))


async def _harvest_in_worker(jobs: list[Job], window: int, outbox: Any) -> None:
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(window)

    async def one(fetcher: Fetcher, job: Job) -> None:
        try:
            outcome = await fetch_and_parse(fetcher, job)
            await loop.run_in_executor(None, outbox.put, outcome)
        finally:
            slots.release()

    async with Fetcher() as fetcher:
        tasks = []
        for job in jobs:
            await slots.acquire()
            tasks.append(asyncio.create_task(one(fetcher, job)))
        await asyncio.gather(*tasks)
