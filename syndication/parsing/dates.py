"""Feed dates as aware UTC datetimes: ISO 8601, RFC 822 (its common shape by a quick pattern, the rest
by the standard library), then whatever feedparser's date handlers know; cached, shared by both paths.
"""

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache

from feedparser.datetimes import _parse_date as feedparser_parse_date

_RFC822_RE = re.compile(
    r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?"
    r"\s*(?:([+-])(\d{2}):?(\d{2})|GMT|UTC|UT|Z)?\Z"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


@lru_cache(maxsize=4096)
def _parse_date(value: str) -> datetime | None:
    """RFC 822 or ISO 8601 (or anything feedparser's date handlers know), as an aware UTC datetime."""
    text = value.strip()[:100]
    if not text:
        return None
    parsed: datetime | None = None
    try:
        if text[:4].isdigit() and text[4:5] == "-":
            parsed = datetime.fromisoformat(text)
        else:
            parsed = _parse_rfc822(text) or parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        try:
            fields = feedparser_parse_date(text)
            if fields:
                year, month, day, hour, minute, second = fields[:6]
                parsed = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        except Exception:  # feedparser's many date handlers are not all careful
            return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC).replace(microsecond=0)
    except (OverflowError, ValueError):
        return None


def _parse_rfc822(text: str) -> datetime | None:
    """The common shape "Tue, 03 Mar 2026 21:14:07 +0000", quickly; None for anything else."""
    match = _RFC822_RE.match(text)
    if not match:
        return None
    day, month_name, year, hour, minute, second, sign, offset_hours, offset_minutes = match.groups()
    month = _MONTHS.get(month_name.lower())
    if month is None:
        return None
    offset = 0
    if sign:
        offset = int(offset_hours) * 60 + int(offset_minutes)
        offset = -offset if sign == "-" else offset
    moment = datetime(int(year), month, int(day), int(hour), int(minute), int(second or 0), tzinfo=UTC)
    return moment - timedelta(minutes=offset)
