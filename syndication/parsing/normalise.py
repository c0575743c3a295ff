"""Normalising, the same functions for both paths: raw values become a ParsedFeed, newest entries first,
with titles, authors, categories, ids, links and dates cleaned and capped, and content sanitised with
core.text's allowlist; plus plain_text and excerpt, the visible text of an HTML fragment.
"""

import hashlib
import logging
import re
from datetime import datetime
from functools import lru_cache
from html import escape, unescape
from urllib.parse import urlsplit

import nh3
from feedparser.urls import _urljoin

from core.text import limit_nesting, sanitize_html
from syndication.parsing.dates import _parse_date
from syndication.parsing.raw import HTML_TYPES, MAX_ENTRIES_CONSIDERED, _RawEntry, _RawFeed, _RawText
from syndication.parsing.results import ParsedEntry, ParsedFeed

logger = logging.getLogger(__name__)

TITLE_CAP = 200
AUTHOR_CAP = 100
CATEGORY_CAP = 100
MAX_CATEGORIES = 50
CONTENT_CAP = 200_000
SUMMARY_CAP = 20_000
GUID_CAP = 500
LINK_CAP = 2_048

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLOCK_TAG_RE = re.compile(
    r"</?(?:address|article|aside|blockquote|br|dd|div|dl|dt|figcaption|figure|footer|h[1-6]|header|hr|li|"
    r"main|nav|ol|p|pre|section|table|td|th|tr|ul)\b",
    re.I,
)
_INVISIBLE_TAGS = {"script", "style", "iframe", "noscript", "template", "textarea", "select", "object", "title"}
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BLANK_LINE_RE = re.compile(r"\n\s*\n")
# In nh3's output (attributes always name="value", '"' escaped inside): the href/src of an <a> or
# <img>, attribute by attribute, unless it starts with a scheme or "#".
_RELATIVE_URL_ATTR_RE = re.compile(
    r'(<(?:a|img)(?:\s+[^\s=>"]+="[^"]*")*?\s+(?:href|src)=)"(?![A-Za-z][A-Za-z0-9+.-]*:|#)([^"]*)"'
)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# A quick check before the exact pattern above: its literal prefix '="' is scanned for fast.
_RELATIVE_URL_HINT_RE = re.compile(r'="(?:(?<=href=")|(?<=src="))(?![A-Za-z][A-Za-z0-9+.-]*:|#)')
# A numeric reference to a control character (which nh3 would decode into the output).
_CONTROL_REFERENCE_RE = re.compile(
    r"&#(?:0*(?:[0-9]|[12][0-9]|3[01]|127)(?![0-9])|[xX]0*(?:[0-9a-fA-F]|1[0-9a-fA-F]|7[fF])(?![0-9a-fA-F]))"
)
# "HTML" without a tag or an entity (YouTube descriptions, say) is text: keep its line breaks.
_MARKUP_HINT_RE = re.compile(r"<[A-Za-z/!?]|&#?\w+;")


