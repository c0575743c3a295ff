"""Reads for the dashboards: the daily rollups up to yesterday plus today's live counts, shaped into charts.

Dashboards never scan the source tables' history: history comes from the rollups (a row per person, course
and day at most), and only today is counted live, from indexed ranges. So they cost the same at any scale.
"""

import datetime as dt
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Enrollment, MemberRole, Week
from insights import charts
from insights.charts import Chart
from insights.models import CourseDay, CourseEdgeDay, CourseWeek, FilledDay, MemberActivity, NetworkDay, PersonDay
from insights.services import answered, day_bounds
from network import habits
from network.habits import Counts, Span
from network.models import Follow, Open, Share
from network.selectors import CourseStreak, CurationReach, course_streaks, curation_reach
from posts.models import Artifact, ChangedDay, Comment, Origin, Tone, Visibility, addressed_to_q

TONES = [Tone.SUPPORT, Tone.QUESTION, Tone.CHALLENGE, Tone.NEUTRAL]
TONE_LABELS = {t: t.label for t in TONES}
QUIET_LIMIT = 50
UNANSWERED_DAYS = 3


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month(day: dt.date) -> str:
    return day.strftime("%b %Y")


def _months(start: dt.date, end: dt.date) -> list[str]:
    labels, cursor = [], start.replace(day=1)
    while cursor <= end:
        labels.append(_month(cursor))
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    return labels


# --- Today, counted live ------------------------------------------------------------------------------------


PERSON_FIELDS = [f.name for f in PersonDay._meta.concrete_fields if f.name not in {"id", "user", "course", "day"}]


type Reply = tuple[int, str, dt.datetime]  # (author, tone, when) of a comment addressed to the person


def _replies_to(user: User, since: dt.datetime) -> list[Reply]:
    """Others' shown comments addressed to the person (on their work or answering their comment) since a
    recent moment: two ranges of the person's own indexes (`addressed_to_q`)."""
    return list(
        Comment.objects.filter(removed_at__isnull=True, held_reason="", created_at__gte=since)
        .filter(addressed_to_q(user))
        .exclude(author=user)
        .values_list("author_id", "tone", "created_at")
    )


def _person_today(user: User, today: dt.date, replies: Sequence[Reply] | None = None) -> dict[str, int]:
    """Today's counts for the person across courses (the PersonDay fields the dashboard reads); `replies`
    are `_replies_to` since today's start, when already read."""
    start, end = day_bounds(today)
    counts: Counter[str] = Counter()
    posted = (
        Artifact.objects.filter(author=user, published_at__gte=start, published_at__lt=end)
        .exclude(visibility=Visibility.DRAFT)
        .filter(held_reason="")
    )
    found = posted.aggregate(n=Count("id"), harvested=Count("id", filter=Q(origin=Origin.HARVESTED)))
    counts["posted"], counts["harvested"] = found["n"], found["harvested"]
    given = Comment.objects.filter(
        author=user, removed_at__isnull=True, held_reason="", created_at__gte=start, created_at__lt=end
    )
    for tone, n in given.values_list("tone").annotate(n=Count("id")).order_by():
        counts[f"given_{tone}"] += n
        counts["comments_given"] += n
    for _, tone, when in replies if replies is not None else _replies_to(user, start):
        if when < end:
            counts[f"received_{tone}"] += 1
            counts["comments_received"] += 1
    shares = Share.objects.filter(sharer=user, created_at__gte=start, created_at__lt=end).aggregate(
        own=Count("id", filter=Q(own_work=True)), others=Count("id", filter=Q(own_work=False))
    )
    counts["shares_own"], counts["shares_others"] = shares["own"], shares["others"]
    counts["shares_received"] = (
        Share.objects.filter(artifact__author=user, created_at__gte=start, created_at__lt=end)
        .exclude(sharer=user)
        .count()
    )
    counts["share_opens"] = (
        Open.objects.filter(via_share__sharer=user, first_opened_at__gte=start, first_opened_at__lt=end)
        .exclude(user=user)
        .count()
    )
    return dict(counts)


