"""Daily rollups: count one UTC day from the source tables with a fixed number of grouped queries, then store it."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum
from django.utils import timezone

from core.exceptions import Invalid
from courses.models import Enrollment, Week
from network.models import Follow, Open, Share
from posts.models import ADDRESSEES, Artifact, Comment, Origin, Tone, Visibility

from .models import (
    NORM_CAP,
    CourseDay,
    CourseEdgeDay,
    CourseWeek,
    FilledDay,
    MemberActivity,
    NetworkDay,
    PersonDay,
)

ONE_DAY = dt.timedelta(days=1)
# People per IN (...) list when reading the day's people's whole history: each list costs a pass over the comments,
# so lists are long, yet far below SQLite's variable limit (32766).
CHUNK = 2000
BATCH = 1000
TONES: tuple[str, ...] = tuple(Tone.values)

type PersonKey = tuple[int, int]  # (user_id, course_id)
type EdgeKey = tuple[int, int, int]  # (course_id, source_id, target_id)


@dataclass(frozen=True)
class FillSummary:
    """How many rows a fill wrote, per table, and over how many days."""

    days: int = 0
    person_days: int = 0
    network_days: int = 0
    course_days: int = 0
    edges: int = 0

    def __add__(self, other: "FillSummary") -> "FillSummary":
        return FillSummary(
            days=self.days + other.days,
            person_days=self.person_days + other.person_days,
            network_days=self.network_days + other.network_days,
            course_days=self.course_days + other.course_days,
            edges=self.edges + other.edges,
        )

    def __str__(self) -> str:
        days = f"{self.days} day{'' if self.days == 1 else 's'}"
        return (
            f"Filled {days}: {self.person_days} person-days, {self.network_days} network-days, "
            f"{self.course_days} course-days, {self.edges} edges."
        )


@dataclass
class DayRollup:
    """One day's rows, computed but not saved (dashboards can use this for today's live numbers)."""

    day: dt.date
    person_days: list[PersonDay] = field(default_factory=list)
    network_days: list[NetworkDay] = field(default_factory=list)
    course_days: list[CourseDay] = field(default_factory=list)
    edges: list[CourseEdgeDay] = field(default_factory=list)

    def summary(self) -> FillSummary:
        return FillSummary(
            days=1,
            person_days=len(self.person_days),
            network_days=len(self.network_days),
            course_days=len(self.course_days),
            edges=len(self.edges),
        )


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC day as a half-open range [start, end)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return start, start + ONE_DAY


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


def answered(author: int, artifact_author: int, parent_author: int | None) -> set[int]:
    """Whom a comment answers: the artifact's author, and the author of the comment it replies to; never oneself."""
    return {person for person in (artifact_author, parent_author) if person is not None and person != author}


