"""The personal dashboard's history reads: the rollups for the days they counted (`FilledDay`), the source
tables for the rest. Each is checked against the live count it replaces, on random activity, whatever the
coverage and the viewer's time zone, and shown to really read the rollups."""

import datetime as dt
import random
import zoneinfo

import pytest
from django.db.models import F
from django.utils import timezone

from accounts.tests.factories import UserFactory
from courses.models import Course
from courses.tests.factories import CourseFactory, EnrollmentFactory, WeekFactory
from insights import selectors
from insights.models import FilledDay, PersonDay
from insights.selectors import EARLIEST, filled_days, rolled_week_counts, split_span, talked_before
from insights.services import answered, day_bounds, fill_day
from network import habits
from network.models import Share
from network.selectors import course_streaks
from posts.models import Artifact, Comment, Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _utc(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# split_span


def test_split_span_gives_the_filled_days_wholly_inside_and_the_gaps_between() -> None:
    d = dt.date(2026, 3, 2)
    filled = [d, d + dt.timedelta(days=1), d + dt.timedelta(days=3)]
    days, spans = split_span(_utc(d), _utc(d + dt.timedelta(days=5)), filled)
    assert days == filled
    assert spans == [
        (_utc(d + dt.timedelta(days=2)), _utc(d + dt.timedelta(days=3))),
        (_utc(d + dt.timedelta(days=4)), _utc(d + dt.timedelta(days=5))),
    ]


def test_split_span_counts_the_partial_days_of_a_week_in_another_time_zone_live() -> None:
    d = dt.date(2026, 3, 2)
    filled = [d + dt.timedelta(days=n) for n in range(-1, 9)]
    start = dt.datetime(2026, 3, 2, tzinfo=zoneinfo.ZoneInfo("America/Los_Angeles"))  # 08:00 UTC
    end = start + dt.timedelta(days=7)
    days, spans = split_span(start, end, filled)
    assert days == [d + dt.timedelta(days=n) for n in range(1, 7)]
    assert spans == [(start, _utc(d + dt.timedelta(days=1))), (_utc(d + dt.timedelta(days=7)), end)]


def test_split_span_with_nothing_filled_is_one_live_span() -> None:
    assert split_span(EARLIEST, _utc(dt.date(2026, 3, 2)), []) == ([], [(EARLIEST, _utc(dt.date(2026, 3, 2)))])


# Random activity over a six-week season


@pytest.fixture
def busy() -> tuple[Course, list]:
    """Six people in a season of six weeks (the last one current) doing random things at random hours."""
    rng = random.Random(7)
    course = CourseFactory.create(slug="busy", norm_posts=1, norm_comments=2, norm_shares=1)
    other = CourseFactory.create(slug="elsewhere")
    people = UserFactory.create_batch(6)
    for person in people:
        EnrollmentFactory.create(course=course, user=person)
    today = timezone.now().astimezone(UTC).date()
    first = today - dt.timedelta(days=37)
    for number in range(6):
        start = first + dt.timedelta(days=7 * number)
        WeekFactory.create(course=course, number=number + 1, starts_on=start, ends_on=start + dt.timedelta(days=6))
    now = timezone.now()

    def when() -> dt.datetime:
        moment = _utc(first - dt.timedelta(days=3)) + dt.timedelta(minutes=rng.randrange(60 * 24 * 41))
        return min(moment, now - dt.timedelta(minutes=1))

    artifacts: list[Artifact] = []
    for _ in range(60):
        artifacts.append(
            ArtifactFactory.create(
                course=rng.choice([course, course, course, other]),
                author=rng.choice(people),
                published_at=when(),
                visibility=rng.choice([Visibility.PUBLIC, Visibility.PUBLIC, Visibility.DRAFT]),
            )
        )
    comments: list[Comment] = []
    for _ in range(220):
        artifact = rng.choice(artifacts)
        parent = rng.choice([None, None, *[c for c in comments if c.artifact_id == artifact.pk]])
        made = CommentFactory.create(artifact=artifact, author=rng.choice(people), parent=parent)
        removed = rng.random() < 0.1
        stamp = when()
        Comment.objects.filter(pk=made.pk).update(created_at=stamp, removed_at=stamp if removed else None)
        comments.append(made)
    for sharer, artifact in {(rng.choice(people), rng.choice(artifacts)) for _ in range(50)}:
        own = artifact.author_id == sharer.pk
        Share.objects.create(sharer=sharer, artifact=artifact, own_work=own, created_at=when())
    return course, people


def _fill(days: list[dt.date]) -> None:
    for day in days:
        fill_day(day)


def _season_days(course: Course) -> list[dt.date]:
    first = course.weeks.order_by("starts_on")[0].starts_on - dt.timedelta(days=4)
    today = timezone.now().astimezone(UTC).date()
    return [first + dt.timedelta(days=n) for n in range((today - first).days)]


@pytest.mark.parametrize(
    ("coverage", "zone"),
    [("all", "UTC"), ("all", "America/Los_Angeles"), ("some", "Asia/Kolkata"), ("some", "UTC"), ("none", "UTC")],
)
def test_rolled_week_counts_equal_the_live_counts(busy, zone, coverage) -> None:
    course, people = busy
    days = _season_days(course)
    _fill({"all": days, "some": days[::3], "none": []}[coverage])
    weeks = list(course.weeks.order_by("starts_on"))
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        counter = rolled_week_counts(filled_days(timezone.now().astimezone(UTC).date()))
        for person in people:
            live = habits.week_counts(user=person, course=course, weeks=weeks)
            assert counter(user=person, course=course, weeks=weeks) == live
            assert any(c != habits.Counts() for c in live.values()) or person == people[-1]


def test_rolled_week_counts_read_the_rollups_for_filled_days(busy) -> None:
    """Change a source row after its day was filled: the rolled count keeps the rollup's number."""
    course, people = busy
    _fill(_season_days(course))
    week = course.weeks.get(number=3)
    start, end = habits.week_bounds(week)
    person = next(
        p
        for p in people
        if Comment.objects.filter(author=p, artifact__course=course, removed_at__isnull=True)
        .exclude(artifact__author=p)
        .filter(created_at__gte=start, created_at__lt=end)
        .exists()
    )
    before = habits.week_counts(user=person, course=course, weeks=[week])[week.pk]
    Comment.objects.filter(author=person, created_at__gte=start, created_at__lt=end).delete()
    rolled = rolled_week_counts(filled_days(timezone.now().date()))(user=person, course=course, weeks=[week])
    assert rolled[week.pk] == before
    assert habits.week_counts(user=person, course=course, weeks=[week])[week.pk].comments == 0


def test_the_dashboard_streaks_match_the_profile_streaks(busy) -> None:
    course, people = busy
    _fill(_season_days(course)[:-5])  # the last few days are not filled yet: counted live
    filled = filled_days(timezone.now().date())
    for person in people:
        assert course_streaks(person, counter=rolled_week_counts(filled)) == course_streaks(person)


@pytest.mark.parametrize("coverage", ["all", "some", "none"])
def test_talked_before_equals_the_live_answer(busy, coverage) -> None:
    course, people = busy
    days = _season_days(course)
    _fill({"all": days, "some": days[1::2], "none": []}[coverage])
    filled = filled_days(timezone.now().date())
    ids = [p.pk for p in people]
    for cut in (days[5], days[20], days[-1]):
        before = day_bounds(cut)[0]
        for person in people:
            live = selectors._partners(person, [(EARLIEST, before)]) & set(ids)
            assert talked_before(person, ids, before, filled) == live
    assert any(talked_before(p, ids, day_bounds(days[-1])[0], filled) for p in people)


def test_talked_before_reads_the_reply_edges_of_filled_days(busy) -> None:
    course, people = busy
    days = _season_days(course)
    _fill(days)
    filled = filled_days(timezone.now().date())
    cut = day_bounds(days[-1])[0]
    person = next(p for p in people if talked_before(p, [q.pk for q in people], cut, filled))
    met = talked_before(person, [q.pk for q in people], cut, filled)
    Comment.objects.filter(created_at__lt=cut).delete()  # the source is gone; the rollups remember
    assert talked_before(person, [q.pk for q in people], cut, filled) == met
    FilledDay.objects.all().delete()  # and without coverage the (now empty) source is asked instead
    assert talked_before(person, [q.pk for q in people], cut, []) == set()


def test_a_new_field_on_old_rows_is_not_trusted_until_the_day_is_refilled(busy) -> None:
    """Rows written before `comments_on_others` existed have it at 0; their days have no FilledDay, so the
    dashboard counts them live until a fill (which marks them) replaces the rows."""
    course, people = busy
    days = _season_days(course)
    _fill(days)
    PersonDay.objects.update(comments_on_others=0)
    FilledDay.objects.all().delete()
    weeks = list(course.weeks.order_by("starts_on"))
    for person in people:
        assert rolled_week_counts([])(user=person, course=course, weeks=weeks) == habits.week_counts(
            user=person, course=course, weeks=weeks
        )


@pytest.mark.parametrize("coverage", ["all", "some", "none"])
def test_people_commented_on_equals_the_live_answer(busy, coverage) -> None:
    """Whom the person replied to in a week (the work's author and the answered comment's author)."""
    course, people = busy
    days = _season_days(course)
    _fill({"all": days, "some": days[::2], "none": []}[coverage])
    filled = filled_days(timezone.now().date())
    start, end = day_bounds(days[-10])[0], day_bounds(days[-1])[1] + dt.timedelta(days=1)
    seen = 0
    for person in people:
        live: set[int] = set()
        rows = Comment.objects.filter(author=person, removed_at__isnull=True, created_at__gte=start, created_at__lt=end)
        for artifact_author, parent_author in rows.values_list("artifact__author_id", "parent__author_id"):
            live |= answered(person.pk, artifact_author, parent_author)
        assert selectors.people_commented_on(person, start, end, filled) == live
        seen += len(live)
    assert seen


@pytest.mark.parametrize("behind", [0, 3])
def test_network_now_with_the_pages_replies_equals_reading_its_own(busy, behind) -> None:
    """The dashboard hands today's replies to `_network_now`; when the rollups are days behind, it must
    read the days since the last fill itself rather than trust them."""
    course, people = busy
    days = _season_days(course)
    newcomer = UserFactory.create()  # first answers someone two days ago: after the last fill when behind
    work = ArtifactFactory.create(course=course, author=people[0], published_at=timezone.now() - dt.timedelta(days=3))
    reply = CommentFactory.create(artifact=work, author=newcomer)
    Comment.objects.filter(pk=reply.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    _fill(days[: len(days) - behind])
    today = timezone.now().astimezone(UTC).date()
    filled = filled_days(today)
    for person in people:
        replies = selectors._replies_to(person, day_bounds(today)[0])
        everyone = selectors._partners(person, [(EARLIEST, selectors.LATEST)])
        with_page = selectors._network_now(person, filled, (day_bounds(today)[0], replies))
        assert with_page == selectors._network_now(person)
        assert with_page[2] == len(everyone)


# Days that change after they were counted


def _live_equals_rolled(course, people) -> None:
    weeks = list(course.weeks.order_by("starts_on"))
    counter = rolled_week_counts(filled_days(timezone.now().date()))
    for person in people:
        assert counter(user=person, course=course, weeks=weeks) == habits.week_counts(
            user=person, course=course, weeks=weeks
        )


def test_a_change_to_a_counted_day_is_read_live_until_the_day_is_counted_again(busy) -> None:
    from insights.selectors import stale_days
    from network import services as network_services
    from posts import services as post_services
    from posts.services_harvested import HarvestedPost, create_harvested

    course, people = busy
    days = _season_days(course)
    _fill(days)
    assert stale_days(timezone.now().date()) == []
    week = course.weeks.get(number=3)
    start, end = habits.week_bounds(week)
    in_week = Comment.objects.filter(
        artifact__course=course, removed_at__isnull=True, created_at__gte=start, created_at__lt=end
    ).exclude(artifact__author=F("author"))
    gone = in_week.first()
    assert gone is not None
    post_services.remove_comment(comment=gone, actor=gone.author)
    shared = Share.objects.filter(artifact__course=course, created_at__lt=start).first()
    assert shared is not None
    network_services.unshare(sharer=shared.sharer, artifact=shared.artifact)
    doomed = Artifact.objects.filter(course=course, published_at__lt=start).exclude(visibility=Visibility.DRAFT).first()
    assert doomed is not None
    post_services.delete_artifact(artifact=doomed, actor=doomed.author)
    hidden = Artifact.objects.filter(course=course, published_at__gte=start, visibility=Visibility.PUBLIC).first()
    assert hidden is not None
    post_services.edit_artifact(artifact=hidden, actor=hidden.author, visibility=Visibility.DRAFT)
    late = start + dt.timedelta(days=2, hours=3)
    create_harvested(
        [
            HarvestedPost(
                people[0].pk, course.pk, None, "Late", "https://blog.example/late", "Blog", "<p>x</p>", "x", late, late
            )
        ],
        now=timezone.now(),
    )
    _live_equals_rolled(course, people)  # the changed days are read from the source tables
    stale = stale_days(timezone.now().date())
    assert gone.created_at.astimezone(UTC).date() in stale
    assert late.date() in stale
    assert doomed.published_at.astimezone(UTC).date() in stale
    _fill(stale)  # the nightly run counts them again
    assert stale_days(timezone.now().date()) == []
    _live_equals_rolled(course, people)


def test_the_nightly_run_recounts_changed_days(busy, monkeypatch) -> None:
    from insights import tasks
    from posts import services as post_services

    course, _ = busy
    days = _season_days(course)
    _fill(days)
    old = Comment.objects.filter(removed_at__isnull=True, created_at__lt=day_bounds(days[10])[0]).first()
    assert old is not None
    post_services.remove_comment(comment=old, actor=old.author)
    enqueued = []

    class FakeTask:
        def enqueue(self, since: str, until: str) -> None:
            enqueued.append((since, until))

    monkeypatch.setattr(tasks, "fill_days", FakeTask())
    tasks.schedule_rollups.call_local()
    day = old.created_at.astimezone(UTC).date().isoformat()
    assert (day, day) in enqueued


def test_overlapping_weeks_count_each_row_in_every_week_that_holds_it(busy) -> None:
    course, _ = busy
    person = UserFactory.create()  # only the three posts below
    base = _utc(timezone.now().astimezone(UTC).date() - dt.timedelta(days=30))
    spans = {
        "long": [(base, base + dt.timedelta(days=10))],
        "inner": [(base + dt.timedelta(days=1), base + dt.timedelta(days=3))],
        "later": [(base + dt.timedelta(days=5), base + dt.timedelta(days=7))],
    }
    for offset in (5, 8, 2):
        ArtifactFactory.create(course=course, author=person, published_at=base + dt.timedelta(days=offset, hours=1))
    together = habits.counts_within(user=person, course=course, spans=spans)
    apart = habits.counts_within(user=person, course=course, spans=spans, apart=True)
    assert apart == together
    assert (apart["long"].posts - together["long"].posts, apart["inner"].posts, apart["later"].posts) == (0, 1, 1)