def _person_days(
    user: User, since: dt.date, today: dt.date, replies: Sequence[Reply] | None = None
) -> dict[dt.date, dict[str, int]]:
    """Per day, the person's counts summed over courses: rollups before today, live counts for today."""
    rows = (
        PersonDay.objects.filter(user=user, day__gte=since, day__lt=today)
        .values("day")
        .annotate(**{name: Sum(name) for name in PERSON_FIELDS})
        .order_by("day")
    )
    days: dict[dt.date, dict[str, int]] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        days[values["day"]] = {k: values[k] or 0 for k in PERSON_FIELDS}
    live = _person_today(user, today, replies)
    if any(live.values()):
        days[today] = {k: live.get(k, 0) for k in PERSON_FIELDS}
    return days


def _actions(counts: Mapping[str, int]) -> int:
    return (
        counts.get("posted", 0)
        + counts.get("comments_given", 0)
        + counts.get("shares_own", 0)
        + counts.get("shares_others", 0)
    )


# --- A person's history: the rollups for the days they have counted, the source tables for the rest --------------

EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
MAX_SPANS = 50  # more unfilled stretches than this are read as one (each is an OR in the query)
LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def filled_days(before: dt.date) -> list[dt.date]:
    """The UTC days before `before` that the rollups have counted (`FilledDay`) and that have not changed
    since (`posts.ChangedDay`: a comment removed, a post deleted, a share withdrawn …), oldest first. A
    changed day is counted live until the nightly run counts it again (`stale_days`)."""
    return list(
        FilledDay.objects.filter(day__lt=before)
        .exclude(Exists(ChangedDay.objects.filter(day=OuterRef("day"), changed_at__gte=OuterRef("filled_at"))))
        .order_by("day")
        .values_list("day", flat=True)
    )


def stale_days(before: dt.date) -> list[dt.date]:
    """The filled days before `before` that changed after they were counted, oldest first."""
    return list(
        FilledDay.objects.filter(day__lt=before)
        .filter(Exists(ChangedDay.objects.filter(day=OuterRef("day"), changed_at__gte=OuterRef("filled_at"))))
        .order_by("day")
        .values_list("day", flat=True)
    )


def split_span(start: dt.datetime, end: dt.datetime, filled: Sequence[dt.date]) -> tuple[list[dt.date], list[Span]]:
    """[start, end) as the filled UTC days wholly inside it, and the spans of time between them, which are
    counted from the source tables (today, days no fill has reached, and the ends of a week that starts
    at a local midnight other than UTC's)."""
    days: list[dt.date] = []
    spans: list[Span] = []
    cursor = start
    for day in filled[bisect_left(filled, start.astimezone(dt.UTC).date()) :]:
        day_start, day_end = day_bounds(day)
        if day_end > end:
            break
        if day_start < start:
            continue
        if day_start > cursor:
            spans.append((cursor, day_start))
        days.append(day)
        cursor = day_end
    if cursor < end:
        spans.append((cursor, end))
    return days, spans


def _within(spans: Sequence[Span], field: str = "created_at") -> Q:
    return reduce(or_, (Q(**{f"{field}__gte": start, f"{field}__lt": end}) for start, end in spans), Q(pk__in=[]))


def rolled_week_counts(filled: Sequence[dt.date]) -> habits.WeekCounter:
    """`habits.week_counts` from the rollups: each week's filled days from `PersonDay` (one query), the rest
    of the week counted live (three queries per stretch of unfilled time: usually just today onwards, plus
    a week's two partial days when the viewer's midnight is not UTC's), so a very active person costs no
    more."""

    def count(*, user: User, course: Course, weeks: Sequence[Week]) -> dict[int, Counts]:
        days: dict[int, list[dt.date]] = {}
        live: dict[int, list[Span]] = {}
        for week in weeks:
            days[week.pk], live[week.pk] = split_span(*habits.week_bounds(week), filled)
        every = sorted({day for week_days in days.values() for day in week_days})
        per_day: dict[dt.date, Counts] = {}
        if every:
            rows = PersonDay.objects.filter(user=user, course=course, day__gte=every[0], day__lte=every[-1])
            for day, posted, comments, own, others in rows.values_list(
                "day", "posted", "comments_on_others", "shares_own", "shares_others"
            ):
                per_day[day] = Counts(posted, comments, own + others)
        found = habits.counts_within(user=user, course=course, spans=live, apart=True)
        for pk, week_days in days.items():
            found[pk] = sum((per_day.get(day, Counts()) for day in week_days), found[pk])
        return found

    return count


