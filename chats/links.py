"""Links shared in chat answers: finding them in what people wrote, and reading a page's title."""

import re

import lxml.html
from lxml import etree

# A bare address or the target of a Markdown link, up to a space, a bracket or a quote.
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"
MAX_TITLE = 300


def urls_in(text: str) -> list[str]:
    """The http(s) addresses in a piece of text, in order, each once; sentence punctuation after one is dropped."""
    seen: dict[str, None] = {}
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if len(url) <= 1000:
            seen.setdefault(url, None)
    return list(seen)


def _decoded(body: bytes, charset: str) -> str | bytes:
    """The page as text when its charset is known or it is UTF-8; else the bytes, for lxml to read its <meta>."""
    for encoding in filter(None, (charset, "utf-8")):
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return body


def page_title(body: bytes, charset: str = "") -> str:
    """The page's title: its Open Graph title, else its <title>; '' when it has neither or is not HTML.
    `charset` is the one the server named in its Content-Type, if any."""
    if not body.strip():
        return ""
    try:
        root = lxml.html.document_fromstring(_decoded(body, charset))
    except (etree.ParserError, ValueError):
        return ""
    for value in root.xpath("//meta[@property='og:title']/@content") + root.xpath("//title/text()"):
        title = " ".join(str(value).split())
        if title:
            return title[:MAX_TITLE]
    return ""
