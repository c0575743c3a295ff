"""Find a blog's feed from its web page: <link rel="alternate"> first, then the usual feed paths."""

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

COMMON_FEED_PATHS: tuple[str, ...] = (
    "/feed/",
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/index.xml",
    "/feed.xml",
    "/feeds/posts/default",
    "/?feed=rss2",
)

# Only formats parse_feed reads. JSON Feed (application/feed+json) is left out on purpose: offering
# it would send the harvester to a URL it cannot parse while an RSS link sits next to it.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
_SNIFF_TYPES = FEED_TYPES | {"application/xml", "text/xml", "application/x-rss+xml"}
_SNIFF_BYTES = 4096
_PROLOG_RE = re.compile(rb"""\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^>\[]|\[[^\]]*\])*>""", re.S | re.I)
_FEED_ROOT_RE = re.compile(rb"<(?:[\w.-]+:)?(?:rss|feed|RDF)[\s>/]")
_HTML_ROOT_RE = re.compile(rb"<html[\s>]", re.I)


def looks_like_feed(data: bytes, content_type: str = "") -> bool:
    """A quick sniff: does the document start with an rss, feed or rdf:RDF root?

    The content type only decides when the first few KB are inconclusive: servers label feeds
    text/html and error pages application/rss+xml often enough that the bytes come first.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    head = _as_ascii_compatible(data[:_SNIFF_BYTES])
    pos = 0
    while True:
        match = _PROLOG_RE.match(head, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
    if _FEED_ROOT_RE.match(head, pos):
        return True
    if _HTML_ROOT_RE.match(head, pos) or head[pos : pos + 1] not in (b"", b"<"):
        return False
    return media_type in FEED_TYPES


def _as_ascii_compatible(head: bytes) -> bytes:
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:]
    for marker, encoding in (
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"<\x00", "utf-16-le"),
        (b"\x00<", "utf-16-be"),
    ):
        if head.startswith(marker):
            return head.decode(encoding, "ignore").lstrip("\ufeff").encode("utf-8", "ignore")
    return head


def feed_links(html: bytes, base_url: str) -> list[str]:
    """Absolute http(s) URLs of the page's RSS/Atom alternate links, in document order, without repeats."""
    if not html or not html.strip():
        return []
    parser = etree.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        root = etree.fromstring(html, parser)
    except (etree.LxmlError, ValueError):
        return []
    if root is None:
        return []
    base = base_url
    for element in root.iter("base"):
        href = (element.get("href") or "").strip()
        if href:
            candidate = _join(base_url, href)
            if candidate:
                base = candidate
        break
    found: dict[str, None] = {}
    for element in root.iter("link"):
        rel = (element.get("rel") or "").lower().split()
        media_type = (element.get("type") or "").split(";", 1)[0].strip().lower()
        href = (element.get("href") or "").strip()
        if "alternate" not in rel or media_type not in FEED_TYPES or not href:
            continue
        url = _join(base, href)
        if url:
            found.setdefault(url, None)
    return list(found)


def fallback_candidates(page_url: str) -> list[str]:
    """The common feed locations on the page's site, to try when the page names no feed."""
    try:
        parts = urlsplit(page_url)
    except ValueError:
        return []
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return []
    root = f"{parts.scheme.lower()}://{parts.netloc}"
    return list(dict.fromkeys(root + path for path in COMMON_FEED_PATHS))


def _join(base: str, href: str) -> str:
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url