def talked_before(user: User, people: Iterable[int], before: dt.datetime, filled: Sequence[dt.date]) -> set[int]:
    """Which of `people` the person had conversed with, either way, before `before`: the reply edges of the
    days the rollups counted (read from an index: the person's partners, however many `people` there are),
    plus the source tables for the days they have not."""
    wanted = set(people)
    if not wanted:
        return set()
    days, spans = split_span(EARLIEST, before, filled)
    # Nobody talked before the first comment: the unfilled time before it needs no look.
    first = Comment.objects.aggregate(first=Min("created_at"))["first"]
    spans = [(max(start, first), end) for start, end in spans if first is not None and end > first]
    if len(spans) > MAX_SPANS:  # scattered gaps: one span over them all (the filled days in it are read twice)
        spans = [(spans[0][0], spans[-1][1])]
    found: set[int] = set()
    if days:
        edges = CourseEdgeDay.objects.filter(day__gte=days[0], day__lte=days[-1], replies__gt=0).order_by()
        found.update(edges.filter(source=user).values_list("target_id", flat=True).distinct())
        found.update(edges.filter(target=user).values_list("source_id", flat=True).distinct())
    if spans:
        found |= _partners(user, spans)
    return found & wanted


# --- The personal dashboard -----------------------------------------------------------------------------------


@dataclass
class PersonalDashboard:
    reflection: str
    heatmap: Chart
    active_weeks: int
    weeks_chart: Chart
    network_chart: Chart
    giving_chart: Chart
    conversation_chart: Chart
    conversation_compare: Chart
    reach_chart: Chart
    reach: CurationReach
    streaks: list[CourseStreak]  # per course: the streak and the weekly goal met or missed, week by week
    opens_total: int
    shares_received_total: int
    numbers: dict[str, int] = field(default_factory=dict)


def people_commented_on(user: User, start: dt.datetime, end: dt.datetime, filled: Sequence[dt.date]) -> set[int]:
    """Ids of the people the person replied to in [start, end), counted as the rollups count a reply: the
    author of the work it is on and of the comment it answers. The reply edges for the days the rollups
    counted, the source table for the rest (today)."""
    days, spans = split_span(start, end, filled)
    found: set[int] = set()
    if days:
        edges = CourseEdgeDay.objects.filter(source=user, day__gte=days[0], day__lte=days[-1], replies__gt=0)
        found.update(edges.order_by().values_list("target_id", flat=True).distinct())
    if spans:
        wrote = Comment.objects.filter(_within(spans), author=user, removed_at__isnull=True, held_reason="")
        for artifact_author, parent_author in wrote.values_list("artifact__author_id", "parent__author_id"):
            found |= answered(user.pk, artifact_author, parent_author)
    return found


def weekly_reflection(user: User, today: dt.date, filled: Sequence[dt.date] | None = None) -> str:
    """A sentence about this week, in plain words, e.g. "You commented on 5 people this week, 2 of them new
    to you." The week is counted live (one person's week is small); "new to you" means never conversed
    with, either way, before the week (`talked_before`)."""
    start = dt.datetime.combine(week_start(today), dt.time.min, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=7)
    if filled is None:
        filled = filled_days(today)
    this_week = people_commented_on(user, start, end, filled)
    if not this_week:
        posted = Artifact.objects.filter(author=user, published_at__gte=start, published_at__lt=end).count()
        if posted:
            return (
                f"You posted {posted} time{'s' if posted != 1 else ''} this week. Commenting on someone "
                "else's work is the quickest way to grow your network."
            )
        return "A quiet week so far. Reading one post and asking its writer a question is a good way back in."
    new = len(this_week - talked_before(user, this_week, start, filled))
    people = "1 person" if len(this_week) == 1 else f"{len(this_week)} people"
    if new == 0:
        tail = (
            "all of them people you have talked with before."
            if len(this_week) > 1
            else "someone you have talked with before."
        )
    elif new == len(this_week):
        tail = "all of them new to you." if new > 1 else "someone new to you."
    else:
        tail = f"{new} of them new to you."
    return f"You commented on {people} this week, {tail}"


