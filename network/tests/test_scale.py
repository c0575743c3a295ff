"""Scale data (network.scale, `commonplace seed-scale`): the shape of the generated network, its consistency with
what the services would have written, determinism for a seed, and the command's refusals and sign-in."""

import datetime as dt
import io
import statistics
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Model, OuterRef, Q
from django.test import Client

from accounts.models import Block, Mute, User
from accounts.tests.factories import UserFactory
from core import search
from core.text import render_markdown
from courses.models import Course, Enrollment, MemberRole, ReadingProgress, ReadingStatus
from network import scale
from network.models import Follow, Notification, Open, Share
from posts.mentions import mentioned_handles
from posts.models import Artifact, Comment, Mention, Tag, Tone
from posts.search_index import ARTIFACTS

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
SMALL = {"users": 400, "artifacts": 3_000, "courses": 6}  # people, artifacts, courses


def _generate(seed: int = 7, *, users: int = SMALL["users"], artifacts: int = SMALL["artifacts"]) -> dict[str, Any]:
    return scale.generate(users=users, artifacts=artifacts, courses=SMALL["courses"], seed=seed, now=NOW)


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the generator writes, in id order."""
    return {m._meta.db_table: list(m._default_manager.order_by("pk").values_list()) for m in scale.MODELS}


@pytest.fixture(scope="class")
def network(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """One generated network for the checks of the class, rolled back after them (generating takes a second)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _generate()
        transaction.set_rollback(True)


