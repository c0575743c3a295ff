"""What crosses from the harvester to its parsing processes and back: plain data, no Django.

The process pool imports this module (not syndication.harvest, which needs the app registry).
"""

import hashlib
import re
from dataclasses import dataclass
from html import unescape

from core.text import extract_hashtags, normalize_tag
from syndication.parsing import FeedError, ParsedEntry, ParsedFeed, parse_feed

EXCERPT_WORDS = 60
_TAG_RE = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def visible_text(html: str) -> str:
    """The text of already-sanitised HTML, quickly: tags become spaces, entities are decoded."""
    return " ".join(unescape(_TAG_RE.sub(" ", html)).split()) if html else ""


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