def personal_dashboard(user: User, *, today: dt.date | None = None) -> PersonalDashboard:
    today = today or timezone.now().date()
    filled = filled_days(today)
    replies = _replies_to(user, day_bounds(today)[0])
    year_ago = week_start(today) - dt.timedelta(weeks=51)
    days = _person_days(user, year_ago, today, replies)
    daily_actions = {day: _actions(c) for day, c in days.items()}
    heatmap = charts.heatmap(
        daily_actions, end=today, weeks=52, id="chart-heatmap", caption="Your last 52 weeks: posts, comments and shares"
    )
    active_weeks = len({week_start(day) for day, n in daily_actions.items() if n})

    # The last 12 weeks: posts, comments, shares.
    weeks = [week_start(today) - dt.timedelta(weeks=n) for n in range(11, -1, -1)]
    per_week: dict[dt.date, Counter[str]] = {w: Counter() for w in weeks}
    for day, c in days.items():
        if (w := week_start(day)) in per_week:
            per_week[w].update(
                {"posts": c["posted"], "comments": c["comments_given"], "shares": c["shares_own"] + c["shares_others"]}
            )
    week_labels = [w.strftime("%-d %b") for w in weeks]
    weeks_chart = charts.stacked_bars(
        week_labels,
        {kind.capitalize(): [per_week[w][kind] for w in weeks] for kind in ("posts", "comments", "shares")},
        id="chart-weeks",
        caption="Your last 12 weeks",
        y_label="Actions",
        x_label="Week of",
    )

    # Network over time, week by week since joining (totals carried forward between changes).
    joined = user.date_joined.date()
    first_week = max(week_start(joined), week_start(today) - dt.timedelta(weeks=103))
    net_weeks = []
    cursor = first_week
    while cursor <= today:
        net_weeks.append(cursor)
        cursor += dt.timedelta(weeks=1)
    changes = list(
        NetworkDay.objects.filter(user=user, day__lt=today)
        .order_by("day")
        .values_list("day", "followers_total", "mutuals_total", "conversed_total")
    )
    live = _network_now(user, filled, (day_bounds(today)[0], replies))
    series: dict[str, list[float | int]] = {"Followers": [], "Mutual connections": [], "People conversed with": []}
    index, last = 0, (0, 0, 0)
    for week in net_weeks:
        end = week + dt.timedelta(days=6)
        while index < len(changes) and changes[index][0] <= end:
            last = changes[index][1:]
            index += 1
        if end >= today:
            last = live
        for name, value in zip(series, last, strict=True):
            series[name].append(value)
    network_chart = charts.line_chart(
        [w.strftime("%-d %b %Y") for w in net_weeks],
        series,
        id="chart-network",
        caption="Your network, week by week",
        y_label="People",
        x_label="Week of",
    )

    # Giving, conversation and reach by month over the last 12 months.
    month_labels = _months(year_ago, today)
    monthly: dict[str, Counter[str]] = defaultdict(Counter)
    for day, c in days.items():
        monthly[_month(day)].update(c)
    giving_chart = charts.stacked_bars(
        month_labels,
        {
            "Others' work": [monthly[m]["shares_others"] for m in month_labels],
            "Your own work": [monthly[m]["shares_own"] for m in month_labels],
        },
        id="chart-giving",
        caption="What you shared, by month",
        y_label="Shares",
        x_label="Month",
    )
    conversation_chart = charts.stacked_bars(
        month_labels,
        {TONE_LABELS[t]: [monthly[m][f"given_{t}"] for m in month_labels] for t in TONES},
        id="chart-conversation",
        caption="The tone of your replies, by month",
        y_label="Replies",
        x_label="Month",
    )
    mine = Counter({str(t): sum(monthly[m][f"given_{t}"] for m in month_labels) for t in TONES})
    course_ids = list(Enrollment.objects.filter(user=user).values_list("course_id", flat=True))
    course_mix = CourseDay.objects.filter(course_id__in=course_ids, day__gte=year_ago).aggregate(
        **{t: Sum(f"comments_{t}") for t in TONES}
    )
    theirs = Counter({str(t): course_mix[t] or 0 for t in TONES})
    conversation_compare = charts.compare_bars(
        [TONE_LABELS[t] for t in TONES],
        {"Your replies": _percentages(mine), "Your courses": _percentages(theirs)},
        id="chart-conversation-mix",
        caption="Your mix of replies against your courses' mix (last 12 months)",
    )
    reach_chart = charts.stacked_bars(
        month_labels,
        {
            "Opens through your shares": [monthly[m]["share_opens"] for m in month_labels],
            "Your work shared by others": [monthly[m]["shares_received"] for m in month_labels],
        },
        id="chart-reach",
        caption="Reach and trust, by month",
        y_label="Count",
        x_label="Month",
    )
    totals = Counter[str]()
    for c in days.values():
        totals.update(c)
    return PersonalDashboard(
        reflection=weekly_reflection(user, today, filled),
        heatmap=heatmap,
        active_weeks=active_weeks,
        weeks_chart=weeks_chart,
        network_chart=network_chart,
        giving_chart=giving_chart,
        conversation_chart=conversation_chart,
        conversation_compare=conversation_compare,
        reach_chart=reach_chart,
        reach=curation_reach(user),
        streaks=course_streaks(user, today=today, counter=rolled_week_counts(filled)),
        opens_total=totals["share_opens"],
        shares_received_total=totals["shares_received"],
        numbers={"followers": live[0], "mutuals": live[1], "conversed": live[2]},
    )


