"""Reads for moderation: the course's queue of open reports, each item once with every reason given."""

from dataclasses import dataclass, field

from courses.models import Course
from moderation.models import Report, Verdict


@dataclass
class QueueItem:
    first: Report  # the oldest open report of the item (its verdict closes them all)
    reports: list[Report] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return sorted({r.get_reason_display() for r in self.reports})


def queue(course: Course) -> list[QueueItem]:
    """Open reports grouped by what they are about, oldest first."""
    items: dict[tuple[int | None, int | None], QueueItem] = {}
    rows = (
        Report.objects.filter(course=course, verdict=Verdict.OPEN)
        .select_related("reporter", "artifact__author", "comment__author")
        .order_by("created_at", "id")
    )
    for report in rows:
        key = (report.artifact_id, report.comment_id)
        items.setdefault(key, QueueItem(first=report)).reports.append(report)
    return list(items.values())


def decided(course: Course, limit: int = 50) -> list[Report]:
    return list(
        Report.objects.filter(course=course)
        .exclude(verdict=Verdict.OPEN)
        .select_related("decided_by", "reporter")
        .order_by("-decided_at", "-id")[:limit]
    )
