"""Core's background work: running again the jobs a worker died in the middle of (D2 for every job)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core import services


@db_periodic_task(crontab(minute="*/5"))
def recover_lost_jobs() -> int:
    """Every five minutes: enqueue again each job whose worker stopped while running it."""
    return services.recover_lost()