def _percentages(counts: Mapping[str, int]) -> list[float]:
    total = sum(counts.values())
    return [round(100 * counts[str(t)] / total, 1) if total else 0.0 for t in TONES]


def _partners(user: User, spans: Sequence[Span], replies: Iterable[Reply] | None = None) -> set[int]:
    """The people the person conversed with within the spans of time, counted as the rollups count them:
    everyone whose work or comment they answered, and everyone who answered theirs (`replies`: those
    answers, when already read)."""
    window = Q(removed_at__isnull=True, held_reason="") & _within(spans)
    found: set[int] = set()
    wrote = Comment.objects.filter(window, author=user).values_list("artifact__author_id", "parent__author_id")
    for artifact_author, parent_author in wrote:
        found |= answered(user.pk, artifact_author, parent_author)
    if replies is not None:
        found.update(author for author, _, _ in replies)
        return found
    received = Comment.objects.filter(window).filter(addressed_to_q(user)).exclude(author=user)
    found.update(received.order_by().values_list("author_id", flat=True).distinct())
    return found


def _network_now(
    user: User, filled: Sequence[dt.date] | None = None, replies: tuple[dt.datetime, Sequence[Reply]] | None = None
) -> tuple[int, int, int]:
    """Followers, mutual connections and people ever conversed with, right now.

    The last is the rollups' total as far as they have counted, plus the people first met since: the
    history before is asked about those few people only (`talked_before`), so a very active person costs
    no more."""
    followers = Follow.objects.filter(followee=user)
    following = Follow.objects.filter(follower=user).values("followee_id")
    mutuals = followers.filter(follower_id__in=following).count()
    counted = NetworkDay.objects.aggregate(last=Max("day"))["last"]
    if counted is None:  # nothing rolled up yet: count it all live
        return followers.count(), mutuals, len(_partners(user, [(EARLIEST, LATEST)]))
    since = day_bounds(counted)[1]
    total = (
        NetworkDay.objects.filter(user=user, day__lte=counted).order_by("-day").values_list("conversed_total").first()
    )
    # `replies`: (since when, what) the page has read already; of use unless the rollups are further behind
    read_from, read = replies if replies is not None else (LATEST, [])
    answers = [reply for reply in read if reply[2] >= since] if read_from <= since else _replies_to(user, since)
    recent = _partners(user, [(since, LATEST)], answers)
    if filled is None:
        filled = filled_days(since.date())
    met_before = talked_before(user, recent, since, filled)
    return followers.count(), mutuals, (total[0] if total else 0) + len(recent - met_before)


@dataclass(frozen=True)
class ProfileSummary:
    active_weeks: int
    conversed: int
    text: str


def profile_summary(user: User, *, today: dt.date | None = None) -> ProfileSummary:
    """One line for the profile: weeks active in the last 52, and people conversed with (rollups only)."""
    today = today or timezone.now().date()
    since = week_start(today) - dt.timedelta(weeks=51)
    days = PersonDay.objects.filter(user=user, day__gte=since).values_list("day", flat=True).distinct()
    active = len({week_start(day) for day in days})
    last = NetworkDay.objects.filter(user=user).order_by("-day").values_list("conversed_total", flat=True).first()
    conversed = last or 0
    text = f"Active in {active} of the last 52 weeks · has conversed with {conversed} people"
    return ProfileSummary(active, conversed, text)


# --- The facilitator dashboard ---------------------------------------------------------------------------------


