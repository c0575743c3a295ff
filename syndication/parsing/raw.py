"""The raw values both parsers produce (the fast path and feedparser alike) before one set of functions
normalises them, and the rules both paths share about them: how many entries are read, which types are HTML.
"""

from dataclasses import dataclass, field

MAX_ENTRIES_CONSIDERED = 10_000  # entries past this many (in document order) are not read at all

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(slots=True)
class _RawText:
    value: str
    type: str
    base: str


@dataclass(slots=True)
class _RawEntry:
    guid: str = ""
    link: str = ""
    origlink: str = ""
    title: str = ""
    title_type: str = "text/plain"
    author: str = ""
    published: str = ""
    updated: str = ""
    terms: list[str] = field(default_factory=list)
    content: _RawText | None = None
    summary: _RawText | None = None


@dataclass(slots=True)
class _RawFeed:
    is_atom: bool
    title: str = ""
    title_type: str = "text/plain"
    link: str = ""
    author: str = ""
    entries: list[_RawEntry] = field(default_factory=list)
    total: int = 0  # entries in the document, however many were read
