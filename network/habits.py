"""Reads for consistency over time: the weekly goal, week streaks that forgive, and the next step."""

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import reduce
from operator import or_
from typing import Any, Protocol

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import FilterContext, User
from accounts.selectors import filters_for
from courses.models import Course, Prompt, Week
from network.models import Open, Share, WeeklyGoal
from posts.models import Artifact, Comment
from posts.selectors import artifact_text

FORGIVENESS_WINDOW = 4  # one missed week is forgiven in any four consecutive weeks
SUGGESTIONS = 3
HISTORY_WEEKS = 8


@dataclass(frozen=True)
class Goal:
    posts: int
    comments: int
    shares: int
    custom: bool = False  # False: the course norm


@dataclass(frozen=True)
class Counts:
    posts: int = 0
    comments: int = 0
    shares: int = 0

    def meets(self, goal: Goal) -> bool:
        return self.posts >= goal.posts and self.comments >= goal.comments and self.shares >= goal.shares

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.posts + other.posts, self.comments + other.comments, self.shares + other.shares)


class Status(StrEnum):
    MET = "met"
    MISSED = "missed"
    FORGIVEN = "forgiven"


def goal_for(*, user: User, course: Course) -> Goal:
    """The person's own weekly goal in the course, or the course norm when they have not set one."""
    return goals_for(user=user, courses=[course])[course.pk]


def goals_for(*, user: User, courses: Sequence[Course]) -> dict[int, Goal]:
    """`goal_for` in each course (by course id), in one query."""
    own = {goal.course_id: goal for goal in WeeklyGoal.objects.filter(user=user, course__in=courses)}
    found = {}
    for course in courses:
        mine = own.get(course.pk)
        found[course.pk] = (
            Goal(course.norm_posts, course.norm_comments, course.norm_shares)
            if mine is None
            else Goal(mine.posts, mine.comments, mine.shares, custom=True)
        )
    return found


def week_statuses(met: Sequence[bool]) -> list[Status]:
    """Label each week (oldest first) met, forgiven or missed.

    Walking back from the newest week, a miss is forgiven unless an earlier-forgiven miss lies within the
    same window of four consecutive weeks; such a second miss breaks the streak, and the walk starts afresh
    before it.
    """
    labels: list[Status] = [Status.MET] * len(met)
    forgiven_at: int | None = None
    for i in range(len(met) - 1, -1, -1):
        if met[i]:
            continue
        if forgiven_at is not None and forgiven_at - i < FORGIVENESS_WINDOW:
            labels[i] = Status.MISSED
            forgiven_at = None  # the streak broke here; an older streak gets its own forgiveness
        else:
            labels[i] = Status.FORGIVEN
            forgiven_at = i
    return labels


def streak_from(met: Sequence[bool]) -> int:
    """How many met weeks in a row (oldest first in `met`) end the list, a miss in any four forgiven."""
    streak = 0
    for label in reversed(week_statuses(met)):
        if label is Status.MISSED:
            break
        if label is Status.MET:
            streak += 1
    return streak


def week_bounds(week: Week) -> tuple[dt.datetime, dt.datetime]:
    """The week's first and last-plus-one instants in the current time zone (`Week.span`, as `week_progress`
    counts)."""
    return week.span()


type Span = tuple[dt.datetime, dt.datetime]


class WeekCounter(Protocol):
    """Counts per week id, as `week_counts` gives them (the dashboards count from the rollups instead)."""

    def __call__(self, *, user: User, course: Course, weeks: Sequence[Week]) -> dict[int, Counts]: ...