@dataclass
class QuietPerson:
    person: User
    last_active: dt.date | None


@dataclass
class CourseDashboard:
    course: Course
    participation_chart: Chart
    norm_rows: list[dict[str, object]]
    connections_chart: Chart
    tone_chart: Chart
    quiet: list[QuietPerson]
    quiet_total: int
    unanswered: list[Artifact]
    members: int


def _course_weeks(course: Course) -> list[Week]:
    return list(course.weeks.order_by("starts_on", "number"))


def _course_comments_since(course: Course, start: dt.datetime) -> list[tuple[int, str]]:
    """(author, tone) of the shown comments made in the course since `start` (live counts, not yet rolled up).

    A comment can only be made while its artifact's comment window is open, so only artifacts published
    within the window (and a day's margin) before `start` are looked at: the course's recent artifacts, not
    all of them."""
    recent = start - dt.timedelta(days=course.comment_window_days + 1)
    return list(
        Comment.objects.filter(
            artifact__course=course,
            artifact__published_at__gte=recent,
            removed_at__isnull=True,
            held_reason="",
            created_at__gte=start,
        )
        .values_list("author_id", "tone")
        .order_by()
    )


def _course_today(course: Course, today: dt.date, comments: list[tuple[int, str]] | None = None) -> dict[str, int]:
    """Today's live counts for the course; `comments` are today's (author, tone), when already read."""
    start, end = day_bounds(today)
    counts: Counter[str] = Counter()
    posted = (
        Artifact.objects.filter(course=course, published_at__gte=start, published_at__lt=end)
        .exclude(visibility=Visibility.DRAFT)
        .filter(held_reason="")
    )
    counts["posted"] = posted.count()
    for _, tone in comments if comments is not None else _course_comments_since(course, start):
        counts[f"comments_{tone}"] += 1
        counts["comments"] += 1
    shares = Share.objects.filter(artifact__course=course, created_at__gte=start, created_at__lt=end)
    counts["shares_own"] = shares.filter(own_work=True).count()
    counts["shares_others"] = shares.filter(own_work=False).count()
    members = Enrollment.objects.filter(course=course).values("user_id")
    counts["new_connections"] = Follow.objects.filter(
        created_at__gte=start, created_at__lt=end, follower_id__in=members, followee_id__in=members
    ).count()
    return dict(counts)


def course_dashboard(course: Course, *, today: dt.date | None = None) -> CourseDashboard:
    today = today or timezone.now().date()
    weeks = _course_weeks(course)
    day_rows = {
        row["day"]: row
        for row in CourseDay.objects.filter(course=course, day__lt=today).values(
            "day",
            "posted",
            "comments",
            "shares_own",
            "shares_others",
            "new_connections",
            *(f"comments_{t}" for t in TONES),
        )
    }
    todays_comments = _course_comments_since(course, day_bounds(today)[0])
    live = _course_today(course, today, todays_comments)
    day_rows[today] = {"day": today, **live}

    def in_week(week: Week, key: str) -> int:
        return sum(int(r.get(key, 0) or 0) for day, r in day_rows.items() if week.starts_on <= day <= week.ends_on)

    labels = [f"Week {w.number}" for w in weeks]
    participation_chart = charts.stacked_bars(
        labels,
        {
            "Posts": [in_week(w, "posted") for w in weeks],
            "Comments": [in_week(w, "comments") for w in weeks],
            "Shares": [in_week(w, "shares_own") + in_week(w, "shares_others") for w in weeks],
        },
        id="chart-participation",
        caption="Participation per week",
        y_label="Actions",
        x_label="Week",
    )
    connections_chart = charts.line_chart(
        labels,
        {"New connections": [in_week(w, "new_connections") for w in weeks]},
        id="chart-connections",
        caption="New connections formed per week (follows between members)",
        y_label="Follows",
        x_label="Week",
    )
    tone_chart = charts.stacked_bars(
        labels,
        {TONE_LABELS[t]: [in_week(w, f"comments_{t}") for w in weeks] for t in TONES},
        id="chart-tone",
        caption="The tone of the course's conversation per week",
        y_label="Comments",
        x_label="Week",
    )
    members = Enrollment.objects.filter(course=course).count()
    quiet, quiet_total = quiet_people(course, today=today, todays_comments=todays_comments)
    return CourseDashboard(
        course=course,
        participation_chart=participation_chart,
        norm_rows=norm_table(course, weeks, today=today, members=members),
        connections_chart=connections_chart,
        tone_chart=tone_chart,
        quiet=quiet,
        quiet_total=quiet_total,
        unanswered=unanswered_posts(course, today=today),
        members=members,
    )


