"""D3 of SECURITY-TESTS.md for every kind of background job: a job enqueued inside a transaction that rolls
back never reaches the queue, and one enqueued inside a transaction that commits is there once the commit is
done (so the worker always finds the rows it was given). Every Django task of every app is found by looking
through the apps' task modules, so a new kind of job is covered without being listed here."""

import importlib
import pkgutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from django.tasks import Task

from config.tests.test_infrastructure import ROOT


def _task_modules() -> Iterator[str]:
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if ROOT not in folder.parents:
            continue  # Django's own apps and third-party ones
        for module in pkgutil.iter_modules([str(folder)]):
            if module.name == "tasks" or module.name.startswith("tasks_"):
                yield f"{config.name}.{module.name}"


def every_task() -> list[Task]:
    found: dict[str, Task] = {}
    for name in _task_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Task) and value.module_path.startswith(name):
                found[value.module_path] = value
    return [found[path] for path in sorted(found)]


TASKS = every_task()


def test_every_app_with_background_work_is_found() -> None:
    """The discovery itself: the harvest, the downloads, erasure, search indexing and rollups are there."""
    paths = {task.module_path for task in TASKS}
    for expected in (
        "syndication.tasks.harvest_one",
        "privacy.tasks.build_export",
        "privacy.tasks.erase_account",
        "posts.tasks.index_artifacts_later",
        "insights.tasks.fill_days",
    ):
        assert expected in paths


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[object]:
    """A real SQLite Huey queue of this test's own, in place of the configured one."""
    from huey import SqliteHuey
    from huey.contrib.djhuey import tasks_backend

    original = tasks_backend.HUEY
    own = SqliteHuey(f"d3-{uuid.uuid4().hex}", filename=str(tmp_path / "huey.sqlite3"))
    own._registry = original._registry  # type: ignore[attr-defined]
    tasks_backend.HUEY = own  # type: ignore[assignment]
    try:
        yield own
    finally:
        tasks_backend.HUEY = original


class RolledBack(Exception):
    pass


@pytest.mark.parametrize("task", TASKS, ids=[task.module_path for task in TASKS])
def test_D3_a_job_enqueued_in_a_rolled_back_transaction_never_runs(
    transactional_db: None, queue: object, task: Task
) -> None:
    def enqueue_then_fail() -> None:
        with transaction.atomic():
            task.enqueue(*([1] * _arity(task)))
            assert queue.pending_count() == 0, "not before the commit"  # type: ignore[attr-defined]
            raise RolledBack

    with pytest.raises(RolledBack):
        enqueue_then_fail()
    assert queue.pending_count() == 0  # type: ignore[attr-defined]

    with transaction.atomic():
        task.enqueue(*([1] * _arity(task)))
        assert queue.pending_count() == 0  # type: ignore[attr-defined]
    assert queue.pending_count() == 1, "enqueued once the commit is done"  # type: ignore[attr-defined]


def _arity(task: Task) -> int:
    """How many positional arguments the job takes (the values do not matter: it is never run here)."""
    code = task.func.__code__
    return code.co_argcount - len(task.func.__defaults__ or ())
