"""Daily rollups: hand-counted history over three UTC days, reruns, backfills, the task and the command."""

import datetime as dt
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from core.exceptions import Invalid
from courses.models import Enrollment
from courses.tests.factories import CourseFactory, EnrollmentFactory
from insights import tasks
from insights.models import CourseDay, CourseEdgeDay, NetworkDay, PersonDay
from insights.services import compute_day, fill_day, fill_range
from network.models import Follow, Open, Share
from posts.models import Artifact, Comment, Origin, Tone, Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db

D1 = dt.date(2026, 3, 2)
D2 = dt.date(2026, 3, 3)
D3 = dt.date(2026, 3, 4)
TABLES: list[type[Model]] = [PersonDay, NetworkDay, CourseDay, CourseEdgeDay]


def at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.UTC)


def comment(artifact, author, when, tone, parent=None, removed=False) -> Comment:
    made = CommentFactory.create(artifact=artifact, author=author, parent=parent, tone=tone)
    Comment.objects.filter(pk=made.pk).update(created_at=when, removed_at=when if removed else None)
    return made


@pytest.fixture
def history(course, george, maria, devon, outsider) -> SimpleNamespace:
    """Three days in two courses; every expected number below is counted by hand from this list."""
    other = CourseFactory.create(slug="other")
    Enrollment.objects.filter(course=course, user=george).update(joined_at=dt.datetime(2026, 2, 20, 9, tzinfo=dt.UTC))
    Enrollment.objects.filter(course=course, user=maria).update(joined_at=at(D1, 7))
    Enrollment.objects.filter(course=course, user=devon).update(joined_at=at(D2, 8))
    EnrollmentFactory.create(course=other, user=outsider, joined_at=at(D2, 7))

    a1 = ArtifactFactory.create(author=maria, course=course, published_at=at(D1, 10))
    ArtifactFactory.create(author=maria, course=course, origin=Origin.HARVESTED, published_at=at(D1, 11))
    ArtifactFactory.create(author=maria, course=course, visibility=Visibility.DRAFT, published_at=at(D1, 12))
    a4 = ArtifactFactory.create(author=devon, course=course, published_at=at(D1, 9))
    ArtifactFactory.create(author=devon, course=course, published_at=at(D1, 23, 59, 59))  # still day 1
    b1 = ArtifactFactory.create(author=outsider, course=other, published_at=at(D2, 8))

    c1 = comment(a1, george, at(D1, 13), Tone.QUESTION)
    comment(a1, maria, at(D1, 14), Tone.SUPPORT, parent=c1)  # to george only (a1 is hers)
    comment(a1, devon, at(D1, 15), Tone.CHALLENGE, parent=c1)  # to maria (her artifact) and george (his comment)
    c4 = comment(a1, maria, at(D1, 16), Tone.NEUTRAL)  # on her own artifact: given, to no one
    comment(a1, maria, at(D1, 16, 30), Tone.NEUTRAL, parent=c4)  # a self-reply: given, to no one
    comment(a1, devon, at(D1, 17), Tone.SUPPORT, removed=True)  # removed: not counted anywhere
    c7 = comment(a4, george, at(D2, 9), Tone.SUPPORT)
    comment(b1, maria, at(D2, 11), Tone.QUESTION)  # other course; maria and olive meet
    comment(a4, devon, at(D2, 23, 59, 59), Tone.SUPPORT, parent=c7)  # to george only (a4 is devon's)
    comment(a1, devon, at(D3, 12), Tone.NEUTRAL)  # devon and maria talk again: no new partner

    s1 = Share.objects.create(sharer=maria, artifact=a1, own_work=True, created_at=at(D1, 18))
    s2 = Share.objects.create(sharer=devon, artifact=a1, created_at=at(D1, 19))
    Share.objects.create(sharer=outsider, artifact=a1, created_at=at(D2, 12))
    Share.objects.create(sharer=george, artifact=a4, created_at=at(D2, 13))

    Open.objects.create(user=george, artifact=a1, via_share=s2, first_opened_at=at(D1, 20))
    Open.objects.create(user=devon, artifact=a1, via_share=s2, first_opened_at=at(D1, 21))  # the sharer himself
    Open.objects.create(user=outsider, artifact=a1, via_share=s1, first_opened_at=at(D2, 10))
    Open.objects.create(user=maria, artifact=a4, first_opened_at=at(D2, 10))  # not via a share

    Follow.objects.create(follower=maria, followee=devon, created_at=at(D1, 8, 30))
    Follow.objects.create(follower=devon, followee=maria, created_at=at(D1, 9, 30))
    Follow.objects.create(follower=george, followee=maria, created_at=at(D1, 10, 30))
    Follow.objects.create(follower=outsider, followee=maria, created_at=at(D1, 11))
    Follow.objects.create(follower=george, followee=devon, created_at=at(D2, 0))  # midnight: day 2
    return SimpleNamespace(course=course, other=other)