class TestGeneratedNetwork:
    """The shape of a small generated network, and its consistency with what the services would write."""

    def test_counts_match_the_request_and_the_rows(self, network: dict[str, Any]) -> None:
        counts = network["counts"]
        assert (counts["users"], counts["artifacts"], counts["courses"]) == (400, 3_000, 6)
        assert (counts["shares"], counts["opens"], counts["follows"]) == (900, 1_500, 4_000), "0.3, 0.5, 10 × users"
        assert 0.75 * 6_000 < counts["comments"] <= 6_000, "about 2 per artifact (none on drafts or after the window)"
        tables: dict[str, type[Model]] = {
            "users": User,
            "courses": Course,
            "artifacts": Artifact,
            "comments": Comment,
            "shares": Share,
            "opens": Open,
            "follows": Follow,
            "mentions": Mention,
            "mutes": Mute,
            "blocks": Block,
            "tags": Tag,
            "notifications": Notification,
            "reading_progress": ReadingProgress,
        }
        assert {name: model._default_manager.count() for name, model in tables.items()} == {
            n: counts[n] for n in tables
        }
        assert Artifact.tags.through.objects.count() == counts["artifact_tags"]
        connection.check_constraints()  # every foreign key points at a row

    def test_courses_have_clamped_sizes_and_the_big_course_its_facilitators(self, network: dict[str, Any]) -> None:
        high = min(scale.COURSE_SIZES[1], SMALL["users"] - 2)
        low = min(scale.COURSE_SIZES[0], high)
        participants = dict(
            Enrollment.objects.filter(role=MemberRole.PARTICIPANT)
            .values_list("course__slug")
            .annotate(n=Count("id"))
            .values_list("course__slug", "n")
        )
        assert participants.pop(scale.BIG_SLUG) == high
        assert len(participants) == SMALL["courses"] - 1
        assert all(low <= n <= high for n in participants.values()), participants
        big = Course.objects.get(slug=scale.BIG_SLUG)
        facilitators = big.enrollments.facilitators().values_list("user__username", flat=True)
        assert sorted(facilitators) == ["p1", "p2"]
        assert big.weeks.count() == scale.WEEKS
        assert [str(w.starts_on) for w in big.weeks.all()] == network["big_course_weeks"]
        last_week = big.weeks.last()
        assert last_week is not None
        assert last_week.contains(NOW.date()), "the big course's last week is this week"

    def test_members_say_where_they_are_in_their_course_book(self, network: dict[str, Any]) -> None:
        """About two in three members have said, at every stage, as `set_reading_progress` leaves it: a percent
        only while reading (most say one), 100 once finished; only for their own course's book."""
        rows = ReadingProgress.objects.select_related("book")
        members = set(Enrollment.objects.values_list("course_id", "user_id"))
        assert 0.55 < rows.count() / len(members) < 0.75
        assert all((row.book.course_id, row.user_id) in members for row in rows)
        assert set(rows.values_list("status", flat=True)) == set(ReadingStatus.values)
        assert not rows.filter(status=ReadingStatus.WANT, percent__isnull=False).exists()
        assert not rows.filter(status=ReadingStatus.FINISHED).exclude(percent=100).exists()
        reading = rows.filter(status=ReadingStatus.READING)
        assert reading.filter(percent__isnull=True).count() < reading.filter(percent__isnull=False).count()

    def test_following_is_heavy_tailed(self, network: dict[str, Any]) -> None:
        followers = Counter(Follow.objects.values_list("followee_id", flat=True))
        per_person = [followers.get(pk, 0) for pk in User.objects.values_list("pk", flat=True)]
        median = statistics.median(per_person)
        assert median >= 3, "most people have a handful to tens of followers"
        assert max(per_person) >= 8 * median, (max(per_person), median)
        p1 = User.objects.get(username="p1").pk
        assert followers[p1] >= 5 * median, "facilitators are followed by many"
        assert not Follow.objects.filter(follower=F("followee")).exists()

    def test_comments_use_all_four_tones_in_one_level_threads_within_the_window(self, network: dict[str, Any]) -> None:
        assert set(Comment.objects.values_list("tone", flat=True)) == set(Tone.values)
        assert Comment.objects.filter(tone_corrected=True).exclude(tone=F("tone_predicted")).exists()
        assert not Comment.objects.filter(tone_corrected=False).exclude(tone=F("tone_predicted")).exists()
        replies = Comment.objects.filter(parent__isnull=False)
        assert replies.count() > 100
        assert not replies.filter(parent__parent__isnull=False).exists(), "threads are one level deep"
        assert not replies.exclude(parent__artifact=F("artifact")).exists()
        assert not replies.filter(parent__created_at__gt=F("created_at")).exists()
        assert not replies.filter(parent__removed_at__isnull=False).exists()
        assert not Comment.objects.filter(artifact__visibility="draft").exists()
        closes = F("artifact__published_at") + dt.timedelta(days=scale.COMMENT_WINDOW_DAYS)
        assert not Comment.objects.filter(created_at__gte=closes).exists()
        assert not Comment.objects.filter(created_at__lt=F("artifact__published_at")).exists()
        removed = Comment.objects.filter(removed_at__isnull=False)
        assert removed.exists()
        assert not removed.exclude(body="", body_html="", removed_by=F("author")).exists(), (
            "as remove_comment leaves it"
        )

    def test_artifacts_answer_prompts_with_their_tag_and_carry_tags(self, network: dict[str, Any]) -> None:
        answers = Artifact.objects.filter(prompt__isnull=False).select_related("prompt__week__course")
        assert answers.count() > 100
        for artifact in answers.prefetch_related("tags"):
            prompt = artifact.prompt
            assert prompt is not None
            assert prompt.week.course_id == artifact.course_id
            assert prompt.week.contains(artifact.published_at.date())
            assert prompt.tag in {t.name for t in artifact.tags.all()}
        per_artifact = Counter(Artifact.tags.through.objects.values_list("artifact_id", flat=True))
        assert max(per_artifact.values()) <= 5, "up to four tags, and a prompt's"
        assert len(per_artifact) > 0.6 * SMALL["artifacts"]
        assert Tag.objects.count() > 100
        popular = Tag.objects.annotate(n=Count("artifacts")).order_by("-n").values_list("n", flat=True)
        assert popular[0] > 10 * popular[len(popular) // 2], "a few tags are used far more than most"
        assert not Tag.objects.filter(artifacts__isnull=True).exists(), "a tag exists once something uses it"

    def test_texts_are_rendered_as_the_services_render_them(self, network: dict[str, Any]) -> None:
        native = Artifact.objects.filter(origin="native").order_by("pk")[:50]
        assert all(a.body_html == render_markdown(a.body) for a in native)
        comments = Comment.objects.filter(removed_at__isnull=True).order_by("pk")[:50]
        assert all(c.body_html == render_markdown(c.body) for c in comments)
        for video in Artifact.objects.filter(kind="video")[:10]:
            assert video.video is not None
            assert video.url.endswith(video.video_id)
        harvested = Artifact.objects.filter(origin="harvested")
        assert harvested.exists()
        assert not harvested.exclude(body="").exists()
        assert not harvested.filter(excerpt="").exists()

    def test_mention_rows_match_the_handles_in_the_texts(self, network: dict[str, Any]) -> None:
        ids = {f"p{pk}": pk for pk in User.objects.values_list("pk", flat=True)}
        expected: set[tuple[int, int, int | None, dt.datetime]] = set()
        for pk, author_id, body, when in Artifact.objects.filter(body__contains="@").values_list(
            "pk", "author_id", "body", "published_at"
        ):
            expected |= {(ids[h], pk, None, when) for h in mentioned_handles(body) if ids[h] != author_id}
        for pk, artifact_id, author_id, body, when in Comment.objects.filter(
            body__contains="@", removed_at__isnull=True
        ).values_list("pk", "artifact_id", "author_id", "body", "created_at"):
            expected |= {(ids[h], artifact_id, pk, when) for h in mentioned_handles(body) if ids[h] != author_id}
        rows = list(Mention.objects.values_list("user_id", "artifact_id", "comment_id", "created_at"))
        assert len(rows) == len(set(rows))
        assert set(rows) == expected
        assert any(comment is None for _, _, comment, _ in rows), "some mentions are in artifacts"
        assert sum(1 for _, _, comment, _ in rows if comment) > 50

    def test_shares_and_opens_are_consistent_with_the_services(self, network: dict[str, Any]) -> None:
        shares = Share.objects.all()
        assert not shares.filter(own_work=True).exclude(sharer=F("artifact__author")).exists()
        assert not shares.filter(own_work=False, sharer=F("artifact__author")).exists()
        assert shares.filter(own_work=True).exists()
        assert shares.filter(own_work=False).exists()
        assert not shares.filter(artifact__visibility="draft").exists()
        assert not shares.filter(created_at__lt=F("artifact__published_at")).exists()
        opened_first = Open.objects.filter(
            user=OuterRef("sharer"), artifact=OuterRef("artifact"), first_opened_at__lte=OuterRef("created_at")
        )
        assert not shares.filter(own_work=False).exclude(Exists(opened_first)).exists(), "read before you share"
        via = Open.objects.filter(via_share__isnull=False)
        assert via.exists()
        assert not via.exclude(via_share__artifact=F("artifact")).exists()
        assert not via.filter(via_share__sharer=F("user")).exists()
        assert not via.filter(first_opened_at__lt=F("via_share__created_at")).exists()
        assert not Open.objects.filter(last_opened_at__lt=F("first_opened_at")).exists()
        notified = Notification.objects.filter(kind="share").count()
        assert notified == shares.filter(own_work=False).count(), "a notification for each share of someone else's work"

    def test_mutes_and_blocks_exist_and_blocked_people_never_meet(self, network: dict[str, Any]) -> None:
        mutes = Mute.objects.all()
        assert mutes.active(NOW).exists()
        assert mutes.exclude(pk__in=mutes.active(NOW)).exists(), "some mutes have run out"
        assert not mutes.filter(muter=F("muted")).exists()
        blocks = list(Block.objects.values_list("blocker_id", "blocked_id"))
        assert blocks
        for a, b in blocks:
            pair = Q(follower=a, followee=b) | Q(follower=b, followee=a)
            assert not Follow.objects.filter(pair).exists()
            assert not Comment.objects.filter(
                Q(author=a, artifact__author=b) | Q(author=b, artifact__author=a)
            ).exists()
            assert not Share.objects.filter(Q(sharer=a, artifact__author=b) | Q(sharer=b, artifact__author=a)).exists()


def test_same_seed_and_now_give_identical_rows_and_another_seed_differs() -> None:
    with transaction.atomic():
        _generate(seed=11, users=150, artifacts=1_000)
        first = _snapshot()
        transaction.set_rollback(True)
    assert not User.objects.exists()
    with transaction.atomic():
        _generate(seed=11, users=150, artifacts=1_000)
        again = _snapshot()
        transaction.set_rollback(True)
    _generate(seed=12, users=150, artifacts=1_000)
    other = _snapshot()
    assert first == again
    assert sum(len(rows) for rows in first.values()) > 5_000
    assert first["posts_artifact"] != other["posts_artifact"]
    assert first["network_follow"] != other["network_follow"]


def test_loader_refuses_to_leave_a_clock_default_to_the_database() -> None:
    with pytest.raises(ValueError, match=r"network\.Follow\.created_at"):
        scale.Loader().load(Follow, ["id", "follower_id", "followee_id"], [])


def _pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's pragmas")
def test_bulk_load_mode_turns_sqlite_checks_off_and_restores_them() -> None:
    before = (_pragma("foreign_keys"), _pragma("synchronous"), _pragma("cache_size"))
    assert before[0] == 1

    with scale.bulk_load_mode() as notes:
        assert (_pragma("foreign_keys"), _pragma("synchronous")) == (0, 0)
        assert _pragma("cache_size") < before[2]
    assert notes == []
    assert (_pragma("foreign_keys"), _pragma("synchronous"), _pragma("cache_size")) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's roles")
def test_bulk_load_mode_goes_on_with_the_checks_when_the_role_may_not_turn_them_off() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE commonplace_scale_limited")  # rolled back with the test's transaction
        cursor.execute("SET ROLE commonplace_scale_limited")
    try:
        with scale.bulk_load_mode() as notes, connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
    assert len(notes) == 1
    assert "foreign-key checks stay on" in notes[0]


def test_command_refuses_a_database_with_people() -> None:
    UserFactory.create(username="already_here")

    with pytest.raises(CommandError, match=r"already has data: accounts_user \(1 rows\).*empty database"):
        call_command("seed-scale", "--users", "20", "--artifacts", "50", stdout=io.StringIO())
    assert User.objects.count() == 1
    assert not Artifact.objects.exists()


def test_command_with_force_stops_on_a_clash_and_writes_nothing() -> None:
    UserFactory.create(id=3, username="already_here")

    with pytest.raises(CommandError, match=r"clashed.*nothing was written"):
        call_command("seed-scale", "--users", "20", "--artifacts", "50", "--force", stdout=io.StringIO())
    assert list(User.objects.values_list("username", flat=True)) == ["already_here"]
    assert not Course.objects.exists()


def test_command_loads_a_tiny_network_whose_people_can_sign_in(client: Client) -> None:
    out = io.StringIO()
    call_command(
        "seed-scale",
        *("--users", "30", "--artifacts", "200", "--courses", "3", "--seed", "4"),
        *("--password", "load-test-pass", "--search-index"),
        stdout=out,
        stderr=io.StringIO(),
    )

    output = out.getvalue()
    assert "posts_artifact: 200 rows" in output
    assert "Loaded " in output
    assert "rows/s" in output
    assert User.objects.count() == 30
    assert Course.objects.count() == 3
    assert client.login(username="p7", password="load-test-pass")
    assert not client.login(username="p7", password="wrong")
    title_word = Artifact.objects.order_by("pk").values_list("title", flat=True)[0].split()[0]
    assert search.newest_matches(ARTIFACTS, search.parse_query(title_word), 5), "the search index was rebuilt"


def test_command_without_password_leaves_people_unable_to_sign_in(client: Client) -> None:
    call_command("seed-scale", "--users", "10", "--artifacts", "20", "--courses", "2", stdout=io.StringIO())

    person = User.objects.get(username="p3")
    assert not person.has_usable_password()
    assert not client.login(username="p3", password="")


@pytest.mark.django_db(transaction=True)
def test_after_a_bulk_load_postgresql_is_vacuumed_as_well_as_analysed() -> None:
    """Outside a transaction, `scale.analyze` vacuums on PostgreSQL (the new pages all-visible, as autovacuum leaves
    a live database) and analyses on SQLite (its planner's statistics table)."""
    scale.analyze()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'posts_artifact'")
        else:
            cursor.execute("SELECT count(*) = 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0]


@pytest.mark.django_db
def test_inside_a_transaction_it_only_analyses() -> None:
    """VACUUM cannot run in a transaction block: there (a test, or a load inside `atomic`) it analyses alone."""
    assert scale.analyze() >= 0