def week_counts(*, user: User, course: Course, weeks: Sequence[Week]) -> dict[int, Counts]:
    """Posts, comments on others' work and shares per week (by week id), as `counts_within` counts them, in three
    queries: each a count per day of the weeks' time zone (a row a day at most, however active the person), put
    into the weeks here. A week runs from the midnight its first day starts to the one its last day ends
    (`week_bounds`), so its days are whole. (With a `Count` filtered to each week's range, building the query
    cost ~7 ms a course at six weeks: 21 ms of a person's own page in three courses.)"""
    if not weeks:
        return {}
    tz = timezone.get_current_timezone()
    start = week_bounds(min(weeks, key=lambda week: week.starts_on))[0]
    end = week_bounds(max(weeks, key=lambda week: week.ends_on))[1]
    per_day: list[dict[dt.date, int]] = []
    for rows, when in _sources(user, course):
        days = (
            rows.filter(**{f"{when}__gte": start, f"{when}__lt": end})
            .annotate(day_=TruncDate(when, tzinfo=tz))
            .order_by()
            .values("day_")
            .annotate(n=Count("pk"))
            .values_list("day_", "n")
        )
        per_day.append(dict(days))
    found = {}
    for week in weeks:
        span = [week.starts_on + dt.timedelta(days=n) for n in range((week.ends_on - week.starts_on).days + 1)]
        posts, comments, shares = (sum(counted.get(day, 0) for day in span) for counted in per_day)
        found[week.pk] = Counts(posts, comments, shares)
    return found


def counts_within[K](
    *, user: User, course: Course, spans: Mapping[K, Sequence[Span]], apart: bool = False
) -> dict[K, Counts]:
    """Posts, comments on others' work and shares in the course, summed over each key's spans of time.

    Posts are the person's published (not draft) artifacts in the course by `published_at`; comments are
    shown comments on others' artifacts in the course by `created_at`; shares are their Share rows of
    artifacts in the course by `created_at`. (The rollups' `PersonDay` counts the same per UTC day:
    `posted`, `comments_on_others`, `shares_own + shares_others`.)

    Three aggregate queries, each over one range of the person's (author, time) index from the first span
    to the last. With `apart`, three queries that read only each stretch of touching spans (a range of the
    index each), so the days between stretches, which the insights dashboard reads from its rollups, are
    never scanned.
    """
    found = {key: Counts() for key in spans}
    marked = sorted((start, end, n) for n, key_spans in enumerate(spans.values()) for start, end in key_spans)
    stretches: list[list[tuple[dt.datetime, dt.datetime, int]]] = []
    reach = dt.datetime.min.replace(tzinfo=dt.UTC)  # the latest end in the current stretch (weeks may overlap)
    for span in marked:
        if stretches and (not apart or span[0] <= reach):
            stretches[-1].append(span)
            reach = max(reach, span[1])
        else:
            stretches.append([span])
            reach = span[1]
    keys = list(spans)
    counted = _count_apart(user, course, stretches) if apart else [_count_stretch(user, course, s) for s in stretches]
    for per_key in counted:
        for n, counts in per_key.items():
            found[keys[n]] += counts
    return found


def _sources(user: User, course: Course) -> list[tuple[QuerySet[Any], str]]:
    """What the weekly goal counts, each with the time it is counted by."""
    return [
        (Artifact.objects.published().filter(course=course, author=user), "published_at"),
        (
            Comment.objects.shown().filter(artifact__course=course, author=user).exclude(artifact__author=user),
            "created_at",
        ),
        (Share.objects.filter(sharer=user, artifact__course=course), "created_at"),
    ]


def _count_apart(
    user: User, course: Course, stretches: list[list[tuple[dt.datetime, dt.datetime, int]]]
) -> list[dict[int, Counts]]:
    """The rows' times in every stretch (one UNION ALL query per kind: a short range of the person's index
    each), put in their spans in Python."""
    if not stretches:
        return []
    bounds = [(stretch[0][0], max(end for _, end, _ in stretch)) for stretch in stretches]
    starts = [start for start, _ in bounds]
    tallies: list[dict[int, list[int]]] = [{n: [0, 0, 0] for _, _, n in stretch} for stretch in stretches]
    for kind, (rows, when) in enumerate(_sources(user, course)):
        first, *rest = [
            rows.filter(**{f"{when}__gte": start, f"{when}__lt": end}).order_by().values_list(when, flat=True)
            for start, end in bounds
        ]
        for moment in first.union(*rest, all=True).order_by() if rest else first:
            at = bisect_right(starts, moment) - 1
            for start, end, n in stretches[at]:
                if start <= moment < end:
                    tallies[at][n][kind] += 1
    return [{n: Counts(*tally) for n, tally in per_key.items()} for per_key in tallies]


