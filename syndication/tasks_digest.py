"""Background work for The Daily: each morning at 06:00 UTC, every course's digest goes to its subscribers."""

from django.tasks import task
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from courses.models import Course
from syndication.digest import DIGEST_HOUR
from syndication.models import DigestSubscription
from syndication.services_digest import send_course_digest


@task
def send_daily_digest(course_id: int) -> int:
    """Send one course's Daily to its subscribers; returns how many were sent (a rerun sends none twice)."""
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        return 0
    return send_course_digest(course=course, now=timezone.now())


def courses_with_subscribers() -> list[int]:
    return list(DigestSubscription.objects.order_by("course_id").values_list("course_id", flat=True).distinct())


@db_periodic_task(crontab(hour=str(DIGEST_HOUR), minute="0"))
def schedule_daily_digests() -> None:
    """Every day at 06:00 UTC (Huey's clock is UTC), enqueue one send per course that has subscribers."""
    for course_id in courses_with_subscribers():
        send_daily_digest.enqueue(course_id)
