import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.tests.factories import UserFactory
from courses.models import Course, LiveSession, MemberRole
from courses.selectors import current_week
from courses.tests.factories import CourseFactory, EnrollmentFactory
from posts.models import Artifact, Comment, Kind, Visibility
from posts.services import CommentsClosed, add_comment
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

DEMO_HANDLES = ("george", "maria", "devon", "aisha")


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_loads_a_living_six_week_season() -> None:
    output = run_demo("--if-empty")

    assert output.count("\n") == 1, "make run prints one line"
    course = Course.objects.get()
    assert (course.slug, course.display_hashtag) == ("immooc", "#IMMOOC")
    assert course.weeks.count() == 6
    week = current_week(course)
    assert week is not None
    assert week.number == 3
    assert course.books.count() == 2
    for week in course.weeks.all():
        assert week.theme_question
        assert week.readings.exists()
        assert 2 <= week.prompts.count() <= 3
    assert {p.kind for w in course.weeks.all() for p in w.prompts.all()} == {"blog", "video", "image"}
    assert course.enrollments.filter(role=MemberRole.PARTICIPANT).count() >= 12
    assert course.enrollments.filter(role=MemberRole.FACILITATOR, user__username="george").exists()


def test_demo_has_every_kind_of_artifact_and_conversation() -> None:
    run_demo()

    artifacts = Artifact.objects.all()
    assert set(artifacts.values_list("kind", flat=True)) == set(Kind.values)
    assert set(artifacts.values_list("visibility", flat=True)) == set(Visibility.values)
    assert artifacts.filter(visibility=Visibility.DRAFT).count() == 1
    assert artifacts.filter(prompt__isnull=False).count() >= 5
    providers = set(artifacts.filter(kind=Kind.VIDEO).values_list("video_provider", flat=True))
    assert providers == {"youtube", "vimeo", ""}, "YouTube, Vimeo and one video elsewhere"
    for image in artifacts.filter(kind=Kind.IMAGE):
        assert len(image.image_alt) > 40
        assert default_storage.exists(str(image.image.name))
        assert image.image_width
        assert image.image_height
    assert "## " in artifacts.get(title__startswith="New isn't always better").body
    assert Comment.objects.count() >= 20
    assert Comment.objects.filter(parent__isnull=False).exists(), "threaded replies"
    for comment in Comment.objects.select_related("artifact"):
        assert comment.artifact.published_at < comment.created_at < comment.artifact.comments_close_at


def test_demo_has_exactly_one_closed_thread_that_refuses_comments() -> None:
    run_demo()

    published = Artifact.objects.published().select_related("course")
    closed = [a for a in published if not a.comments_open()]
    assert len(closed) == 1
    assert closed[0].comments.exists()
    with pytest.raises(CommentsClosed):
        add_comment(artifact=closed[0], author=User.objects.get(username="devon"), body="Late thought?")


def test_demo_live_sessions_have_recordings_in_the_past_and_join_links_ahead() -> None:
    run_demo()

    sessions = list(LiveSession.objects.select_related("week").order_by("week__number"))
    assert len(sessions) == 6
    past = [s for s in sessions if s.week.number < 3]
    ahead = [s for s in sessions if s.week.number >= 3]
    assert past
    assert all(s.recording_url and not s.join_url for s in past)
    assert all(s.join_url and not s.recording_url for s in ahead)
    assert sessions[2].questions.count() >= 2


