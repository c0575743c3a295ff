"""Recording that past days changed (`ChangedDay`), for whatever keeps counts per day (the insights rollups)."""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from posts.models import ChangedDay


def days_changed(moments: Iterable[dt.datetime | None]) -> int:
    """Mark the UTC days of these moments as changed now (today's and later days are not counted yet, so
    they are left out). Returns how many days were marked."""
    now = timezone.now()
    today = now.astimezone(dt.UTC).date()
    days = sorted({day for m in moments if m is not None and (day := m.astimezone(dt.UTC).date()) < today})
    ChangedDay.objects.bulk_create(
        [ChangedDay(day=day, changed_at=now) for day in days],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["changed_at"],
    )
    return len(days)
