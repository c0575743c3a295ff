"""Markdown rendering and HTML sanitising: the only way user text becomes HTML."""

import re
import unicodedata
from functools import cache
from html import unescape

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "img",
    "figure",
    "figcaption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align"},
    "td": {"align"},
    "code": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
HASHTAG_RE = re.compile(r"(?<![\w/&#])#([A-Za-z][A-Za-z0-9_-]{0,49})\b")


@cache
def _markdown() -> MarkdownIt:
    # "commonmark" with raw HTML off: HTML typed into a post is shown as text.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


@cache
def _cleaner() -> nh3.Cleaner:
    # Built once: building nh3's allowlist costs about as much as cleaning a short post.
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer ugc nofollow",
        strip_comments=True,
    )


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANCHOR_TAG_RE = re.compile(r"<(/?)a[\s>]")


def _has_nested_anchor(html: str) -> bool:
    depth = 0
    for match in _ANCHOR_TAG_RE.finditer(html):
        depth = depth - 1 if match.group(1) else depth + 1
        if depth > 1:
            return True
    return False


def sanitize_html(html: str) -> str:
    """Clean untrusted HTML with nh3's allowlist; links get rel=noopener noreferrer ugc nofollow.

    Control characters (which nh3 keeps, even from `&#1;`) are removed. The result is stable: cleaning
    it again changes nothing (html5ever writes misnested links, e.g. `<a><table><a>`, as nested
    anchors, which parse differently a second time, so such output is cleaned until it settles)."""
    clean = _cleaner().clean(html)
    for _ in range(3):
        if "<a" not in clean or not _has_nested_anchor(clean):
            break
        clean = _cleaner().clean(clean)
    return _CONTROL_RE.sub("", clean) if _CONTROL_RE.search(clean) else clean


def render_markdown(text: str) -> str:
    """Render Markdown (raw HTML off), then sanitise the result."""
    return sanitize_html(_markdown().render(text or ""))


def extract_hashtags(*texts: str) -> list[str]:
    """Hashtags in the texts, lower-cased, in first-seen order, without the '#'."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in HASHTAG_RE.finditer(text or ""):
            seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def normalize_tag(name: str) -> str:
    """A tag as stored: no leading '#', lower case, spaces to hyphens."""
    return re.sub(r"\s+", "-", name.strip().lstrip("#").strip().lower())[:50]


_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


def html_to_text(html: str) -> str:
    """The words of sanitised HTML: tags become spaces, entities are decoded, runs of space become one."""
    return " ".join(unescape(_TAG.sub(" ", html)).split()) if html else ""


# The blocks of combining diacritical marks (accents and the like) that NFKD splits off Latin, Greek and
# Cyrillic letters: a short character class keeps removing them fast.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Text as search and filters compare it: lower case, accents removed (é → e), compatibility forms
    unified (ﬁ → fi). Lower case rather than casefold, as SQLite's FTS5 tokenizer does (ß stays ß)."""
    if text.isascii():  # most text: nothing to decompose
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFKD", text.lower()))