def _non_zero(row: Model, skip: set[str]) -> dict[str, Any]:
    fields = [f.attname for f in row._meta.concrete_fields if f.name not in skip]
    return {name: getattr(row, name) for name in fields if getattr(row, name)}


def person_days() -> dict[tuple[str, str, dt.date], dict[str, int]]:
    rows = PersonDay.objects.select_related("user", "course")
    skip = {"id", "user", "course", "day"}
    return {(r.user.username, r.course.slug, r.day): _non_zero(r, skip) for r in rows}


def network_days() -> dict[tuple[str, dt.date], dict[str, int]]:
    rows = NetworkDay.objects.select_related("user")
    return {(r.user.username, r.day): _non_zero(r, {"id", "user", "day"}) for r in rows}


def course_days() -> dict[tuple[str, dt.date], dict[str, int]]:
    rows = CourseDay.objects.select_related("course")
    return {(r.course.slug, r.day): _non_zero(r, {"id", "course", "day"}) for r in rows}


def edges() -> dict[tuple[str, dt.date, str, str], dict[str, int]]:
    rows = CourseEdgeDay.objects.select_related("course", "source", "target")
    skip = {"id", "course", "day", "source", "target"}
    return {(r.course.slug, r.day, r.source.username, r.target.username): _non_zero(r, skip) for r in rows}


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every rollup row without its id, in a stable order."""
    result = {}
    for model in TABLES:
        names = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        result[model.__name__] = list(model._default_manager.order_by(*names).values_list(*names))
    return result


EXPECTED_PEOPLE = {
    ("maria", "immooc", D1): {
        "posted": 2,
        "harvested": 1,
        "comments_given": 3,
        "given_support": 1,
        "given_neutral": 2,
        "comments_received": 2,
        "received_question": 1,
        "received_challenge": 1,
        "shares_own": 1,
        "shares_received": 1,
        "conversed_with": 2,
    },
    ("george", "immooc", D1): {
        "comments_given": 1,
        "comments_on_others": 1,
        "given_question": 1,
        "comments_received": 2,
        "received_support": 1,
        "received_challenge": 1,
        "conversed_with": 2,
    },
    ("devon", "immooc", D1): {
        "posted": 2,
        "comments_given": 1,
        "comments_on_others": 1,
        "given_challenge": 1,
        "shares_others": 1,
        "share_opens": 1,
        "conversed_with": 2,
    },
    ("george", "immooc", D2): {
        "comments_given": 1,
        "comments_on_others": 1,  # on devon's a4
        "given_support": 1,
        "comments_received": 1,
        "received_support": 1,
        "shares_others": 1,
        "conversed_with": 1,
    },
    ("devon", "immooc", D2): {
        "comments_given": 1,
        "given_support": 1,
        "comments_received": 1,
        "received_support": 1,
        "shares_received": 1,
        "conversed_with": 1,
    },
    ("maria", "immooc", D2): {"shares_received": 1, "share_opens": 1},
    ("olive", "immooc", D2): {"shares_others": 1},
    ("maria", "other", D2): {"comments_given": 1, "comments_on_others": 1, "given_question": 1, "conversed_with": 1},
    ("olive", "other", D2): {"posted": 1, "comments_received": 1, "received_question": 1, "conversed_with": 1},
    ("devon", "immooc", D3): {"comments_given": 1, "comments_on_others": 1, "given_neutral": 1, "conversed_with": 1},
    ("maria", "immooc", D3): {"comments_received": 1, "received_neutral": 1, "conversed_with": 1},
}

EXPECTED_NETWORK = {
    ("maria", D1): {"new_followers": 3, "followers_total": 3, "following_total": 1, "mutuals_total": 1,
                    "conversed_total": 2},
    ("devon", D1): {"new_followers": 1, "followers_total": 1, "following_total": 1, "mutuals_total": 1,
                    "conversed_total": 2},
    ("george", D1): {"following_total": 1, "conversed_total": 2},
    ("olive", D1): {"following_total": 1},
    ("george", D2): {"following_total": 2, "conversed_total": 2},
    ("devon", D2): {"new_followers": 1, "followers_total": 2, "following_total": 1, "mutuals_total": 1,
                    "conversed_total": 2},
    # No follow, but a first conversation (with each other, in the other course).
    ("maria", D2): {"followers_total": 3, "following_total": 1, "mutuals_total": 1, "conversed_total": 3},
    ("olive", D2): {"following_total": 1, "conversed_total": 1},
    # Day 3: devon and maria talk again, nobody follows anyone: nothing changed.
}  # fmt: skip

EXPECTED_COURSES = {
    ("immooc", D1): {
        "members_total": 2,
        "new_members": 1,
        "active_people": 3,
        "posted": 4,
        "harvested": 1,
        "comments": 5,
        "comments_support": 1,
        "comments_question": 1,
        "comments_challenge": 1,
        "comments_neutral": 2,
        "shares_own": 1,
        "shares_others": 1,
        "new_connections": 1,  # george → maria; devon joins only on day 2, olive never
    },
    ("immooc", D2): {
        "members_total": 3,
        "new_members": 1,
        "active_people": 3,
        "comments": 2,
        "comments_support": 2,
        "shares_others": 2,
        "new_connections": 1,
    },
    ("other", D2): {
        "members_total": 1,
        "new_members": 1,
        "active_people": 2,
        "posted": 1,
        "comments": 1,
        "comments_question": 1,
    },
    ("immooc", D3): {"members_total": 3, "active_people": 1, "comments": 1, "comments_neutral": 1},
}

EXPECTED_EDGES = {
    ("immooc", D1, "george", "maria"): {"replies": 1},
    ("immooc", D1, "maria", "george"): {"replies": 1},
    ("immooc", D1, "devon", "maria"): {"replies": 1, "shares": 1},
    ("immooc", D1, "devon", "george"): {"replies": 1},
    ("immooc", D2, "george", "devon"): {"replies": 1, "shares": 1},
    ("immooc", D2, "devon", "george"): {"replies": 1},
    ("immooc", D2, "olive", "maria"): {"shares": 1},
    ("other", D2, "maria", "olive"): {"replies": 1},
    ("immooc", D3, "devon", "maria"): {"replies": 1},
}


def fill_all() -> None:
    for day in (D1, D2, D3):
        fill_day(day)


# The counts


def test_person_days_count_every_counter_by_hand(history) -> None:
    fill_all()
    assert person_days() == EXPECTED_PEOPLE


def test_network_days_only_on_days_that_changed_with_totals_at_the_day_end(history) -> None:
    fill_all()
    assert network_days() == EXPECTED_NETWORK


def test_course_days_count_members_activity_and_new_connections(history) -> None:
    fill_all()
    assert course_days() == EXPECTED_COURSES


def test_edges_are_replies_and_shares_between_two_people(history) -> None:
    fill_all()
    assert edges() == EXPECTED_EDGES


def test_fill_summary_counts_rows_per_table(history) -> None:
    summary = fill_day(D2)
    assert (summary.days, summary.person_days, summary.network_days, summary.course_days, summary.edges) == (
        1,
        6,
        4,
        2,
        4,
    )
    assert str(summary) == "Filled 1 day: 6 person-days, 4 network-days, 2 course-days, 4 edges."


def test_drafts_removed_comments_self_shares_and_self_replies_do_not_reach_anyone(course, maria, devon) -> None:
    mine = ArtifactFactory.create(author=maria, course=course, published_at=at(D1, 9))
    ArtifactFactory.create(author=maria, course=course, visibility=Visibility.DRAFT, published_at=at(D1, 9))
    top = comment(mine, maria, at(D1, 10), Tone.QUESTION)
    comment(mine, maria, at(D1, 11), Tone.SUPPORT, parent=top)
    comment(mine, devon, at(D1, 12), Tone.CHALLENGE, removed=True)
    comment(mine, devon, at(D1, 13), Tone.CHALLENGE, parent=top, removed=True)
    Share.objects.create(sharer=maria, artifact=mine, own_work=True, created_at=at(D1, 14))
    fill_day(D1)
    assert person_days() == {
        ("maria", "immooc", D1): {
            "posted": 1,
            "comments_given": 2,
            "given_question": 1,
            "given_support": 1,
            "shares_own": 1,
        }
    }
    assert edges() == {}
    assert network_days() == {}
    assert course_days()[("immooc", D1)]["active_people"] == 1


def test_a_quiet_day_writes_nothing(history) -> None:
    assert fill_day(dt.date(2026, 2, 1)).person_days == 0
    assert snapshot() == {model.__name__: [] for model in TABLES}


# Reruns and backfills


def test_refilling_a_day_gives_identical_rows(history) -> None:
    fill_all()
    before = snapshot()
    assert fill_day(D1) == fill_day(D1)
    assert snapshot() == before
    assert PersonDay.objects.filter(day=D1).count() == 3


def test_refilling_replaces_what_changed_since(history, devon) -> None:
    fill_all()
    Comment.objects.filter(author=devon, created_at=at(D3, 12)).update(removed_at=timezone.now())
    fill_day(D3)
    assert PersonDay.objects.filter(day=D3).count() == 0
    assert CourseEdgeDay.objects.filter(day=D3).count() == 0
    assert ("immooc", D3) not in course_days()  # a day with nothing but members writes no course row


def test_a_backfill_equals_filling_each_day(history) -> None:
    progress: list[int] = []
    summary = fill_range(D1, D3, progress=progress.append)
    assert progress == [1, 1, 1]
    assert summary.days == 3
    assert summary.person_days == len(EXPECTED_PEOPLE)
    by_range = snapshot()
    for model in TABLES:
        model._default_manager.all().delete()
    fill_all()
    assert snapshot() == by_range


def test_network_totals_are_right_when_a_backfill_starts_mid_history(history) -> None:
    fill_range(D2, D3)
    assert network_days() == {key: value for key, value in EXPECTED_NETWORK.items() if key[1] != D1}


def test_fill_day_replaces_the_day_in_one_transaction(history, monkeypatch) -> None:
    fill_day(D1)
    before = snapshot()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(CourseEdgeDay.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        fill_day(D1)
    assert snapshot() == before


def test_only_finished_days_are_filled(history) -> None:
    today = timezone.now().astimezone(dt.UTC).date()
    with pytest.raises(Invalid, match="not over yet"):
        fill_day(today)
    with pytest.raises(Invalid, match="after the last"):
        fill_range(D2, D1)
    assert not PersonDay.objects.exists()


def test_the_query_count_does_not_grow_with_the_number_of_people(course, george) -> None:
    def queries_for(people: int, day: dt.date) -> int:
        target = ArtifactFactory.create(author=george, course=course, published_at=at(day, 8))
        for _ in range(people):
            person = UserFactory.create()
            EnrollmentFactory.create(course=course, user=person, joined_at=at(day, 8))
            Follow.objects.create(follower=person, followee=george, created_at=at(day, 9))
            ArtifactFactory.create(author=person, course=course, published_at=at(day, 9))
            comment(target, person, at(day, 10), Tone.SUPPORT)
            Share.objects.create(sharer=person, artifact=target, created_at=at(day, 11))
        with CaptureQueriesContext(connection) as queries:
            fill_day(day)
        return len(queries)

    assert queries_for(2, D1) == queries_for(40, D2)
    assert NetworkDay.objects.get(user=george, day=D2).followers_total == 42


def test_compute_day_counts_without_writing(history) -> None:
    rollup = compute_day(D1)
    assert rollup.summary().person_days == 3
    assert not PersonDay.objects.exists()


# The nightly task and the command


def test_the_nightly_run_refills_the_last_week(history, monkeypatch) -> None:
    assert tasks.days_to_fill(at(D3, 0, 20)) == (D2 - dt.timedelta(days=6), D2)
    assert tasks.fill_days.call(D1.isoformat(), D3.isoformat()).startswith("Filled 3 days")
    assert person_days() == EXPECTED_PEOPLE
    enqueued = []

    class FakeTask:
        def enqueue(self, since: str, until: str) -> None:
            enqueued.append((since, until))

    monkeypatch.setattr(tasks, "fill_days", FakeTask())
    Artifact.objects.update(created_at=F("published_at"))  # posted here on the day they are dated
    tasks.schedule_rollups.call_local()
    yesterday = timezone.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
    assert enqueued == [((yesterday - dt.timedelta(days=6)).isoformat(), yesterday.isoformat())]


def test_the_nightly_run_recounts_older_days_that_gained_harvested_posts(course, maria, monkeypatch) -> None:
    """A blog registered late brings a post dated three weeks back: its day is counted again that night."""
    now = timezone.now()
    old_day = now.astimezone(dt.UTC).date() - dt.timedelta(days=21)
    ArtifactFactory.create(author=maria, course=course, published_at=at(old_day - dt.timedelta(days=9), 9))
    late = ArtifactFactory.create(author=maria, course=course, origin=Origin.HARVESTED, published_at=at(old_day, 9))
    Artifact.objects.exclude(pk=late.pk).update(created_at=now - dt.timedelta(days=5))  # arrived long ago
    ArtifactFactory.create(  # a late draft counts nowhere
        author=maria, course=course, visibility=Visibility.DRAFT, published_at=at(old_day - dt.timedelta(days=2), 9)
    )
    enqueued = []

    class FakeTask:
        def enqueue(self, since: str, until: str) -> None:
            enqueued.append((since, until))

    monkeypatch.setattr(tasks, "fill_days", FakeTask())
    tasks.schedule_rollups.call_local()
    since, until = tasks.days_to_fill(now)
    assert enqueued == [(since.isoformat(), until.isoformat()), (old_day.isoformat(), old_day.isoformat())]
    monkeypatch.undo()
    tasks.fill_days.call(*enqueued[1])
    assert PersonDay.objects.get(user=maria, day=old_day).harvested == 1


def test_command_fills_a_range_and_prints_a_summary(history) -> None:
    out = StringIO()
    call_command("insights", "fill", "--since", "2026-03-02", "--until", "2026-03-04", stdout=out, stderr=StringIO())
    assert "Filled 3 days: 11 person-days, 8 network-days, 4 course-days, 9 edges." in out.getvalue()
    assert network_days() == EXPECTED_NETWORK


def test_command_fills_yesterday_by_default(course, maria) -> None:
    yesterday = timezone.now().astimezone(dt.UTC).date() - dt.timedelta(days=1)
    ArtifactFactory.create(author=maria, course=course, published_at=at(yesterday, 12))
    out = StringIO()
    call_command("insights", "fill", stdout=out, stderr=StringIO())
    assert "Filled 1 day: 1 person-days" in out.getvalue()
    assert PersonDay.objects.get().day == yesterday


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--since", "yesterday"], "--since must be a date like 2026-03-01, not 'yesterday'."),
        (["--since", "2026-02-30", "--until", "2026-03-04"], "--since must be a date like"),
        (["--until", "4 March"], "--until must be a date like"),
        (["--since", "2026-03-04", "--until", "2026-03-02"], "--since (2026-03-04) is after --until (2026-03-02)."),
        (["--until", "2999-01-01"], "Only finished days can be filled: 2999-01-01 is not over yet (UTC)."),
    ],
)
def test_command_refuses_bad_dates_in_words(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError) as error:
        call_command("insights", "fill", *arguments, stdout=StringIO(), stderr=StringIO())
    assert message in str(error.value)
    assert not PersonDay.objects.exists()


def test_a_reply_to_the_authors_own_comment_on_their_artifact_reaches_them_once(course, maria, devon) -> None:
    mine = ArtifactFactory.create(author=maria, course=course, published_at=at(D1, 9))
    top = comment(mine, maria, at(D1, 10), Tone.NEUTRAL)
    comment(mine, devon, at(D1, 11), Tone.QUESTION, parent=top)
    fill_day(D1)
    assert person_days()[("maria", "immooc", D1)] == {
        "posted": 1,
        "comments_given": 1,
        "given_neutral": 1,
        "comments_received": 1,
        "received_question": 1,
        "conversed_with": 1,
    }
    assert edges() == {("immooc", D1, "devon", "maria"): {"replies": 1}}
