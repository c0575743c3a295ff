"""Background jobs for the D4 tests only: one that always raises, one that raises once, one that just works.
Each leaves a trace in a file, so a test (or a test's worker process) can count its runs."""

import time
from pathlib import Path

from django.tasks import task


def _mark(path: str) -> int:
    """Append a line to the file at `path`; how many lines it has now."""
    with Path(path).open("a") as file:
        file.write("ran\n")
    return len(Path(path).read_text().splitlines())


@task
def always_fails(trace: str) -> None:
    _mark(trace)
    raise RuntimeError("broken on purpose")


@task
def fails_once(trace: str) -> str:
    if _mark(trace) == 1:
        raise ConnectionError("the mail server hung up")
    return "worked"


@task
def works(trace: str) -> str:
    _mark(trace)
    return "worked"


@task
def stalls_the_first_time(trace: str) -> str:
    """The first run stops dead in the middle (the D2 test kills its worker there); a run after that ends."""
    if _mark(trace) == 1:
        time.sleep(300)
    with Path(trace).open("a") as file:
        file.write("done\n")
    return "worked"
