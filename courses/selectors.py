"""Reads for courses: membership, facilitation, the current week."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from accounts.selectors import Apart, apart_of, apart_params, apart_sql, filters_params, filters_sql, keep_filters
from core.scope import remember, remembered
from courses.models import (
    Book,
    Course,
    Enrollment,
    LiveQuestion,
    LiveQuestionVote,
    LiveSession,
    MemberRole,
    Prompt,
    Reading,
    ReadingProgress,
    ReadingStatus,
    Week,
)

Viewer = User | AnonymousUser


def role_in(course: Course, viewer: Viewer) -> str | None:
    """The viewer's role in the course ('participant', 'facilitator') or None: in a request, from the
    memberships read once for it (the course page asked twice, a query each); outside one, a query."""
    if not viewer.is_authenticated:
        return None
    known = memberships(viewer)  # type: ignore[arg-type]
    if known is not None:
        courses, facilitating = known
        if course.pk in facilitating:
            return MemberRole.FACILITATOR.value
        return MemberRole.PARTICIPANT.value if course.pk in courses else None
    return Enrollment.objects.filter(course=course, user_id=viewer.pk).values_list("role", flat=True).first()


def is_member(course: Course, viewer: Viewer) -> bool:
    return role_in(course, viewer) is not None


def can_facilitate(course: Course, viewer: Viewer) -> bool:
    """Facilitators of the course, and site staff, may manage it."""
    if not viewer.is_authenticated:
        return False
    if viewer.is_staff:
        return True
    return role_in(course, viewer) == MemberRole.FACILITATOR  # in a request, from the memberships read once


Memberships = tuple[frozenset[int], frozenset[int]]


def memberships(viewer: User) -> Memberships | None:
    """The ids of the courses the viewer belongs to, and of those they facilitate, read once per request
    (`core.scope`), in one statement with the viewer's blocks and mutes (`accounts.selectors.apart`, kept for the
    rest of the request too: nearly every page needs both, for the visibility rule); None outside a request, where
    callers read with subqueries instead."""
    return remembered(("memberships", viewer.pk), lambda: _read_memberships(viewer.pk))


def relations_sql(width: int = 5) -> str:
    """`accounts.selectors.apart_sql`, then the viewer's enrollments as rows (2, course id, 0, role), then their
    keyword filters in force (`accounts.selectors.filters_sql`), padded with NULL columns to `width` (at least 5).
    Its parameters: `relations_params`."""
    pad = ", NULL" * (width - 4)
    return (
        f"{apart_sql(width)} UNION ALL SELECT 2, course_id, 0, role{pad} FROM {Enrollment._meta.db_table} "  # noqa: S608
        f"WHERE user_id = %s UNION ALL {filters_sql(width)}"
    )


def relations_params(pk: int) -> list[Any]:
    return [*apart_params(pk), pk, *filters_params(pk)]


def keep_relations(pk: int, rows: Sequence[Sequence[Any]]) -> tuple[Apart, Memberships]:
    """From the rows `relations_sql` reads: the viewer's `Apart` and memberships, both kept for the request (when
    there is one) and returned; their keyword filters kept too (`accounts.selectors.filters_for` answers from them)."""
    away = apart_of(pk, rows)
    remember(("apart", pk), away)
    keep_filters(pk, rows)
    courses = [(row[1], row[3]) for row in rows if row[0] == 2]
    known = (
        frozenset(course for course, _ in courses),
        frozenset(course for course, role in courses if role == MemberRole.FACILITATOR),
    )
    remember(("memberships", pk), known)
    return away, known


def _read_memberships(pk: int) -> Memberships:
    with connection.cursor() as cursor:
        cursor.execute(relations_sql(), relations_params(pk))
        return keep_relations(pk, cursor.fetchall())[1]


def facilitators(course: Course) -> QuerySet[User]:
    return User.objects.filter(enrollments__course=course, enrollments__role=MemberRole.FACILITATOR).order_by(
        "display_name", "username"
    )


def weeks_with_detail(course: Course) -> QuerySet[Week]:
    """All weeks of a course with readings, prompts and live session loaded."""
    return (
        course.weeks.select_related("live_session")
        .prefetch_related(
            Prefetch("readings", queryset=Reading.objects.select_related("book")),
            Prefetch("prompts", queryset=Prompt.objects.order_by("number")),
        )
        .order_by("number")
    )


def current_week(course: Course, today: dt.date | None = None, weeks: list[Week] | None = None) -> Week | None:
    """The week running today; before the season its first week, after it its last. `weeks`: the course's
    weeks from `weeks_with_detail`, when the caller has them already."""
    today = today or timezone.localdate()
    weeks = list(weeks_with_detail(course)) if weeks is None else weeks
    if not weeks:
        return None
    for week in weeks:
        if week.contains(today):
            return week
    if today < weeks[0].starts_on:
        return weeks[0]
    past = [w for w in weeks if w.ends_on < today]
    return past[-1] if past else weeks[0]


def course_ids(user: User) -> list[int]:
    """The ids of the person's courses, newest first (in a request, from the memberships read once)."""
    known = memberships(user)
    if known is not None:
        return sorted(known[0], reverse=True)
    return list(Enrollment.objects.filter(user=user).order_by("-course_id").values_list("course_id", flat=True))


