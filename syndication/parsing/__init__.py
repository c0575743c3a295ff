"""Feed bytes to plain entries: the public entry point (parse_feed, the types it returns and the caps
they respect) and the driver that runs the stages: prescan (decode, DOCTYPE, entities), then fast (lxml)
or, when it is unsure, tolerant (feedparser), then normalise (with dates); results and raw hold the
values passed between them.
"""

import logging

from syndication.parsing.fast import _Bail, _fast_parse
from syndication.parsing.normalise import (
    AUTHOR_CAP,
    CATEGORY_CAP,
    CONTENT_CAP,
    MAX_CATEGORIES,
    SUMMARY_CAP,
    TITLE_CAP,
    _finish,
    excerpt,
    plain_text,
)
from syndication.parsing.prescan import _drop_illegal, _prepare
from syndication.parsing.raw import _RawFeed
from syndication.parsing.results import FeedError, ParsedEntry, ParsedFeed
from syndication.parsing.tolerant import _tolerant_parse

__all__ = [
    "AUTHOR_CAP",
    "CATEGORY_CAP",
    "CONTENT_CAP",
    "MAX_CATEGORIES",
    "MAX_FEED_BYTES",
    "SUMMARY_CAP",
    "TITLE_CAP",
    "FeedError",
    "ParsedEntry",
    "ParsedFeed",
    "excerpt",
    "parse_feed",
    "plain_text",
]

logger = logging.getLogger(__name__)

MAX_FEED_BYTES = 32 * 1024 * 1024


def parse_feed(data: bytes, *, url: str, content_type: str = "", max_entries: int = 200) -> ParsedFeed:
    """Parse feed bytes fetched from `url`; raises FeedError (and nothing else) when they can't be read."""
    return _parse(data, url=url, content_type=content_type, max_entries=max_entries, allow_fast=True)


# --- Driver ----------------------------------------------------------------------------------------


def _parse(data: bytes, *, url: str, content_type: str, max_entries: int, allow_fast: bool) -> ParsedFeed:
    try:
        return _parse_unguarded(
            bytes(data), url=url, content_type=content_type, max_entries=max_entries, allow_fast=allow_fast
        )
    except FeedError:
        raise
    except Exception as exc:  # the last line of defence: callers only ever see FeedError
        logger.warning("feed parse failed for %s", url, exc_info=True)
        raise FeedError("Something in this feed tripped up our reader.") from exc


def _parse_unguarded(data: bytes, *, url: str, content_type: str, max_entries: int, allow_fast: bool) -> ParsedFeed:
    if not data.strip():
        raise FeedError("The feed is empty.")
    if len(data) > MAX_FEED_BYTES:
        raise FeedError("The feed is too large for us to read.")
    warnings: list[str] = []
    prepared = _prepare(data, content_type, warnings)
    raw: _RawFeed | None = None
    parser = "feedparser"
    if allow_fast:
        try:
            raw = _fast_parse(prepared, url, max_entries)
            parser = "fast"
        except _Bail:
            # Control characters make XML ill-formed; they are rare, so look for them only now.
            cleaned = _drop_illegal(prepared, warnings)
            if cleaned is not prepared:
                prepared = cleaned
                try:
                    raw = _fast_parse(prepared, url, max_entries)
                    parser = "fast"
                except _Bail:
                    raw = None
    else:
        prepared = _drop_illegal(prepared, warnings)
    if raw is None:
        raw = _tolerant_parse(prepared, url, content_type)
    return _finish(raw, url=url, max_entries=max_entries, warnings=warnings, parser=parser)
