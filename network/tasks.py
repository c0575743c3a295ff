"""Background work for the network: the notification summary emails, scheduled daily by Huey."""

import datetime as dt

from django.tasks import task
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from accounts.models import NotificationEmail, User
from network.services_email import send_summary
from network.summary import PERIODS, due_for_summary


@task
def send_summaries(period: str) -> int:
    """Send the summary to everyone due for this period; returns how many were sent."""
    if period not in PERIODS:
        raise ValueError(f"Unknown summary period: {period!r}")
    now = timezone.now()
    sent = 0
    for user_id in due_for_summary(period, now=now).values_list("pk", flat=True):
        user = User.objects.get(pk=user_id)
        sent += send_summary(user=user, now=now)
    return sent


def periods_due(now: dt.datetime) -> list[str]:
    """Daily every day; weekly on Mondays (UTC)."""
    periods = [str(NotificationEmail.DAILY)]
    if now.astimezone(dt.UTC).weekday() == 0:
        periods.append(str(NotificationEmail.WEEKLY))
    return periods


@db_periodic_task(crontab(hour="7", minute="0"))
def schedule_summaries() -> None:
    """Every day at 07:00 UTC (Huey's clock is UTC), enqueue the summaries that are due."""
    for period in periods_due(timezone.now()):
        send_summaries.enqueue(period)