def test_demo_logins_work_and_george_runs_the_admin(monkeypatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-secret")
    output = run_demo()

    george = User.objects.get(username="george")
    assert george.is_staff
    assert george.is_superuser
    for handle in DEMO_HANDLES:
        assert User.objects.get(username=handle).check_password("another-demo-secret")
        assert f"@{handle}" in output
    assert User.objects.count() >= 13
    assert User.objects.exclude(username="george").filter(is_staff=True).count() == 0
    assert len({u.time_zone for u in User.objects.all()}) >= 8
    assert len(set(User.objects.values_list("role", flat=True))) == 5


def test_demo_people_can_log_in_on_a_site_where_sign_ups_wait_for_approval(settings) -> None:
    """A fresh install has no moderator who logged in this week, so sign-ups wait for approval (SP5); the
    demo's people are made by the operator, not signed up, and can all log in."""
    settings.SIGNUP_APPROVAL = "auto"
    run_demo()
    assert not User.objects.filter(awaiting_approval=True).exists()
    assert not User.objects.filter(username__in=DEMO_HANDLES, is_active=False).exists()


def test_if_empty_does_nothing_when_a_course_exists() -> None:
    CourseFactory.create(slug="another-course")

    output = run_demo("--if-empty")

    assert "not loaded" in output
    assert output.count("\n") == 1
    assert Course.objects.count() == 1
    assert not User.objects.filter(username__in=DEMO_HANDLES).exists()


def test_demo_without_flags_refuses_to_load_twice() -> None:
    run_demo()
    with pytest.raises(CommandError, match="already loaded"):
        run_demo()
    assert Course.objects.count() == 1


def test_reset_rebuilds_without_duplicates_and_leaves_other_data_alone(django_capture_on_commit_callbacks) -> None:
    run_demo()
    counts = (User.objects.count(), Artifact.objects.count(), Comment.objects.count())
    old_images = list(Artifact.objects.exclude(image="").values_list("image", flat=True))
    olive = UserFactory.create(username="olive")
    other = CourseFactory.create(slug="other-course")
    EnrollmentFactory.create(course=other, user=olive)
    EnrollmentFactory.create(course=other, user=User.objects.get(username="maria"))
    ArtifactFactory.create(course=other, author=olive, title="Olive's own post")
    maria_lookalike = UserFactory.create(username="mariana", email="maria@demo.example.org.evil.test")

    with django_capture_on_commit_callbacks(execute=True):
        run_demo("--reset")

    assert Course.objects.filter(slug="immooc").count() == 1
    assert Course.objects.filter(pk=other.pk).exists()
    assert User.objects.filter(pk__in=[olive.pk, maria_lookalike.pk]).count() == 2
    assert Artifact.objects.filter(title="Olive's own post", course=other).exists()
    assert (User.objects.count(), Artifact.objects.count(), Comment.objects.count()) == (
        counts[0] + 2,
        counts[1] + 1,
        counts[2],
    )
    assert User.objects.filter(username="george").count() == 1
    assert not any(default_storage.exists(name) for name in old_images), "old demo images are deleted"
    new_images = Artifact.objects.exclude(image="").values_list("image", flat=True)
    assert all(default_storage.exists(name) for name in new_images)


def test_reset_leaves_a_real_course_with_the_demo_address_alone() -> None:
    real = CourseFactory.create(slug="immooc", title="A real season")
    EnrollmentFactory.create(course=real, user=UserFactory.create(username="realfac"), role=MemberRole.FACILITATOR)

    with pytest.raises(CommandError, match="not the demo"):
        run_demo("--reset")

    assert Course.objects.get(slug="immooc").title == "A real season"
    assert not User.objects.filter(username__in=DEMO_HANDLES).exists()


def test_reset_refuses_when_a_real_account_holds_a_demo_handle() -> None:
    UserFactory.create(username="maria", email="maria@school.example.net")

    with pytest.raises(CommandError, match="handle is taken"):
        run_demo("--reset")

    assert User.objects.get(username="maria").email == "maria@school.example.net"
    assert not Course.objects.exists()


def test_demo_has_a_network_of_follows_opens_and_shares_with_notes() -> None:
    from network.models import Follow, Open, Share

    run_demo()
    george = User.objects.get(username="george")
    assert Follow.objects.filter(followee=george).count() >= 10
    shares = list(Share.objects.select_related("artifact"))
    assert len(shares) >= 10
    for share in shares:
        # Read before you share holds in the demo too: every share follows an open, and none is own work.
        assert Open.objects.filter(user_id=share.sharer_id, artifact_id=share.artifact_id).exists()
        assert share.note
        assert not share.own_work