class _Day:
    """The working state while one day is counted: every query is grouped, so the work is per row, not per person."""

    def __init__(self, day: dt.date) -> None:
        self.day = day
        self.start, self.end = day_bounds(day)
        self.person: defaultdict[PersonKey, Counter[str]] = defaultdict(Counter)
        self.partners_in_course: defaultdict[PersonKey, set[int]] = defaultdict(set)
        self.partners_today: defaultdict[int, set[int]] = defaultdict(set)
        self.edges: defaultdict[EdgeKey, Counter[str]] = defaultdict(Counter)

    def window(self, name: str) -> Q:
        return Q(**{f"{name}__gte": self.start, f"{name}__lt": self.end})

    # Per person and course

    def count_artifacts(self) -> None:
        rows = (
            Artifact.objects.filter(self.window("published_at"))
            .exclude(visibility=Visibility.DRAFT)
            .filter(held_reason="")
            .values_list("author_id", "course_id", "origin")
            .annotate(n=Count("id"))
            .order_by()
        )
        for author, course, origin, n in rows:
            counts = self.person[author, course]
            counts["posted"] += n
            if origin == Origin.HARVESTED:
                counts["harvested"] += n

    def count_comments(self) -> None:
        rows = (
            Comment.objects.filter(self.window("created_at"), removed_at__isnull=True, held_reason="")
            .values_list("author_id", "artifact_author_id", "parent_author_id", "artifact__course_id", "tone")
            .annotate(n=Count("id"))
            .order_by()
        )
        for author, artifact_author, parent_author, course, tone, n in rows:
            given = self.person[author, course]
            given["comments_given"] += n
            given[f"given_{tone}"] += n
            if artifact_author != author:
                given["comments_on_others"] += n
            # A reply on Maria's artifact to Maria's own comment reaches her once; a reply there to
            # George's comment reaches both of them.
            for target in answered(author, artifact_author, parent_author):
                received = self.person[target, course]
                received["comments_received"] += n
                received[f"received_{tone}"] += n
                self.edges[course, author, target]["replies"] += n
                self.partners_in_course[author, course].add(target)
                self.partners_in_course[target, course].add(author)
                self.partners_today[author].add(target)
                self.partners_today[target].add(author)

    def count_shares(self) -> None:
        rows = (
            Share.objects.filter(self.window("created_at"))
            .values_list("sharer_id", "artifact__author_id", "artifact__course_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for sharer, author, course, n in rows:
            if sharer == author:
                self.person[sharer, course]["shares_own"] += n
                continue
            self.person[sharer, course]["shares_others"] += n
            self.person[author, course]["shares_received"] += n
            self.edges[course, sharer, author]["shares"] += n

    def count_share_opens(self) -> None:
        rows = (
            Open.objects.filter(self.window("first_opened_at"), via_share__isnull=False)
            .exclude(user_id=F("via_share__sharer_id"))
            .values_list("via_share__sharer_id", "via_share__artifact__course_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for sharer, course, n in rows:
            self.person[sharer, course]["share_opens"] += n

    def person_days(self) -> list[PersonDay]:
        for key, partners in self.partners_in_course.items():
            self.person[key]["conversed_with"] = len(partners)
        return [
            PersonDay(user_id=user, course_id=course, day=self.day, **counts)
            for (user, course), counts in sorted(self.person.items())
            if any(counts.values())
        ]

    def edge_days(self) -> list[CourseEdgeDay]:
        return [
            CourseEdgeDay(course_id=course, day=self.day, source_id=source, target_id=target, **counts)
            for (course, source, target), counts in sorted(self.edges.items())
        ]

    # Per course

    def course_days(self, follows: list[tuple[int, int]]) -> list[CourseDay]:
        courses: defaultdict[int, Counter[str]] = defaultdict(Counter)
        active: defaultdict[int, set[int]] = defaultdict(set)
        for (user, course), counts in self.person.items():
            into = courses[course]
            into["posted"] += counts["posted"]
            into["harvested"] += counts["harvested"]
            into["comments"] += counts["comments_given"]
            for tone in TONES:
                into[f"comments_{tone}"] += counts[f"given_{tone}"]
            into["shares_own"] += counts["shares_own"]
            into["shares_others"] += counts["shares_others"]
            if counts["posted"] or counts["comments_given"] or counts["shares_own"] or counts["shares_others"]:
                active[course].add(user)
        for course, people in active.items():
            courses[course]["active_people"] = len(people)
        for course, n in self.new_connections(follows).items():
            courses[course]["new_connections"] = n
        members = (
            Enrollment.objects.filter(joined_at__lt=self.end)
            .values_list("course_id")
            .annotate(total=Count("id"), new=Count("id", filter=self.window("joined_at")))
            .order_by()
        )
        totals = {}
        for course, total, new in members:
            totals[course] = total
            if new:
                courses[course]["new_members"] = new
        rows = []
        for course, counts in sorted(courses.items()):
            if not any(counts.values()):
                continue
            rows.append(CourseDay(course_id=course, day=self.day, members_total=totals.get(course, 0), **counts))
        return rows

    def new_connections(self, follows: list[tuple[int, int]]) -> Counter[int]:
        """Per course, the day's follows between two people who were both members by the end of the day."""
        if not follows:
            return Counter()
        todays = Follow.objects.filter(self.window("created_at"))
        memberships = (
            Enrollment.objects.filter(joined_at__lt=self.end)
            .filter(Q(user_id__in=todays.values("follower_id")) | Q(user_id__in=todays.values("followee_id")))
            .values_list("user_id", "course_id")
        )
        courses_of: defaultdict[int, set[int]] = defaultdict(set)
        for user, course in memberships:
            courses_of[user].add(course)
        made: Counter[int] = Counter()
        for follower, followee in follows:
            for course in courses_of[follower] & courses_of[followee]:
                made[course] += 1
        return made

    # Per person, across courses

    def network_days(self, follows: list[tuple[int, int]]) -> list[NetworkDay]:
        new_followers: Counter[int] = Counter(followee for _, followee in follows)
        following: set[int] = {person for pair in follows for person in pair}
        candidates = following | set(self.partners_today)
        rows = []
        for chunk in _chunks(candidates):
            first_talk = self.first_conversations(chunk)
            followers_total = self.count_follows(chunk, "followee_id")
            following_total = self.count_follows(chunk, "follower_id")
            mutuals = self.count_mutuals(chunk)
            for user in chunk:
                talks = first_talk.get(user, {})
                met_today = any(first >= self.start for first in talks.values())
                if user not in following and not met_today:
                    continue
                rows.append(
                    NetworkDay(
                        user_id=user,
                        day=self.day,
                        new_followers=new_followers[user],
                        followers_total=followers_total[user],
                        following_total=following_total[user],
                        mutuals_total=mutuals[user],
                        conversed_total=len(talks),
                    )
                )
        return rows

    def count_follows(self, chunk: list[int], side: str) -> Counter[int]:
        rows = (
            Follow.objects.filter(created_at__lt=self.end, **{f"{side}__in": chunk})
            .values_list(side)
            .annotate(n=Count("id"))
            .order_by()
        )
        return Counter(dict(rows))

    def count_mutuals(self, chunk: list[int]) -> Counter[int]:
        back = Follow.objects.filter(
            follower_id=OuterRef("followee_id"), followee_id=OuterRef("follower_id"), created_at__lt=self.end
        )
        rows = (
            Follow.objects.filter(Exists(back), follower_id__in=chunk, created_at__lt=self.end)
            .values_list("follower_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        return Counter(dict(rows))

    def first_conversations(self, chunk: list[int]) -> dict[int, dict[int, dt.datetime]]:
        """For each person in the chunk: everyone they ever conversed with up to the day's end, and when first."""
        upto = Comment.objects.filter(created_at__lt=self.end, removed_at__isnull=True, held_reason="")
        first: defaultdict[int, dict[int, dt.datetime]] = defaultdict(dict)

        def meet(user: int, other: int, when: dt.datetime) -> None:
            known = first[user].get(other)
            if user != other and (known is None or when < known):
                first[user][other] = when

        wrote = (
            upto.filter(author_id__in=chunk)
            .values_list("author_id", "artifact_author_id", "parent_author_id")
            .annotate(first=Min("created_at"))
            .order_by()
        )
        for author, artifact_author, parent_author, when in wrote:
            for target in answered(author, artifact_author, parent_author):
                meet(author, target, when)
        for side in (f"{addressee}_id" for addressee in ADDRESSEES):  # each side its own index (Comment)
            received = (
                upto.filter(**{f"{side}__in": chunk})
                .values_list(side, "author_id")
                .annotate(first=Min("created_at"))
                .order_by()
            )
            for target, author, when in received:
                meet(target, author, when)
        return first


def compute_day(day: dt.date) -> DayRollup:
    """Count one UTC day from the source tables without writing anything."""
    counting = _Day(day)
    counting.count_artifacts()
    counting.count_comments()
    counting.count_shares()
    counting.count_share_opens()
    follows = list(
        Follow.objects.filter(counting.window("created_at")).values_list("follower_id", "followee_id").order_by()
    )
    return DayRollup(
        day=day,
        person_days=counting.person_days(),
        network_days=counting.network_days(follows),
        course_days=counting.course_days(follows),
        edges=counting.edge_days(),
    )


def _refuse_unfinished(day: dt.date) -> None:
    today = timezone.now().astimezone(dt.UTC).date()
    if day >= today:
        raise Invalid(f"Only finished days can be filled: {day.isoformat()} is not over yet (UTC).")


def fill_day(day: dt.date) -> FillSummary:
    """Recount one finished UTC day: its rows in all four tables are replaced in one transaction, so a rerun
    gives the same rows, and the day is marked filled (`FilledDay`) in the same transaction. Raises `Invalid`
    for today or a later day."""
    _refuse_unfinished(day)
    started = timezone.now()  # a change to the day from now on makes this count stale (posts.ChangedDay)
    rollup = compute_day(day)
    with transaction.atomic():
        _serialise_fills()
        for model in (PersonDay, NetworkDay, CourseDay, CourseEdgeDay):
            model.objects.filter(day=day).delete()
        PersonDay.objects.bulk_create(rollup.person_days, batch_size=BATCH)
        NetworkDay.objects.bulk_create(rollup.network_days, batch_size=BATCH)
        CourseDay.objects.bulk_create(rollup.course_days, batch_size=BATCH)
        CourseEdgeDay.objects.bulk_create(rollup.edges, batch_size=BATCH)
        refresh_weeks(day)
        refresh_activity(day, rollup.person_days)
        FilledDay.objects.update_or_create(day=day, defaults={"filled_at": started})
    return rollup.summary()


# Fills running at once (two workers, or the nightly run's fills of the last week and of late-arrival days)
# share a week's spread and the members' last active days; on PostgreSQL they take turns writing, under
# this transaction-scoped advisory lock. SQLite lets one writer in at a time anyway.
ROLLUP_LOCK = 0x436F6D70  # "Comp"


def _serialise_fills() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUP_LOCK])


def _week_histograms(week: Week) -> dict[str, object]:
    counts = {"posts": [0] * (NORM_CAP + 1), "comments": [0] * (NORM_CAP + 1), "shares": [0] * (NORM_CAP + 1)}
    people = (
        PersonDay.objects.filter(course_id=week.course_id, day__gte=week.starts_on, day__lte=week.ends_on)
        .values("user_id")
        .annotate(posts=Sum("posted"), comments=Sum("comments_given"), shares=Sum("shares_others"))
        .values_list("posts", "comments", "shares")
        .order_by()
    )
    active = 0
    for row in people:
        active += 1
        for buckets, n in zip(counts.values(), row, strict=True):
            buckets[min(n, NORM_CAP)] += 1
    return {"active_people": active, **counts}


def refresh_weeks(day: dt.date) -> int:
    """Recompute the effort spread (CourseWeek) of every course week containing `day`, from the person-days.
    One aggregate query per such week; returns how many weeks."""
    weeks = list(Week.objects.filter(starts_on__lte=day, ends_on__gte=day))
    for week in weeks:
        CourseWeek.objects.update_or_create(week=week, defaults=_week_histograms(week))
    return len(weeks)


def refresh_activity(day: dt.date, person_days: Iterable[PersonDay]) -> int:
    """Move each person's last active day in a course (MemberActivity) up to `day` where they posted or
    commented on it; a later day already recorded stays. Returns how many rows changed."""
    courses_of: defaultdict[int, set[int]] = defaultdict(set)
    for row in person_days:
        if row.posted or row.comments_given:
            courses_of[row.user_id].add(row.course_id)
    changed = []
    for chunk in _chunks(courses_of):
        known = {
            (course, user): last
            for course, user, last in MemberActivity.objects.filter(user_id__in=chunk).values_list(
                "course_id", "user_id", "last_active_on"
            )
        }
        changed += [
            MemberActivity(course_id=course, user_id=user, last_active_on=day)
            for user in chunk
            for course in sorted(courses_of[user])
            if known.get((course, user), dt.date.min) < day
        ]
    MemberActivity.objects.bulk_create(
        changed,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["course", "user"],
        update_fields=["last_active_on"],
    )
    return len(changed)


def fill_range(since: dt.date, until: dt.date, progress: Callable[[int], object] | None = None) -> FillSummary:
    """Fill every day from `since` to `until` inclusive, each in its own transaction (a crash leaves whole days).

    Every day is counted from all history, so a backfill may start anywhere. Raises `Invalid` when `since`
    is after `until` or `until` is not over yet.
    """
    if since > until:
        raise Invalid(f"The first day ({since.isoformat()}) is after the last ({until.isoformat()}).")
    _refuse_unfinished(until)
    total = FillSummary()
    day = since
    while day <= until:
        total += fill_day(day)
        if progress is not None:
            progress(1)
        day += ONE_DAY
    return total