def _count_stretch(
    user: User, course: Course, stretch: list[tuple[dt.datetime, dt.datetime, int]]
) -> dict[int, Counts]:
    """The three aggregates over one stretch of (start, end, key number) spans, sorted by start."""
    first, last = stretch[0][0], max(end for _, end, _ in stretch)
    by_key: dict[int, list[Span]] = {}
    for start, end, n in stretch:
        by_key.setdefault(n, []).append((start, end))

    def per_key(prefix: str) -> dict[str, Count]:
        return {
            f"k{n}": Count(
                "pk", filter=reduce(or_, (Q(**{f"{prefix}__gte": s, f"{prefix}__lt": e}) for s, e in key_spans))
            )
            for n, key_spans in by_key.items()
        }

    def season(prefix: str) -> Q:
        return Q(**{f"{prefix}__gte": first, f"{prefix}__lt": last})

    posts, comments, shares = (
        rows.filter(season(field)).aggregate(**per_key(field)) for rows, field in _sources(user, course)
    )
    return {n: Counts(posts[f"k{n}"] or 0, comments[f"k{n}"] or 0, shares[f"k{n}"] or 0) for n in by_key}


@dataclass(frozen=True)
class WeekRecord:
    week: Week
    counts: Counts
    status: Status


@dataclass(frozen=True)
class Streak:
    weeks: int
    history: list[WeekRecord]  # newest first, at most HISTORY_WEEKS

    @property
    def text(self) -> str:
        if self.weeks == 0:
            return "No streak yet — meet your goal this week to start one."
        unit = "1-week streak" if self.weeks == 1 else f"{self.weeks}-week streak"
        return f"{unit} — one missed week is forgiven in any four"


def streak_for(
    *, user: User, course: Course, goal: Goal, weeks: Sequence[Week], counts: dict[int, Counts], today: dt.date
) -> Streak:
    """The streak over completed weeks, plus the current week once its goal is met (it never breaks one)."""
    counted: list[tuple[Week, Counts, bool]] = []
    for week in sorted(weeks, key=lambda w: w.starts_on):
        got = counts.get(week.pk, Counts())
        if week.ends_on < today or (week.starts_on <= today and got.meets(goal)):
            counted.append((week, got, got.meets(goal)))
    labels = week_statuses([met for _, _, met in counted])
    history = [WeekRecord(week, got, label) for (week, got, _), label in zip(counted, labels, strict=True)]
    return Streak(streak_from([met for _, _, met in counted]), history[::-1][:HISTORY_WEEKS])


@dataclass(frozen=True)
class NextStep:
    kind: str  # "post", "comment", "share" or "done"
    text: str
    link: str = ""
    artifacts: list[Artifact] = field(default_factory=list)


_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _say(n: int) -> str:
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def _unfiltered(user: User, found: QuerySet[Artifact], limit: int) -> list[Artifact]:
    """The first `limit` of `found` that none of the person's course keyword filters match, whether they hide
    or warn: a suggestion is a nudge towards something, never towards what they asked to be kept from."""
    matcher = filters_for(user, FilterContext.COURSES)
    if matcher is None:
        return list(found[:limit])
    rows = found.prefetch_related("tags")[: limit * 4]  # a few spare for what the filters take out
    return [artifact for artifact in rows if matcher.match(*artifact_text(artifact)) is None][:limit]


