"""The course network map's data, read from the rollups: who replied to or shared whom, and how active each
participant was, for the whole season or one week. Drawing (network_map.py) is pure; storing a drawn map
is insights.services_maps.draw_course_map."""

import hashlib

from django.db.models import Count, Max, Q, Sum

from courses.models import Course, Enrollment, Week
from insights.models import CourseDay, CourseEdgeDay, PersonDay
from insights.network_map import Edge, Node


def _window(week: Week | None) -> Q:
    return Q(day__gte=week.starts_on, day__lte=week.ends_on) if week is not None else Q()


def network_data(course: Course, week: Week | None = None) -> tuple[list[Node], list[Edge]]:
    """Every member as a node (activity: posts, comments and shares in the window; a private profile has no
    label), and every reply/share tie between members in the window as an edge. Three queries."""
    members = list(
        Enrollment.objects.filter(course=course)
        .select_related("user")
        .only("user__id", "user__username", "user__display_name", "user__private_profile")
    )
    activity = {
        row["user_id"]: (row["p"] or 0) + (row["c"] or 0) + (row["s"] or 0) + (row["o"] or 0)
        for row in PersonDay.objects.filter(_window(week), course=course)
        .values("user_id")
        .annotate(p=Sum("posted"), c=Sum("comments_given"), s=Sum("shares_own"), o=Sum("shares_others"))
    }
    nodes = [
        Node(
            id=m.user.pk,
            label=None if m.user.private_profile else (m.user.display_name or f"@{m.user.username}"),
            activity=activity.get(m.user.pk, 0),
        )
        for m in members
    ]
    edges = [
        Edge(source=row["source_id"], target=row["target_id"], replies=row["r"] or 0, shares=row["s"] or 0)
        for row in CourseEdgeDay.objects.filter(_window(week), course=course)
        .values("source_id", "target_id")
        .annotate(r=Sum("replies"), s=Sum("shares"))
        .order_by("source_id", "target_id")
    ]
    return nodes, edges


def data_version(course: Course, week: Week | None = None) -> str:
    """A fingerprint of everything the map is drawn from: the course's days in the rollups (a refill replaces
    a day's rows in every rollup table together, so CourseDay's ids change with it), and its members (who, and
    when any of them last changed how they are shown: `User.shown_changed_at`). Two aggregate queries,
    whatever the course's size."""
    days = CourseDay.objects.filter(_window(week), course=course).aggregate(n=Count("id"), top=Max("id"))
    members = Enrollment.objects.filter(course=course).aggregate(
        n=Count("id"), top=Max("id"), ids=Sum("user_id"), shown=Max("user__shown_changed_at")
    )
    return hashlib.sha256(f"{days}|{members}|{week.pk if week else 0}".encode()).hexdigest()[:32]


def week_of(course: Course, number: int | None) -> Week | None:
    return course.weeks.filter(number=number).first() if number else None


def map_window_text(week: Week | None) -> str:
    if week is None:
        return "the whole season"
    return f"week {week.number} ({week.starts_on:%-d %b} – {week.ends_on:%-d %b})"
