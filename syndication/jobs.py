"""What crosses from the harvester to its parsing processes and back: plain data, no Django.

The process pool imports this module (not syndication.harvest, which needs the app registry).
"""

from dataclasses import dataclass

from syndication.parsing import FeedError, ParsedFeed, parse_feed


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


def parse_job(job: Job, body: bytes, url: str, content_type: str, etag: str, last_modified: str) -> Outcome:
    """Runs in a pool process (or inline): bytes in, parsed entries or a worded error out."""
    try:
        parsed = parse_feed(body, url=url, content_type=content_type)
    except FeedError as exc:
        return Outcome(job, error=exc.message, error_kind="parse")
    return Outcome(job, status=200, parsed=parsed, etag=etag, last_modified=last_modified)