def norm_table(course: Course, weeks: Iterable[Week], *, today: dt.date, members: int) -> list[dict[str, object]]:
    """Per week that has started: how many people met the norm for posts, comments and shares (rollups;
    the current week includes up to yesterday). One query: each week's stored spread of effort."""
    started = [week for week in weeks if week.starts_on <= today]
    spread = {row.week_id: row for row in CourseWeek.objects.filter(week__in=started)}
    norms = {"posts": course.norm_posts, "comments": course.norm_comments, "shares": course.norm_shares}
    rows: list[dict[str, object]] = []
    for week in started:
        stored = spread.get(week.pk)
        met = {kind: stored.reached(kind, norm) if stored else 0 for kind, norm in norms.items()}
        rows.append({"week": week, "members": members, **met})
    return rows


def quiet_people(
    course: Course,
    *,
    today: dt.date,
    limit: int = QUIET_LIMIT,
    todays_comments: list[tuple[int, str]] | None = None,
) -> tuple[list[QuietPerson], int]:
    """Participants active earlier in the course who have neither posted nor commented this week, most
    recently active first; and how many there are in all.

    Earlier activity is each person's last active day as far as the rollups have counted (MemberActivity);
    the days since the last counted day are read live (`todays_comments`, when the caller has read them
    and only today is uncounted). Five queries at most, however big the course."""
    this_week = week_start(today)
    counted = CourseDay.objects.filter(course=course).aggregate(last=Max("day"))["last"]
    live_from = max(this_week, counted + dt.timedelta(days=1)) if counted else this_week
    start, _ = day_bounds(live_from)
    if todays_comments is None or live_from != today:
        todays_comments = _course_comments_since(course, start)
    active_now = set(
        Artifact.objects.filter(course=course, published_at__gte=start)
        .exclude(visibility=Visibility.DRAFT)
        .filter(held_reason="")
        .values_list("author_id", flat=True)
    ) | {author for author, _ in todays_comments}
    quiet = (
        MemberActivity.objects.filter(course=course, last_active_on__lt=this_week)
        .filter(
            Exists(Enrollment.objects.filter(course=course, user_id=OuterRef("user_id"), role=MemberRole.PARTICIPANT))
        )
        .exclude(user_id__in=active_now)
    )
    total = quiet.count()
    rows = quiet.select_related("user").order_by("-last_active_on", "-user_id")[:limit]
    return [QuietPerson(row.user, row.last_active_on) for row in rows], total


def unanswered_posts(course: Course, *, today: dt.date, limit: int = 20) -> list[Artifact]:
    """Posts in the course with no comment after UNANSWERED_DAYS days (the last four weeks), oldest first."""
    cutoff = dt.datetime.combine(today, dt.time.min, tzinfo=dt.UTC) - dt.timedelta(days=UNANSWERED_DAYS)
    return list(
        Artifact.objects.filter(
            course=course, published_at__lt=cutoff, published_at__gte=cutoff - dt.timedelta(weeks=4)
        )
        .exclude(visibility=Visibility.DRAFT)
        .filter(held_reason="")
        .filter(~Exists(Comment.objects.filter(artifact=OuterRef("pk"), removed_at__isnull=True, held_reason="")))
        .select_related("author")
        .order_by("published_at", "id")[:limit]
    )


def late_arrival_days(*, before: dt.date, arrived_since: dt.datetime) -> list[dt.date]:
    """The UTC days before `before` that gained published posts arriving since `arrived_since`, oldest first.

    A blog registered (or mended) late brings posts dated weeks back, which the nightly recount of the last
    week would miss; their days are counted again too. One query over the recently created artifacts.
    """
    start, _ = day_bounds(before)
    stamps = (
        Artifact.objects.filter(created_at__gte=arrived_since, published_at__lt=start)
        .exclude(visibility=Visibility.DRAFT)
        .filter(held_reason="")
        .values_list("published_at", flat=True)
        .order_by()
    )
    return sorted({stamp.astimezone(dt.UTC).date() for stamp in stamps})
