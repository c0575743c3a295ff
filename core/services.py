"""Writes of core's own: the record of background jobs that failed (D4), the alert when one gives up, and the
jobs a worker was running when it died, run again (D2)."""

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import mail_admins, send_mail
from django.db import transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from core.exceptions import ActionError
from core.models import FailedJob, JobState, RunningJob

log = logging.getLogger(__name__)

ERROR_MAX = 500
TRACEBACK_MAX = 20_000


def record_failure(
    *,
    key: str,
    name: str,
    arguments: dict[str, Any],
    error: str,
    traceback: str,
    final: bool,
    now: dt.datetime | None = None,
) -> FailedJob:
    """Record one failed attempt of a job. `final` when it will not be tried again: the job is then in the
    failed state, and staff are alerted the first time it gets there (a periodic job failing run after run
    alerts once, until someone resolves it). Never raises for a job's own data; a database error propagates."""
    now = now or timezone.now()
    with transaction.atomic():
        job, _ = FailedJob.objects.select_for_update().get_or_create(
            key=key[:200],
            defaults={"name": name[:200], "arguments": arguments, "first_failed_at": now, "last_failed_at": now},
        )
        was = job.state if job.attempts else None
        if was == JobState.RESOLVED:  # failing again after it was resolved: a new episode
            job.attempts, job.first_failed_at, job.resolved_at, job.resolution = 0, now, None, ""
        job.attempts += 1
        job.error = error[:ERROR_MAX]
        job.traceback = traceback[-TRACEBACK_MAX:]
        job.last_failed_at = now
        job.state = JobState.FAILED if final else JobState.RETRYING
        job.save()
        if job.state == JobState.FAILED and was != JobState.FAILED:
            log.error("Background job %s gave up after %s attempt(s): %s", job.name, job.attempts, job.error)
            transaction.on_commit(lambda: _alert(job))
        elif job.state == JobState.RETRYING:
            log.warning("Background job %s failed (attempt %s), will retry: %s", job.name, job.attempts, job.error)
    return job


def _alert(job: FailedJob) -> None:
    """E-mail the site's ADMINS, or its active staff when none are configured, that a job gave up."""
    subject = f"A background job failed: {job.name}"
    body = (
        f"{job.name} failed {job.attempts} time(s) and will not be tried again.\n\n"
        f"Last error: {job.error}\n"
        f"First failed: {job.first_failed_at:%Y-%m-%d %H:%M} UTC; last: {job.last_failed_at:%Y-%m-%d %H:%M} UTC\n\n"
        f"Run it again or dismiss it at {settings.SITE_URL}/staff/jobs/\n"
    )
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    try:
        if settings.ADMINS:
            mail_admins(subject, body)
        elif recipients := list(staff.values_list("email", flat=True)):
            send_mail(subject, body, None, recipients)
    except Exception:  # the failed state is recorded and logged; a mail server being down must not hide it
        log.exception("could not e-mail the alert that %s failed", job.name)


def record_success(*, key: str, now: dt.datetime | None = None) -> bool:
    """A job ran to the end: if it had failed before (a retry that worked, or a periodic job's next run),
    its record is resolved. Returns whether there was one. Reads first, so the usual case writes nothing."""
    pending = FailedJob.objects.filter(key=key).exclude(state=JobState.RESOLVED)
    if not pending.exists():
        return False
    return bool(
        pending.update(state=JobState.RESOLVED, resolved_at=now or timezone.now(), resolution="a later run worked")
    )


def _open(job_id: int) -> FailedJob:
    """A job that gave up, locked. One still being retried is the queue's to run: running it again as well
    would run it twice, and dismissing it would not stop the retry."""
    job = FailedJob.objects.select_for_update().filter(pk=job_id).exclude(state=JobState.RESOLVED).first()
    if job is None:
        raise ActionError("That job is no longer waiting for a decision.")
    if job.state == JobState.RETRYING:
        raise ActionError("That job will be tried again on its own; decide once it has given up.")
    return job


def run_again(*, job_id: int, actor_name: str) -> FailedJob:
    """Enqueue a failed Django task again with its arguments (a new job, with its own retries), and resolve
    this record. Raises ActionError for a periodic job (it runs again on its schedule) or a task that no
    longer exists."""
    with transaction.atomic():
        job = _open(job_id)
        if not _enqueue_again(job.name, job.arguments):
            raise ActionError(f"{job.name} is not a task that can be run again; it runs again on its schedule.")
        _resolve(job, f"run again by {actor_name}")
    return job


def dismiss(*, job_id: int, actor_name: str) -> FailedJob:
    """Mark a failed job as dealt with, without running it again."""
    with transaction.atomic():
        job = _open(job_id)
        _resolve(job, f"dismissed by {actor_name}")
    return job


def _enqueue_again(name: str, arguments: dict[str, Any]) -> bool:
    """Enqueue the Django task at `name` with these arguments; False when `name` is no such task (a periodic
    job, or a task that is gone or whose module no longer imports)."""
    try:
        task = import_string(name)
    except Exception:
        return False
    if not isinstance(task, Task):
        return False
    task.enqueue(*arguments.get("args", []), **arguments.get("kwargs", {}))
    return True


def _resolve(job: FailedJob, resolution: str) -> None:
    job.state, job.resolved_at, job.resolution = JobState.RESOLVED, timezone.now(), resolution[:200]
    job.save(update_fields=["state", "resolved_at", "resolution"])


LOST = "LostJob: the worker stopped while running it (killed, or its machine restarted)"


def job_started(*, key: str, name: str, arguments: dict[str, Any], now: dt.datetime | None = None) -> None:
    """A worker starts a Django task (or a retry of one): noted until it ends."""
    RunningJob.objects.update_or_create(
        key=key[:200], defaults={"name": name[:200], "arguments": arguments, "started_at": now or timezone.now()}
    )


def job_ended(*, key: str) -> None:
    """The task returned or raised (its retries, if any, are Huey's): nothing is left to recover."""
    RunningJob.objects.filter(key=key[:200]).delete()


def lost_key(name: str, arguments: dict[str, Any]) -> str:
    """The record of a task's losses: one per task and arguments, whichever run of it was lost."""
    signature = json.dumps([name, arguments], sort_keys=True)
    return "lost:" + hashlib.sha256(signature.encode()).hexdigest()[:40]


def recover_lost(now: dt.datetime | None = None) -> int:
    """Run again each Django task a worker started more than JOB_LEASE_MINUTES ago and never finished: its
    worker died. Every task is written to be run again (each says how). Each loss counts as a failed attempt
    of that task with those arguments; after TASK_RETRIES losses it is not run again but shown as failed,
    and staff are alerted, so a job that kills its worker cannot do so forever. Returns how many were
    enqueued again."""
    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=settings.JOB_LEASE_MINUTES)
    again = 0
    for job in RunningJob.objects.filter(started_at__lt=stale).order_by("started_at")[:500]:
        with transaction.atomic():
            if not RunningJob.objects.filter(pk=job.pk).delete()[0]:
                continue  # another worker's sweep took it
            key = lost_key(job.name, job.arguments)
            losses = (
                FailedJob.objects.filter(key=key).exclude(state=JobState.RESOLVED).values_list("attempts", flat=True)
            )
            enqueued = (losses.first() or 0) < settings.TASK_RETRIES and _enqueue_again(job.name, job.arguments)
            record_failure(
                key=key, name=job.name, arguments=job.arguments, error=LOST, traceback="", final=not enqueued, now=now
            )
            again += enqueued
    return again
