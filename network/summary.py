"""Reads for the notification summary email: who is due, and what a person's summary holds."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from accounts.models import NotificationEmail, User
from network.models import SummaryEmail
from network.selectors import NotificationItem, notifications_for

PERIOD_LENGTH = {NotificationEmail.DAILY: dt.timedelta(days=1), NotificationEmail.WEEKLY: dt.timedelta(days=7)}
PERIODS = tuple(str(period) for period in PERIOD_LENGTH)


def period_start(period: str, now: dt.datetime) -> dt.date:
    """The UTC day (daily) or the Monday of the UTC week (weekly) that `now` falls in: one summary each."""
    day = now.astimezone(dt.UTC).date()
    return day - dt.timedelta(days=day.weekday()) if period == NotificationEmail.WEEKLY else day


def due_for_summary(period: str, *, now: dt.datetime) -> QuerySet[User]:
    """Active people with an e-mail address who chose this period and have not had this period's summary yet."""
    sent = SummaryEmail.objects.filter(user=OuterRef("pk"), period=period, period_start=period_start(period, now))
    return (
        User.objects.filter(notification_email=period, is_active=True)
        .exclude(email="")
        .exclude(Exists(sent))
        .order_by("pk")
    )


@dataclass(frozen=True)
class Summary:
    user: User
    period: str
    period_start: dt.date
    since: dt.datetime
    items: list[NotificationItem]
    notifications_url: str
    settings_url: str

    def absolute(self, item: NotificationItem) -> str:
        return f"{settings.SITE_URL}{item.url}" if item.url else self.notifications_url


def summary_for(user: User, *, now: dt.datetime) -> Summary | None:
    """The unread notifications since the person's last summary (or one period back), newest first.

    None when the person chose no summaries or nothing new is unread. Reads through `notifications_for`, so
    visibility, mutes and blocks are the notification page's.
    """
    period = user.notification_email
    if period not in PERIOD_LENGTH:
        return None
    last = SummaryEmail.objects.filter(user=user).order_by("-sent_at").values_list("sent_at", flat=True).first()
    since = last or now - PERIOD_LENGTH[NotificationEmail(period)]
    items = [item for item in notifications_for(user) if item.unread and since < item.created_at <= now]
    if not items:
        return None
    return Summary(
        user=user,
        period=period,
        period_start=period_start(period, now),
        since=since,
        items=items,
        notifications_url=f"{settings.SITE_URL}{reverse('network:notifications')}",
        settings_url=f"{settings.SITE_URL}{reverse('accounts:settings')}",
    )