def courses_of(user: User) -> QuerySet[Course]:
    return Course.objects.filter(enrollments__user=user).order_by("-start_date")


def member_count(course: Course) -> int:
    return course.enrollments.count()


def course_list(viewer: Viewer) -> QuerySet[Course]:
    """Every course, newest season first, with `member_total`, `last_day` and the viewer's `viewer_role`.

    Each a correlated subquery on the course's own rows (its enrollments counted from their index, its last week):
    joining both tables and counting distinct members grouped every enrollment with every week of its course, 200 ms
    for the course list of a 100,000-person network (50 courses, 130,000 enrollments)."""
    members = (
        Enrollment.objects.filter(course=OuterRef("pk")).order_by().values("course").annotate(n=Count("pk")).values("n")
    )
    last_week = Week.objects.filter(course=OuterRef("pk")).order_by("-ends_on").values("ends_on")[:1]
    qs = Course.objects.listed().annotate(
        member_total=Coalesce(Subquery(members), Value(0)), last_day=Subquery(last_week)
    )
    if viewer.is_authenticated:
        own = Enrollment.objects.filter(course=OuterRef("pk"), user_id=viewer.pk).values("role")[:1]
        qs = qs.annotate(viewer_role=Subquery(own))
    return qs


def members_of(course: Course, find: str = "") -> QuerySet[Enrollment]:
    """The course's members, facilitators first, then by name; with `find`, those whose name or username holds it
    (case aside). Ties by id, so pages of it never overlap."""
    members = course.enrollments.all()
    if find:
        members = members.filter(Q(user__display_name__icontains=find) | Q(user__username__icontains=find))
    return (
        members.select_related("user")
        .annotate(rank=Case(When(role=MemberRole.FACILITATOR, then=Value(0)), default=Value(1)))
        .order_by("rank", "user__display_name", "user__username", "pk")
    )


def live_questions(session: LiveSession, viewer: Viewer) -> list[LiveQuestion]:
    """The questions sent in ahead, for the show: not yet answered first, then the most votes, then the
    oldest; each with `vote_count` and `voted` (whether the viewer voted for it). Two queries."""
    voted = (
        Exists(LiveQuestionVote.objects.filter(question=OuterRef("pk"), voter_id=viewer.pk))
        if viewer.is_authenticated
        else Value(False)
    )
    return list(
        session.questions.select_related("author")
        .annotate(vote_count=Count("votes"), voted=voted)
        .order_by(F("answered_at").asc(nulls_first=True), "-vote_count", "created_at", "id")
    )


QUARTERS = ["the first quarter", "the second quarter", "the third quarter", "the last quarter"]


@dataclass
class BookProgress:
    """Where everyone is in one book, and the viewer's own progress."""

    want: int = 0
    reading: int = 0
    finished: int = 0
    quarters: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # readers who said how far, by quarter
    mine: ReadingProgress | None = None

    @property
    def total(self) -> int:
        return self.want + self.reading + self.finished

    @property
    def text(self) -> str:
        parts = []
        if self.finished:
            parts.append(f"{self.finished} finished")
        if self.reading:
            where = ", ".join(f"{n} in {QUARTERS[i]}" for i, n in enumerate(self.quarters) if n)
            parts.append(f"{self.reading} reading" + (f" ({where})" if where else ""))
        if self.want:
            parts.append(f"{self.want} want to read it")
        return " · ".join(parts) if parts else "Nobody has said where they are yet."


def where_everyone_is(books: list[Book], viewer: Viewer) -> dict[int, BookProgress]:
    """Per book (by id): how many want to read it, are reading it (by quarter, when they said how far) or
    finished it, and the viewer's own progress. Two queries, however many people: the first counts in the
    database, a row per book, stage and percent (at most ~300 a book), from the index `reading_progress_where`
    alone; reading a 5,000-person course's every row to count them here was ~3 ms of each course page."""
    found = {book.pk: BookProgress() for book in books}
    rows = (
        ReadingProgress.objects.filter(book__in=books)
        .values_list("book_id", "status", "percent")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for book_id, status, percent, n in rows:
        counts = found[book_id]
        if status == ReadingStatus.FINISHED:
            counts.finished += n
        elif status == ReadingStatus.WANT:
            counts.want += n
        else:
            counts.reading += n
            if percent is not None:
                counts.quarters[min(percent // 25, 3)] += n
    if viewer.is_authenticated:
        for progress in ReadingProgress.objects.filter(book__in=books, user_id=viewer.pk):
            found[progress.book_id].mine = progress
    return found
