"""The enqueuing side of the D4 worker test, in a process of its own (the test process runs jobs at once).

python -m config.tests.d4_child setup                  migrate the database DATABASE_URL names
python -m config.tests.d4_child enqueue NAME TRACE     enqueue config.tests.d4_jobs.NAME(TRACE)
python -m config.tests.d4_child report                 print the failed jobs' records, as JSON
"""

import json
import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command, *args = argv
    if command == "setup":
        setup()
    elif command == "enqueue":
        enqueue(*args)
    elif command == "recover":
        recover(*args)
    else:
        report()


def setup() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def enqueue(name: str, trace: str) -> None:
    from config.tests import d4_jobs

    getattr(d4_jobs, name).enqueue(trace)


def report() -> None:
    from core.models import FailedJob, RunningJob

    failed = FailedJob.objects.order_by("pk").values("key", "name", "state", "attempts", "error", "arguments")
    running = RunningJob.objects.order_by("pk").values("name", "arguments")
    sys.stdout.write(json.dumps({"failed": list(failed), "running": list(running)}))


def recover(minutes: str) -> None:
    import datetime as dt

    from django.utils import timezone

    from core import services

    sys.stdout.write(str(services.recover_lost(now=timezone.now() + dt.timedelta(minutes=int(minutes)))))


if __name__ == "__main__":
    main(sys.argv[1:])
