"""What parsing hands back: a ParsedFeed of ParsedEntry values (plain frozen dataclasses), or a
FeedError saying in plain words why the bytes could not be read.
"""

from dataclasses import dataclass
from datetime import datetime

from core.exceptions import ActionError


class FeedError(ActionError):
    """The bytes are not a feed we can read; `message` says why in plain words."""

    default_message = "This isn't a feed we can read."


@dataclass(frozen=True)
class ParsedEntry:
    guid: str
    link: str
    title: str
    author: str
    published: datetime | None
    updated: datetime | None
    categories: tuple[str, ...]
    content_html: str
    summary_html: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    link: str
    entries: tuple[ParsedEntry, ...]
    warnings: tuple[str, ...]
    parser: str