def comment_suggestions(*, user: User, course: Course, limit: int = SUGGESTIONS) -> list[Artifact]:
    """Recent work by others in the course, still open for comments, that the person can see and has not
    commented on — fewest comments first, so quiet posts get company; none that their keyword filters match."""
    now = timezone.now()
    return _unfiltered(
        user,
        Artifact.objects.visible_to(user)
        .unmuted_for(user, now)
        .published()
        .filter(course=course, published_at__gte=now - dt.timedelta(days=course.comment_window_days))
        .exclude(author=user)
        .exclude(comments__author=user)
        .select_related("author")
        .annotate(
            comment_count=Count("comments", filter=Q(comments__removed_at__isnull=True, comments__held_reason=""))
        )
        .order_by("comment_count", "-published_at", "-id"),
        limit,
    )


def share_suggestions(*, user: User, course: Course, limit: int = SUGGESTIONS) -> list[Artifact]:
    """Others' work in the course the person opened but has not shared yet, most recently opened first; none
    that their keyword filters match."""
    opened = Open.objects.filter(user=user).values("artifact_id")
    return _unfiltered(
        user,
        Artifact.objects.visible_to(user)
        .unmuted_for(user)
        .published()
        .filter(course=course, pk__in=opened)
        .exclude(author=user)
        .exclude(shares__sharer=user)
        .select_related("author")
        .order_by("-published_at", "-id"),
        limit,
    )


def next_step(*, user: User, course: Course, goal: Goal, counts: Counts, week: Week | None) -> NextStep:
    """The first unmet part of this week's goal, in plain words, with a link or a few suggestions."""
    if week is None:
        return NextStep("done", "No course week is running today. Come back when the next one starts.")
    if counts.posts < goal.posts:
        prompt = Prompt.objects.filter(week=week).order_by("number").first()
        link = reverse("posts:publish", kwargs={"slug": course.slug})
        if prompt is not None:
            link += f"?prompt={prompt.pk}"
        text = "Write this week's post" if goal.posts - counts.posts == 1 else "Write this week's posts"
        return NextStep("post", text, link=link)
    if counts.comments < goal.comments:
        left = goal.comments - counts.comments
        text = f"Comment on {_say(left)} other{'s' if left != 1 else ''}"
        return NextStep("comment", text, artifacts=comment_suggestions(user=user, course=course))
    if counts.shares < goal.shares:
        left = goal.shares - counts.shares
        text = f"Share others' work — {_say(left)} more this week"
        return NextStep("share", text, artifacts=share_suggestions(user=user, course=course))
    return NextStep("done", "You have met this week's goal. Keep it going next week.")


@dataclass(frozen=True)
class MyWeek:
    goal: Goal
    week: Week | None
    counts: Counts
    streak: Streak
    next_step: NextStep

    @property
    def progress(self) -> list[tuple[str, int, int]]:
        """(label, done, goal) for each part of the goal."""
        return [
            ("Posts", self.counts.posts, self.goal.posts),
            ("Comments on others' work", self.counts.comments, self.goal.comments),
            ("Shares", self.counts.shares, self.goal.shares),
        ]


def my_week(*, user: User, course: Course, today: dt.date | None = None) -> MyWeek:
    """Everything the "your week at a glance" page shows, in a handful of queries."""
    today = today or timezone.localdate()
    goal = goal_for(user=user, course=course)
    weeks = list(course.weeks.order_by("starts_on", "number"))
    counts = week_counts(user=user, course=course, weeks=weeks)
    current = next((w for w in weeks if w.contains(today)), None)
    this_week = counts.get(current.pk, Counts()) if current else Counts()
    streak = streak_for(user=user, course=course, goal=goal, weeks=weeks, counts=counts, today=today)
    step = next_step(user=user, course=course, goal=goal, counts=this_week, week=current)
    return MyWeek(goal, current, this_week, streak, step)
