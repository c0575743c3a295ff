"""A download built in a process of its own, for the D2 test that kills it with SIGKILL half-way through.

    python -m privacy.tests.crash_export setup     migrate, make a person with a post, ask for a download
    python -m privacy.tests.crash_export crash     build it, but stop dead half-way through writing the zip
    python -m privacy.tests.crash_export sweep     the nightly clean-up, an hour later (print how many)
    python -m privacy.tests.crash_export again     ask for a download again, build it, print its status
    python -m privacy.tests.crash_export state     print the downloads and the files under EXPORT_ROOT, as JSON

The database is whatever DATABASE_URL names and the files go under EXPORT_ROOT (the test gives each run its
own). In `crash` mode the build prints WRITING once part of the zip is on disk, then sleeps until the test
kills the process, the way a power cut or the OOM killer would leave it.
"""

import datetime as dt
import json
import os
import sys
import time
from datetime import date


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command, *args = argv
    {"setup": setup, "crash": crash, "sweep": sweep, "again": again, "state": state}[command](*args)


def setup() -> None:
    from django.core.management import call_command

    from accounts.models import User
    from courses.models import Course, Enrollment, MemberRole
    from posts import services as posts
    from privacy.models import Export

    call_command("migrate", verbosity=0)
    maria = User.objects.create_user(username="maria", email="maria@example.org", password=None)
    course = Course.objects.create(title="Crash course", slug="crash", hashtag="#CRASH", start_date=date(2026, 11, 2))
    Enrollment.objects.create(course=course, user=maria, role=MemberRole.PARTICIPANT)
    posts.publish(author=maria, course=course, kind="post", title="What I kept", body="Notes worth keeping.")
    Export.objects.create(user=maria)


def crash() -> None:
    from privacy import services
    from privacy.models import Export

    real = services.write_export

    def write_then_die(user, target, when, progress):  # type: ignore[no-untyped-def]
        real(user, target, when, progress)
        with target.open("r+b") as half:  # as if cut off half-way through
            half.truncate(max(1, target.stat().st_size // 2))
        sys.stdout.write("WRITING\n")
        sys.stdout.flush()
        time.sleep(600)  # the test kills us here, before the zip is moved into place

    services.write_export = write_then_die  # type: ignore[assignment]
    services.build(Export.objects.get().pk)


def _an_hour_later() -> dt.datetime:
    from django.utils import timezone

    from privacy.models import STALE_AFTER

    return timezone.now() + STALE_AFTER + dt.timedelta(hours=1)


def sweep() -> None:
    from privacy import services

    sys.stdout.write(f"{services.forget_expired(_an_hour_later())}\n")


def again() -> None:
    from accounts.models import User
    from privacy import services

    export = services.request_export(user=User.objects.get(username="maria"), now=_an_hour_later())
    services.build(export.pk)  # if the task backend has not built it already
    export.refresh_from_db()
    sys.stdout.write(export.status + "\n")


def state() -> None:
    from django.conf import settings

    from privacy.models import Export

    root = settings.EXPORT_ROOT
    files = sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
    exports = list(Export.objects.order_by("pk").values("status", "file_name"))
    sys.stdout.write(json.dumps({"files": files, "exports": exports}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
