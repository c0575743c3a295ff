"""A harvest in a process of its own, for the D2 test that kills it with SIGKILL half-way through storing.

    python -m syndication.tests.crash_harvest setup FEED_URL...   migrate, and register each feed in a course
    python -m syndication.tests.crash_harvest crash               harvest, but stop dead inside the transaction
    python -m syndication.tests.crash_harvest crash-after-commit  lease the due feeds as the periodic job does, harvest,
                                                                  stop dead once the first feed is committed
    python -m syndication.tests.crash_harvest harvest             harvest, and print the summary
    python -m syndication.tests.crash_harvest enqueue SECONDS     run the periodic job's enqueue_due as if SECONDS later
    python -m syndication.tests.crash_harvest count               print what is stored, as JSON
    python -m syndication.tests.crash_harvest feeds               print each feed's schedule and entries, as JSON

The database is whatever DATABASE_URL names (the test gives each run a fresh one). In `crash` mode the
harvest prints STORING once the first rows of a group are written inside its transaction, then sleeps until
the test kills the process: nothing is ever committed, the way a power cut or the OOM killer would leave it.

In `crash-after-commit` mode the worker gets as far as committing one feed (one feed per group, so which
feeds are done is known), prints `COMMITTED [feed ids]`, and sleeps until killed: the rest of its batch is
never stored and the task never returns, as when a worker dies after a commit but before it is done.
Tasks run in the process that enqueues them (HUEY_IMMEDIATE, as in the test settings), so `enqueue` also
harvests whatever it leases, as a worker would.
"""

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command, *args = argv
    modes: dict[str, Callable[..., None]] = {
        "setup": setup,
        "crash": crash,
        "crash-after-commit": crash_after_commit,
        "harvest": harvest,
        "enqueue": enqueue,
        "count": count,
        "feeds": feeds,
    }
    modes[command](*args)


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


def crash_after_commit() -> None:
    from django.db import connection

    from syndication import harvest as harvest_module
    from syndication.tasks import enqueue_due

    real_group = harvest_module._Store.group

    def group_then_die(self, outcomes):  # type: ignore[no-untyped-def]
        real_group(self, outcomes)
        assert not connection.in_atomic_block  # the group's transaction is committed
        sys.stdout.write(f"COMMITTED {json.dumps([o.job.feed_id for o in outcomes])}\n")
        sys.stdout.flush()
        time.sleep(600)  # the test kills us here: committed, but the batch is not finished

    harvest_module.GROUP_SIZE = 1  # one feed per transaction: the first commit leaves the others unstored
    harvest_module._Store.group = group_then_die  # type: ignore[method-assign]
    enqueue_due()  # leases every due feed; the batch then runs right here (HUEY_IMMEDIATE)


def enqueue(seconds: str) -> None:
    import datetime as dt

    from django.utils import timezone

    from syndication.tasks import enqueue_due

    leased = enqueue_due(now=timezone.now() + dt.timedelta(seconds=float(seconds)))
    sys.stdout.write(json.dumps({"leased": leased}))


def feeds() -> None:
    from django.db.models import Count

    from syndication.models import Feed

    rows = Feed.objects.annotate(n_entries=Count("entries"), n_distinct=Count("entries__guid", distinct=True))
    sys.stdout.write(
        json.dumps(
            [
                {
                    "id": feed.pk,
                    "leased": feed.leased_at is not None,
                    "checked": feed.last_checked_at is not None,
                    "failures": feed.failures,
                    "last_error": feed.last_error,
                    "entries": feed.n_entries,
                    "distinct": feed.n_distinct,
                }
                for feed in rows.order_by("pk")
            ]
        )
    )


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
