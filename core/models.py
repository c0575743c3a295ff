"""What core keeps in the database of its own: the background jobs that failed (D4)."""

from django.db import models


class JobState(models.TextChoices):
    RETRYING = "retrying", "Failed, will be tried again"
    FAILED = "failed", "Failed, given up"
    RESOLVED = "resolved", "Resolved"


class FailedJob(models.Model):
    """A background job that raised: one row per job (a periodic job's runs share one), kept after its last
    retry as the visible "failed" state staff see at /staff/jobs/ and are e-mailed about (core.jobs)."""

    key = models.CharField(max_length=200, unique=True)  # Huey's task id; "periodic:<name>" for a periodic job
    name = models.CharField(max_length=200)  # the Django task's path, or the periodic job's name
    arguments = models.JSONField(default=dict)  # {"args": [...], "kwargs": {...}}: ids and strings only
    state = models.CharField(max_length=10, choices=JobState, default=JobState.RETRYING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500)  # the last exception, in one line
    traceback = models.TextField(blank=True)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "-last_failed_at"], name="failedjob_state")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"


class RunningJob(models.Model):
    """A Django task a worker has started and not yet finished (D2 for every job). Huey takes a job off its
    queue before running it, so a worker killed mid-job (SIGKILL, the OOM killer, a power cut) would lose
    it: a row older than JOB_LEASE_MINUTES is such a job, and core.services.recover_lost runs it again."""

    key = models.CharField(max_length=200, unique=True)  # Huey's task id
    name = models.CharField(max_length=200)  # the Django task's path
    arguments = models.JSONField(default=dict)
    started_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.name} since {self.started_at:%Y-%m-%d %H:%M}"