def plain_text(html: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed (for excerpts and search)."""
    if not html:
        return ""
    if "<" not in html:
        return _collapse(unescape(html) if "&" in html else html)
    # Words on either side of a block boundary stay apart; nesting is limited as in sanitize_html.
    spaced = _BLOCK_TAG_RE.sub(r" \g<0>", limit_nesting(html))
    return _collapse(unescape(_text_cleaner().clean(spaced)))


def excerpt(html: str, words: int = 60) -> str:
    """The first `words` words of the visible text, with "…" when cut."""
    parts = plain_text(html).split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + "…"


def _finish(raw: _RawFeed, *, url: str, max_entries: int, warnings: list[str], parser: str) -> ParsedFeed:
    feed_author = _author_name(raw.author) if raw.is_atom else ""
    dates = [_parse_date(entry.published) or _parse_date(entry.updated) for entry in raw.entries]
    # Newest first by date; undated entries after the dated ones; ties keep document order.
    sort_keys = [(date is None, -date.timestamp() if date else 0.0, i) for i, date in enumerate(dates)]
    order = [key[2] for key in sorted(sort_keys)]
    entries: list[ParsedEntry] = []
    seen: set[str] = set()
    skipped = duplicates = 0
    for index in order:
        if len(entries) >= max_entries:
            break
        try:
            entry = _build_entry(raw.entries[index], feed_author)
        except Exception:  # one bad entry must not cost the others
            logger.warning("skipped an unreadable entry in %s", url, exc_info=True)
            skipped += 1
            continue
        if entry.guid in seen:
            duplicates += 1
            continue
        seen.add(entry.guid)
        entries.append(entry)
    total = max(raw.total, len(raw.entries))
    if total > MAX_ENTRIES_CONSIDERED:
        warnings.append(f"The feed has {total} entries; we only looked at the first {MAX_ENTRIES_CONSIDERED}.")
    if min(total, MAX_ENTRIES_CONSIDERED) > max_entries:
        warnings.append(f"Only the newest {max_entries} of {total} entries were read.")
    if skipped:
        warnings.append(f"Skipped {skipped} entries we could not read.")
    if duplicates:
        warnings.append(f"Skipped {duplicates} entries that repeat an earlier id.")
    return ParsedFeed(
        title=_title_text(raw.title, raw.title_type),
        link=_http_url(raw.link) or _site_root(url),
        entries=tuple(entries),
        warnings=tuple(dict.fromkeys(warnings)),
        parser=parser,
    )


def _build_entry(raw: _RawEntry, feed_author: str) -> ParsedEntry:
    title = _title_text(raw.title, raw.title_type)
    link = _http_url(raw.origlink) or _http_url(raw.link)
    published = _parse_date(raw.published)
    updated = _parse_date(raw.updated)
    summary = raw.summary
    if summary is not None and raw.content is not None and summary.value == raw.content.value:
        summary = None  # a summary that repeats the content adds nothing
    return ParsedEntry(
        guid=_guid(raw.guid, link, title, published or updated),
        link=link,
        title=title,
        author=_author_name(raw.author) or feed_author,
        published=published,
        updated=updated,
        categories=_categories(raw.terms),
        content_html=_html_field(raw.content, CONTENT_CAP),
        summary_html=_html_field(summary, SUMMARY_CAP),
    )


@lru_cache(maxsize=1)
def _text_cleaner() -> nh3.Cleaner:
    # Building nh3's allowlist costs more than cleaning a title; build this one once.
    return nh3.Cleaner(tags=set(), clean_content_tags=_INVISIBLE_TAGS, strip_comments=True)


def _collapse(text: str) -> str:
    return " ".join(_CONTROL_RE.sub("", text).split())


def _title_text(value: str, ctype: str) -> str:
    text = plain_text(value) if ctype in HTML_TYPES else _collapse(value)
    return text[:TITLE_CAP]


def _author_name(value: str) -> str:
    """A display name: e-mail addresses and the brackets around them removed."""
    text = _collapse(value)
    if "@" in text:
        text = _EMAIL_RE.sub("", text).replace("()", "").replace("<>", "")
        text = " ".join(text.split())
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
    return text[:AUTHOR_CAP]


def _categories(terms: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for term in terms:
        cleaned = _CONTROL_RE.sub("", term).strip()[:CATEGORY_CAP]
        if cleaned:
            seen.setdefault(cleaned, None)
        if len(seen) >= MAX_CATEGORIES:
            break
    return tuple(seen)


def _guid(value: str, link: str, title: str, date: datetime | None) -> str:
    guid = _CONTROL_RE.sub("", value).strip()
    if guid:
        return guid if len(guid) <= GUID_CAP else "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    # No id: a fingerprint of what identifies the post, the same on every harvest.
    fingerprint = "\n".join((link, title, date.isoformat() if date else ""))
    return "sha256:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def _http_url(value: str) -> str:
    url = _CONTROL_RE.sub("", value).strip()
    if not url or len(url) > LINK_CAP:
        return ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    if any(char in url for char in '\t\n\r"<>\\'):
        return ""
    return url.replace(" ", "%20")


def _site_root(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc}/"


def _html_field(raw: _RawText | None, cap: int) -> str:
    if raw is None:
        return ""
    value = raw.value
    if not value or value.isspace():
        return ""
    if raw.type == "text/plain" or (raw.type in HTML_TYPES and not _MARKUP_HINT_RE.search(value)):
        # X2: text is escaped, never parsed; its paragraphs and line breaks are kept.
        return _sanitize_capped(_text_to_html(value[:cap]), cap, "")
    if raw.type in HTML_TYPES:
        return _sanitize_capped(value[:cap], cap, raw.base)
    return ""


def _text_to_html(text: str) -> str:
    paragraphs = (part.strip() for part in _BLANK_LINE_RE.split(text.strip()))
    return "".join(f"<p>{escape(part, quote=False).replace(chr(10), '<br>')}</p>" for part in paragraphs if part)


def _absolutize(cleaned: str, base: str) -> str:
    """Make relative href/src absolute in nh3's output (only <a> and <img> keep URLs there).

    This runs on sanitised HTML on purpose: nh3 writes every attribute double-quoted with "<", ">",
    '"' and "&" escaped inside, so the pattern sees exactly the real tags, and the only change is a
    relative URL becoming an escaped absolute http(s) one.
    """
    if not base.lower().startswith(("http://", "https://")):
        return cleaned
    if not _RELATIVE_URL_HINT_RE.search(cleaned):
        return cleaned  # the usual case: every URL is already absolute

    def fix(match: re.Match[str]) -> str:
        value = unescape(match.group(2)).strip()
        if not value or value.startswith("#") or _SCHEME_RE.match(value):
            return match.group(0)
        return f'{match.group(1)}"{escape(_urljoin(base, value), quote=True)}"'

    return _RELATIVE_URL_ATTR_RE.sub(fix, cleaned)


def _sanitize_capped(fragment: str, cap: int, base: str) -> str:
    cleaned = _absolutize(sanitize_html(fragment), base)
    margin = 1024
    while len(cleaned) > cap and margin < cap:
        # Cutting sanitised HTML can split a tag; cleaning the cut again closes it properly.
        cleaned = sanitize_html(cleaned[: cap - margin])
        margin *= 4
    if len(cleaned) > cap:
        return ""
    if "\x7f" in cleaned or ("&#" in fragment and _CONTROL_REFERENCE_RE.search(fragment)):
        # nh3 turns "&#1;" into a raw control character; XML text itself cannot contain one.
        cleaned = _CONTROL_RE.sub("", cleaned)
    return cleaned
