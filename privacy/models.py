"""A person's copy of everything that is theirs (D5): asked for on the settings page, built by the worker."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

# A finished download is kept this long, then it must be asked for again.
KEEP_FOR = dt.timedelta(days=7)
# A build that has not finished after this long is taken to have died with its worker.
STALE_AFTER = dt.timedelta(minutes=30)


class ExportStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a worker"
    BUILDING = "building", "Being put together"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Could not be made"


class Export(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.WAITING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done while building.")
    file_name = models.CharField(max_length=200, blank=True, help_text="Under EXPORT_ROOT, never under media.")
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["user", "-requested_at"])]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id}: {self.status}"

    @property
    def expires_at(self) -> dt.datetime | None:
        return self.finished_at + KEEP_FOR if self.finished_at and self.status == ExportStatus.READY else None

    def expired(self, now: dt.datetime | None = None) -> bool:
        expires = self.expires_at
        return expires is not None and (now or timezone.now()) >= expires

    def in_progress(self, now: dt.datetime | None = None) -> bool:
        """Waiting or building, and not left behind by a worker that died."""
        if self.status not in (ExportStatus.WAITING, ExportStatus.BUILDING):
            return False
        since = self.started_at or self.requested_at
        return (now or timezone.now()) - since < STALE_AFTER


class Erasure(models.Model):
    """A person deleted their account. The account row stays (its handle is reserved, never reused) but is
    emptied; `finished_at` is set once every step of the erasure ran. `commonplace erase` finishes any that
    a crash left half-way: every step is safe to run again."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erasure")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"erasure of {self.user_id}"
