"""Reads of core's own: the background jobs that failed, for the staff page."""

from django.db.models import QuerySet

from core.models import FailedJob, JobState

RECENTLY_RESOLVED = 20


def open_failures() -> QuerySet[FailedJob]:
    """Jobs that gave up or are waiting for a retry, the latest failure first."""
    return FailedJob.objects.exclude(state=JobState.RESOLVED).order_by("-last_failed_at", "-pk")


def recently_resolved() -> QuerySet[FailedJob]:
    """The last few failures that were dealt with (run again, dismissed, or a later run worked)."""
    return FailedJob.objects.filter(state=JobState.RESOLVED).order_by("-resolved_at", "-pk")[:RECENTLY_RESOLVED]
