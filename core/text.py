"""Markdown rendering and HTML sanitising: the only way user text becomes HTML."""

import re
from functools import cache

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


def sanitize_html(html: str) -> str:
    """Clean untrusted HTML with nh3's allowlist; links get rel=noopener noreferrer ugc nofollow."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer ugc nofollow",
        strip_comments=True,
    )


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
