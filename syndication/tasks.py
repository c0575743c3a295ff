"""Background harvesting: a periodic task hands due feeds to workers in batches, with a lease."""

import datetime as dt
import logging
from functools import partial

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from syndication.harvest import backoff, harvest_feeds
from syndication.models import Feed, FeedStatus

log = logging.getLogger(__name__)

BATCH = 50
MAX_PER_ROUND = 2000
LEASE = dt.timedelta(minutes=20)
LOST_MESSAGE = "The last check of this feed did not finish; we will try again."


@task
def harvest_one(feed_id: int) -> str:
    """Check one feed now (after it is registered, approved, or on request)."""
    return str(harvest_feeds([feed_id], workers=1))


@task
def harvest_batch(feed_ids: list[int]) -> str:
    """Check a batch of due feeds; each feed's result is stored on the feed, so this never raises for one."""
    return str(harvest_feeds(feed_ids, workers=1))


def enqueue_due(now: dt.datetime | None = None) -> int:
    """Lease the feeds that are due and enqueue them in batches; returns how many.

    A feed whose previous lease ran out without a result (its worker was killed) counts as a failed
    check: the failure is recorded in words and the feed backs off like any other failure, so a feed
    that keeps crashing its worker ends up visible and checked rarely, never retried in a tight loop.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lost = Feed.objects.filter(status=FeedStatus.ACTIVE, leased_at__lte=now - LEASE)
        for feed in lost.select_for_update():
            feed.failures += 1
            feed.last_error = LOST_MESSAGE
            feed.leased_at = None
            feed.next_check_at = now + backoff(feed.interval, feed.failures)
            feed.save(update_fields=["failures", "last_error", "leased_at", "next_check_at"])
            log.error("Harvest of feed %s was lost (lease expired); failure %s", feed.pk, feed.failures)
        ids = list(
            Feed.objects.due(now)
            .filter(leased_at__isnull=True)
            .order_by("next_check_at")
            .values_list("pk", flat=True)[:MAX_PER_ROUND]
        )
        Feed.objects.filter(pk__in=ids).update(leased_at=now)
        for start in range(0, len(ids), BATCH):
            transaction.on_commit(partial(harvest_batch.enqueue, ids[start : start + BATCH]))
    return len(ids)


@db_periodic_task(crontab(minute="*/5"))
def schedule_harvest() -> None:
    """Every five minutes: hand the due feeds to the workers."""
    enqueue_due()


# Huey's worker imports only modules named `tasks`: register The Daily's schedule from here.
from syndication import tasks_digest  # noqa: E402, F401
