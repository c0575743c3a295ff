"""Reads for moderation: the course's queue of open reports, each item once with every reason given, and
what the content checks hold for a facilitator."""

import hashlib
from dataclasses import dataclass, field

from django.db.models import QuerySet

from courses.models import Course
from moderation.models import Report, Verdict
from posts.models import Artifact, Comment


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


@dataclass
class HeldItem:
    """A comment or post held for a facilitator: stored, seen only by its writer and the facilitators."""

    artifact: Artifact
    comment: Comment | None = None

    @property
    def kind(self) -> str:
        return "comment" if self.comment is not None else "post"

    @property
    def item(self) -> Artifact | Comment:
        return self.comment if self.comment is not None else self.artifact

    @property
    def reason(self) -> str:
        return self.item.held_reason

    @property
    def version(self) -> str:
        """What the facilitator read, in short: it changes with every edit, so a decision made on what was
        there before an edit is refused (`moderation.services.decide_held`, `seen`)."""
        if self.comment is not None:
            stamp = f"{self.comment.body}|{self.comment.edited_at}"
        else:
            a = self.artifact
            stamp = f"{a.title}|{a.body}|{a.url}|{a.passage}|{a.image_alt}|{a.image.name}|{a.updated_at}"
        return hashlib.sha256(stamp.encode()).hexdigest()[:16]


def held_comments(course: Course) -> QuerySet[Comment]:
    """The course's held comments not removed, oldest first, found from the partial index `comment_held` (the held
    comments of every course, few) and then kept to the course. Filtered on the course first, SQLite (knowing
    nothing of an empty partial index) walked every comment of the course's artifacts: 600 ms for a course of
    100,000 artifacts with nothing held; 4 ms this way."""
    waiting = Comment.objects.filter(removed_at__isnull=True).exclude(held_reason="").values("pk")
    return Comment.objects.filter(pk__in=waiting, artifact__course=course).order_by("created_at", "id")


def held(course: Course) -> list[HeldItem]:
    """Posts and comments in the course waiting for a facilitator, oldest first (posts, then comments)."""
    posts = Artifact.objects.filter(course=course).exclude(held_reason="").select_related("author", "course")
    comments = held_comments(course).select_related("author", "artifact__author", "artifact__course")
    items = [HeldItem(artifact=a) for a in posts.order_by("created_at", "id")]
    items += [HeldItem(artifact=c.artifact, comment=c) for c in comments]
    return items


def approved(item: Artifact | Comment) -> bool:
    """Whether a facilitator has looked at this post or comment and kept it: approved it when it was held, or
    kept it when it was reported."""
    if isinstance(item, Comment):
        reports = Report.objects.filter(comment=item)
    else:
        reports = Report.objects.filter(artifact=item, comment__isnull=True)
    return reports.filter(verdict=Verdict.KEPT).exists()


def held_one(course: Course, kind: str, pk: int) -> HeldItem | None:
    """One held post or comment of the course, or None (not held, not there, or another course's)."""
    if kind == "post":
        artifact = Artifact.objects.filter(course=course, pk=pk).exclude(held_reason="").first()
        return HeldItem(artifact=artifact) if artifact is not None else None
    if kind == "comment":
        comment = held_comments(course).filter(pk=pk).select_related("artifact__course").first()
        return HeldItem(artifact=comment.artifact, comment=comment) if comment is not None else None
    return None
