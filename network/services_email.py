"""Writes for notification e-mail: sending a person's summary once per period."""

import datetime as dt

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from accounts.models import User
from network.models import SummaryEmail
from network.summary import summary_for


def send_summary(*, user: User, now: dt.datetime) -> bool:
    """E-mail the person a summary of unread notifications since their last one; True when one was sent.

    Sends nothing when they chose no summaries, have no address, nothing new is unread, or this period's
    summary was already sent (a unique row per person and period, so a task run twice sends once). The row
    is written before sending inside one transaction: a failed send rolls it back and the next run retries.
    """
    if not user.is_active or not user.email:
        return False
    summary = summary_for(user, now=now)
    if summary is None:
        return False
    context = {"summary": summary, "items": [(item, summary.absolute(item)) for item in summary.items]}
    count = len(summary.items)
    subject = f"Commonplace: {count} new notification{'' if count == 1 else 's'}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("network/email/summary.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string("network/email/summary.html", context), "text/html")
    try:
        with transaction.atomic():
            SummaryEmail.objects.create(
                user=user, period=summary.period, period_start=summary.period_start, sent_at=now, count=count
            )
            message.send()
    except IntegrityError:
        return False
    return True
