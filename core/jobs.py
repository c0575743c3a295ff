"""Every background job's retries (D4): bounded, with growing delays, then a visible failed state and an alert.

Django's Tasks API runs on Huey through Huey's own backend, which enqueues each Django task as one Huey task
(`djtasks.run`) and takes no retry options. `HueyBackend` below is that backend with the site's policy set
on that Huey task: TASK_RETRIES more attempts after the first, TASK_RETRY_DELAY_SECONDS before the first
retry, multiplied by TASK_RETRY_BACKOFF before each next one (60 s, 120 s, 240 s by default). The policy
travels in each queued message, so the worker that runs a job needs no settings of its own for it.

`connect(huey)` subscribes to Huey's signals in every process (core's AppConfig.ready): each failed attempt
of any job, Django task or periodic, is recorded by `core.services.record_failure`, which alerts staff when
a job gives up; a later success resolves the record. Periodic jobs are not retried: they run again on their
schedule.

A Django task a worker starts is noted (`core.models.RunningJob`) until it returns or raises. Huey has taken
it off the queue by then, so if the worker is killed the job would be lost: `core.tasks.recover_lost_jobs`
(every five minutes) runs again each one started more than JOB_LEASE_MINUTES ago, counting each loss as a
failed attempt (D2 for every job; the harvest has its own lease per blog as well).
"""

from traceback import format_exception
from typing import Any

from django.conf import settings
from huey import signals
from huey.api import Huey, PeriodicTask
from huey.api import Task as HueyTask
from huey.contrib.djhuey import close_db, tasks_backend

from core import services

DJANGO_TASK = "djtasks.run"  # the Huey task that runs a Django task (huey.contrib.djhuey.tasks_backend)


class HueyBackend(tasks_backend.HueyBackend):
    """Huey's backend for Django's Tasks API, with every Django task's retries set from the settings."""

    def enqueue(self, task: Any, args: Any, kwargs: Any) -> Any:
        runner = tasks_backend._shim.task_class  # the one Huey task every Django task is enqueued as
        runner.default_retries = settings.TASK_RETRIES
        runner.default_retry_delay = settings.TASK_RETRY_DELAY_SECONDS
        runner.default_retry_backoff = settings.TASK_RETRY_BACKOFF
        return super().enqueue(task, args, kwargs)


def describe(task: HueyTask) -> tuple[str, str, dict[str, Any]]:
    """(key, name, arguments) of a Huey task: a Django task by its path and arguments, keyed by its id;
    a periodic job by its name, keyed by that name, so its runs share one record."""
    if isinstance(task, PeriodicTask):
        name = f"{type(task).__module__}.{task.name}"
        return f"periodic:{name}", name, {}
    if task.name == DJANGO_TASK and len(task.args) == 3:
        path, args, kwargs = task.args
        return task.id, str(path), {"args": list(args), "kwargs": dict(kwargs)}
    return task.id, task.name, {}


@close_db  # the receivers run in the worker's threads after the job's own connection is closed
def on_error(signal: str, task: HueyTask, exc: BaseException | None = None) -> None:
    key, name, arguments = describe(task)
    timed_out = signal == signals.SIGNAL_TIMEOUT
    error = f"{type(exc).__name__}: {exc}" if exc is not None else ("TaskTimeout" if timed_out else "failed")
    trace = "".join(format_exception(exc)) if exc is not None else ""
    # Huey emits the error before it requeues: `retries` is still the number of attempts left.
    services.record_failure(
        key=key, name=name, arguments=arguments, error=error, traceback=trace, final=not task.retries
    )
    if _is_django_task(task):
        services.job_ended(key=key)  # it raised, so it was not lost; Huey retries it if it may


@close_db
def on_complete(signal: str, task: HueyTask) -> None:
    key, name, arguments = describe(task)
    services.record_success(key=key)
    if _is_django_task(task):
        services.job_ended(key=key)
        services.record_success(key=services.lost_key(name, arguments))  # a lost run, run again, finished


@close_db
def on_executing(signal: str, task: HueyTask) -> None:
    if _is_django_task(task):
        key, name, arguments = describe(task)
        services.job_started(key=key, name=name, arguments=arguments)


def _is_django_task(task: HueyTask) -> bool:
    return not isinstance(task, PeriodicTask) and task.name == DJANGO_TASK


MARK = "_commonplace_jobs_connected"


def connect(huey: Huey) -> None:
    """Record every job's failures and recoveries from this Huey (once per Huey, however often called; the
    mark is on the Huey itself, as an id could be reused by a later one)."""
    if getattr(huey, MARK, False):
        return
    setattr(huey, MARK, True)
    huey.signal(signals.SIGNAL_EXECUTING)(on_executing)
    huey.signal(signals.SIGNAL_ERROR, signals.SIGNAL_TIMEOUT)(on_error)
    huey.signal(signals.SIGNAL_COMPLETE)(on_complete)
