"""Background work for insights: every night at 00:20 UTC, roll up the last week again (late data), and
the older days that gained harvested posts since the night before; at 01:00, redraw the season maps of
running courses; on demand, draw a big course's map."""

import datetime as dt

from django.tasks import task
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from courses.models import Course
from insights import maps
from insights.models import CourseDay, CourseMap
from insights.selectors import late_arrival_days, stale_days
from insights.services import fill_range
from insights.services_maps import draw_course_map

# The last seven finished days: harvested blog posts keep their blog's date, and a feed added (or fixed)
# late brings posts dated days back; recounting a week catches them (a day is a few set-based queries).
DAYS_BACK = 7
# Older days are recounted when posts dated on them arrived in the last LATE_LOOKBACK (a margin over a day,
# so a night the worker was late or down for an hour loses nothing; recounting a day twice is harmless).
LATE_LOOKBACK = dt.timedelta(hours=26)


@task
def fill_days(since: str, until: str) -> str:
    """Fill the rollups for the days from `since` to `until` (ISO dates); rerunning gives the same rows."""
    return str(fill_range(dt.date.fromisoformat(since), dt.date.fromisoformat(until)))


def days_to_fill(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The finished UTC days the nightly run refills: the DAYS_BACK days up to yesterday."""
    yesterday = now.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    return yesterday - dt.timedelta(days=DAYS_BACK - 1), yesterday


@db_periodic_task(crontab(hour="0", minute="20"))
def schedule_rollups() -> None:
    """Every day at 00:20 UTC (Huey's clock is UTC), enqueue the fill of the last week's finished days, and
    of each older day that gained posts in the last day or changed since it was counted (one fill per day)."""
    now = timezone.now()
    since, until = days_to_fill(now)
    fill_days.enqueue(since.isoformat(), until.isoformat())
    older = set(late_arrival_days(before=since, arrived_since=now - LATE_LOOKBACK)) | set(stale_days(since))
    for day in sorted(older):
        fill_days.enqueue(day.isoformat(), day.isoformat())


@task
def draw_map(course_id: int, week_number: int) -> str:
    """Draw (or redraw) a course's network map; a drawing already current for its data is left alone."""
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        return "no such course"
    week = maps.week_of(course, week_number)
    if week_number and week is None:
        return "no such week"
    if CourseMap.objects.filter(course=course, week_number=week_number, version=maps.data_version(course, week)):
        return "already current"
    stored = draw_course_map(course, week)
    return f"drew {stored.people} people"


@db_periodic_task(crontab(hour="1", minute="0"))
def redraw_season_maps() -> None:
    """Every night after the rollups, enqueue a redraw of each running course's season map (the usual view),
    so facilitators seldom wait for one."""
    recent = timezone.now().date() - dt.timedelta(days=7)
    for course_id in CourseDay.objects.filter(day__gte=recent).values_list("course_id", flat=True).distinct():
        draw_map.enqueue(course_id, 0)
