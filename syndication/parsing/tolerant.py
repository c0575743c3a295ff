"""The tolerant path: feedparser over the same pre-scanned bytes, for feeds the fast path will not
read (not well-formed, or quirks it does not model), turned into the same raw values.
"""

import io
import re
from typing import Any

import feedparser

from syndication.parsing.raw import MAX_ENTRIES_CONSIDERED, _RawEntry, _RawFeed, _RawText
from syndication.parsing.results import FeedError

MAX_TOLERANT_BYTES = 8 * 1024 * 1024  # feedparser takes ~1 ms an entry: bound what it may chew on
# feedparser joins every element's xml:base with its parent's, so one huge base over many elements costs
# their product (300 KB × 40,000 elements: a minute). No real base is longer than a link may be.
MAX_BASE_BYTES = 2_048
_LONG_XML_BASE = re.compile(
    rb"""xml:base\s*=\s*(?:"[^"]{%d,}"|'[^']{%d,}')""" % (MAX_BASE_BYTES + 1, MAX_BASE_BYTES + 1)
)


def _tolerant_parse(data: bytes, url: str, content_type: str) -> _RawFeed:
    # R10: feedparser only ever sees a stream (never a URL or a path) and the headers we choose.
    # The bytes are the pre-scanned UTF-8, so the charset we pass says UTF-8 whatever the server said.
    if len(data) > MAX_TOLERANT_BYTES:
        raise FeedError("The feed is too large to read unless it is valid XML.")
    headers = {"content-location": url, "content-type": _utf8_content_type(content_type)}
    if b"xml:base" in data:
        data = _LONG_XML_BASE.sub(b'xml:base=""', data)
    try:
        result = feedparser.parse(
            io.BytesIO(data), response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:
        raise FeedError("The feed could not be read.") from exc
    version = _s(result.get("version"))
    entries = result.get("entries") or []
    if not version and not entries:
        if result.get("bozo"):
            raise FeedError("This isn't a feed we can read: it is not valid XML.")
        raise FeedError("This isn't a feed we can read.")
    feed_dict = result.get("feed") or {}
    title_detail = feed_dict.get("title_detail")
    feed = _RawFeed(
        is_atom=version.startswith("atom"),
        title=_s(feed_dict.get("title")),
        title_type=_s(title_detail.get("type")) if isinstance(title_detail, dict) else "text/plain",
        link=_s(feed_dict.get("link")),
        author=_s(dict.get(feed_dict, "author")),
    )
    feed.total = len(entries)
    for item in entries[:MAX_ENTRIES_CONSIDERED]:
        feed.entries.append(_raw_from_feedparser(item))
    return feed


def _raw_from_feedparser(item: Any) -> _RawEntry:
    entry = _RawEntry(
        guid=_s(item.get("id")),
        link=_s(item.get("link")),
        origlink=_s(dict.get(item, "feedburner_origlink")),
        title=_s(item.get("title")),
        author=_s(dict.get(item, "author")),
        # dict.get: FeedParserDict quietly maps a missing "updated" to "published".
        published=_s(dict.get(item, "published")),
        updated=_s(dict.get(item, "updated")),
    )
    title_detail = dict.get(item, "title_detail")
    if isinstance(title_detail, dict):
        entry.title_type = _s(title_detail.get("type")) or "text/plain"
    tags = dict.get(item, "tags") or []
    entry.terms = [_s(tag.get("term")) for tag in tags if isinstance(tag, dict) and _s(tag.get("term"))]
    contents = dict.get(item, "content") or []
    if isinstance(contents, list) and contents and isinstance(contents[0], dict):
        first = contents[0]
        entry.content = _RawText(_s(first.get("value")), _s(first.get("type")), _s(first.get("base")))
    summary_detail = dict.get(item, "summary_detail")
    if isinstance(summary_detail, dict):
        # Only a real summary element makes a summary_detail; a summary copied from the content does not.
        entry.summary = _RawText(
            _s(dict.get(item, "summary")), _s(summary_detail.get("type")), _s(summary_detail.get("base"))
        )
    return entry


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def _utf8_content_type(content_type: str) -> str:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return f"{media_type or 'application/xml'}; charset=utf-8"
