"""A harvest in a process of its own, for the D2 test that kills it with SIGKILL half-way through storing.

    python -m syndication.tests.crash_harvest setup FEED_URL...   migrate, and register each feed in a course
    python -m syndication.tests.crash_harvest crash               harvest, but stop dead inside the transaction
    python -m syndication.tests.crash_harvest harvest             harvest, and print the summary
    python -m syndication.tests.crash_harvest count               print what is stored, as JSON

The database is whatever DATABASE_URL names (the test gives each run a fresh one). In `crash` mode the
harvest prints STORING once the first rows of a group are written inside its transaction, then sleeps until
the test kills the process: nothing is ever committed, the way a power cut or the OOM killer would leave it.
"""

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
    {"setup": setup, "crash": crash, "harvest": harvest, "count": count}[command](*args)


def setup(*urls: str) -> None:
    from django.core.management import call_command

    from accounts.models import User
    from courses.models import Course, Enrollment, MemberRole
    from syndication.models import Feed, FeedStatus

    call_command("migrate", verbosity=0)
    owner = User.objects.create_user(username="maria", email="maria@example.org", password=None)
    course = Course.objects.create(title="Crash course", slug="crash", hashtag="#CRASH", start_date=date(2026, 11, 2))
    Enrollment.objects.create(course=course, user=owner, role=MemberRole.PARTICIPANT)
    for url in urls:
        Feed.objects.create(course=course, owner=owner, url=url, status=FeedStatus.ACTIVE, take_all=True)


def crash() -> None:
    from syndication import harvest as harvest_module
    from syndication.models import Feed

    real_insert_rows = harvest_module.insert_rows

    def insert_then_die(model, rows):  # type: ignore[no-untyped-def]
        real_insert_rows(model, rows)
        sys.stdout.write("STORING\n")
        sys.stdout.flush()
        time.sleep(600)  # the test kills us here, inside the open transaction

    harvest_module.insert_rows = insert_then_die  # type: ignore[assignment]
    harvest_module.harvest_feeds(list(Feed.objects.values_list("pk", flat=True)), workers=1)


def harvest() -> None:
    from syndication.harvest import harvest_feeds
    from syndication.models import Feed

    summary = harvest_feeds(list(Feed.objects.values_list("pk", flat=True)), workers=1)
    sys.stdout.write(json.dumps({"fetched": summary.fetched, "new": summary.new, "failed": summary.failed}))


def count() -> None:
    from django.db.models import Count

    from posts.models import Artifact, Origin
    from syndication.models import Entry

    sys.stdout.write(
        json.dumps(
            {
                "entries": Entry.objects.count(),
                "distinct": Entry.objects.values("feed_id", "guid").distinct().count(),
                "orphans": Entry.objects.filter(taken=True, artifact__isnull=True).count(),
                "artifacts": Artifact.objects.filter(origin=Origin.HARVESTED).count(),
                "twice": Entry.objects.values("artifact_id")
                .filter(artifact_id__isnull=False)
                .annotate(n=Count("id"))
                .filter(n__gt=1)
                .count(),
                "unlinked_artifacts": Artifact.objects.filter(
                    origin=Origin.HARVESTED, harvested_entry__isnull=True
                ).count(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
