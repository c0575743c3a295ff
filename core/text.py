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
# html5ever (inside nh3) walks the stack of open elements for each block start tag, so cleaning thousands of
# nested <div>s, <ul>s or <blockquote>s takes time quadratic in the depth: 40,000 of them (200 KB) take
# seconds. Browsers stop nesting at 512; past MAX_NESTING, start tags are dropped (their text stays).
MAX_NESTING = 256
_TAG_RE = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")
# Start tags that never deepen the tree by themselves: void elements, and those a sibling closes.
_FLAT_TAGS = frozenset(
    {
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"),
        *("p", "li", "dd", "dt", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot", "colgroup"),
        *("caption", "rb", "rt", "rp"),
    }
)
_ANCHOR_TAG_RE = re.compile(r"<(/?)a[\s>]")
# Elements that bound a scope or take part in table parsing: when the allowlist drops one, what it held apart
# can parse differently the second time.
_RESHAPING_RE = re.compile(
    r"<(?:object|applet|marquee|button|caption|template|select|svg|math|col|colgroup|frameset|html|body|table)\b",
    re.I,
)


def _has_nested_anchor(html: str) -> bool:
    depth = 0
    for match in _ANCHOR_TAG_RE.finditer(html):
        depth = depth - 1 if match.group(1) else depth + 1
        if depth > 1:
            return True
    return False


# An anchor's start tag as nh3 writes it (attribute values in double quotes, which they cannot contain), or its end.
_ANCHOR_TAG_EXACT_RE = re.compile(r'<a(?:\s+[^\s=>"/]+(?:="[^"]*")?)*\s*>|</a>')


def _unnest_anchors(html: str) -> str:
    """`html` (well-formed, as nh3 writes it) without the anchors inside another anchor, their content kept.
    The HTML parser itself nests them when a table sits between (`<a><table><td><a>`): stable, but a link
    inside a link."""
    kept: list[str] = []
    dropped: list[bool] = []  # for each open anchor: was its start tag left out?
    last = 0
    for match in _ANCHOR_TAG_EXACT_RE.finditer(html):
        if match.group(0) == "</a>":
            drop = dropped.pop() if dropped else False
        else:
            drop = not all(dropped)  # inside an anchor that was kept
            dropped.append(drop)
        if drop:
            kept.append(html[last : match.start()])
            last = match.end()
    kept.append(html[last:])
    return "".join(kept)


def limit_nesting(html: str, depth: int = MAX_NESTING) -> str:
    """`html` with the start tags nested deeper than `depth` removed (counted from the tags as written)."""
    if html.count("<") <= depth:  # most text: it cannot be that deep
        return html
    level = 0
    kept: list[str] = []
    last = 0
    for match in _TAG_RE.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in _FLAT_TAGS or match.group(0).endswith("/>"):
            continue
        if closing:
            level = max(level - 1, 0)
            continue
        level += 1
        if level > depth:
            kept.append(html[last : match.start()])
            last = match.end()
    if not kept:
        return html
    kept.append(html[last:])
    return "".join(kept)


def sanitize_html(html: str) -> str:
    """Clean untrusted HTML with nh3's allowlist; links get rel=noopener noreferrer ugc nofollow.

    Control characters (which nh3 keeps, even from `&#1;`) are removed. The result is stable: cleaning
    it again changes nothing. html5ever writes some trees that parse differently a second time: misnested
    links (`<a><table><a>`) as nested anchors, and what was held apart by an element the allowlist drops
    (`<p><object><p>` as nested paragraphs, `<table><caption><p>` as a paragraph in a table); such output
    is cleaned until it settles, and an anchor the parser leaves inside another (across a table cell) is
    unwrapped."""
    clean = _cleaner().clean(limit_nesting(html))
    if _RESHAPING_RE.search(html) or ("<a" in clean and _has_nested_anchor(clean)):
        for _ in range(3):
            again = _cleaner().clean(clean)
            if again == clean:
                break
            clean = again
        if "<a" in clean and _has_nested_anchor(clean):
            clean = _unnest_anchors(clean)
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
