"""D6: a person deletes their account. Sign-in, sessions and tokens end at once; their content is erased, or
replaced by "deleted" where others replied; a crash half-way is finished by `commonplace erase`; the handle
stays reserved."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Block, Mute, User
from accounts.tests.factories import PASSWORD
from api import services as api_services
from api.models import Token
from chats import services as chat_services
from chats.models import Chat, ChatMode
from core.exceptions import ActionError, NotAllowed
from courses.models import Course, MemberRole
from insights.models import PersonDay
from network.models import Follow, Share
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory, CommentFactory
from privacy import erasure
from privacy import services as privacy_services
from privacy.models import Erasure, Export

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria_with_things(course: Course, maria: User, devon: User) -> dict[str, object]:
    maria.set_password(PASSWORD)
    maria.bio = "Grade 5 teacher in Monterrey"
    maria.save()
    alone = ArtifactFactory.create(course=course, author=maria, title="Nobody replied to this")
    answered = ArtifactFactory.create(course=course, author=maria, title="Devon replied to this")
    CommentFactory.create(artifact=answered, author=devon, body="Devon's reply stays")
    her_comment = CommentFactory.create(artifact=answered, author=maria, body="Maria's own thanks")
    her_question = CommentFactory.create(
        artifact=ArtifactFactory.create(course=course, author=devon), author=maria, body="Maria asks Devon"
    )
    CommentFactory.create(artifact=her_question.artifact, author=devon, parent=her_question, body="Devon answers")
    Follow.objects.create(follower=maria, followee=devon)
    Mute.objects.create(muter=maria, muted=devon)
    Block.objects.create(blocker=devon, blocked=maria)
    Share.objects.create(sharer=maria, artifact=her_question.artifact)
    return {"alone": alone, "answered": answered, "her_comment": her_comment, "her_question": her_question}


def test_D6_deleting_ends_sign_in_sessions_and_tokens_at_once(
    maria_with_things: dict[str, object], maria: User, django_capture_on_commit_callbacks
) -> None:
    _, secret = api_services.create_token(user=maria, name="script", scopes=["read"])
    browser = Client()
    browser.force_login(maria)
    assert browser.get(reverse("accounts:settings")).status_code == 200
    with django_capture_on_commit_callbacks(execute=False):
        erasure.close_account(user=maria, password=PASSWORD)
    assert browser.get(reverse("accounts:settings")).status_code == 302  # signed out everywhere
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert not Token.objects.exists()
    assert not Client().login(username="maria", password=PASSWORD)
    maria.refresh_from_db()
    assert (maria.is_active, maria.bio, maria.email) == (False, "", f"deleted-{maria.pk}@invalid.invalid")


def test_a_wrong_password_deletes_nothing(maria_with_things: dict[str, object], maria: User) -> None:
    with pytest.raises(NotAllowed, match="nothing was deleted"):
        erasure.close_account(user=maria, password="not it")
    maria.refresh_from_db()
    assert maria.is_active
    assert not Erasure.objects.exists()


def test_D6_content_is_erased_or_left_as_deleted_where_others_replied(
    maria_with_things: dict[str, object], maria: User, devon: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the worker erases after the commit
        erasure.close_account(user=maria, password=PASSWORD)
    things = maria_with_things
    assert not Artifact.objects.filter(pk=things["alone"].pk).exists()  # type: ignore[attr-defined]
    kept = Artifact.objects.get(pk=things["answered"].pk)  # type: ignore[attr-defined]
    assert (kept.title, kept.body, kept.body_html) == ("deleted", "", "")
    assert Comment.objects.filter(artifact=kept, author=devon).get().body == "Devon's reply stays"
    assert not Comment.objects.filter(pk=things["her_comment"].pk).exists()  # type: ignore[attr-defined]
    question = Comment.objects.get(pk=things["her_question"].pk)  # type: ignore[attr-defined]
    assert question.removed_at is not None
    assert question.body == ""
    assert question.replies.get().body == "Devon answers"  # the reply keeps its place
    assert not Follow.objects.filter(follower=maria).exists()
    assert not Mute.objects.filter(muter=maria).exists()
    assert not Share.objects.filter(sharer=maria).exists()
    assert Block.objects.filter(blocker=devon, blocked=maria).exists()  # devon's protection stays
    assert Erasure.objects.get(user=maria).finished_at is not None


def test_D6_a_crash_half_way_is_finished_by_the_command(
    maria_with_things: dict[str, object], maria: User, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    def crash(user: User) -> None:
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(erasure, "_erase_artifacts", crash)
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task fails; the request does not
        erasure.close_account(user=maria, password=PASSWORD)
    assert Erasure.objects.get(user=maria).finished_at is None
    assert Artifact.objects.filter(author=maria, title="Nobody replied to this").exists()  # not reached yet
    monkeypatch.undo()
    out = io.StringIO()
    call_command("erase", stdout=out)
    assert out.getvalue().strip() == "Finished 1 erasure."
    assert not Artifact.objects.filter(author=maria).exclude(title="deleted").exists()
    assert Erasure.objects.get(user=maria).finished_at is not None
    call_command("erase", stdout=out)  # nothing left: safe to run again
    assert not Artifact.objects.filter(author=maria).exclude(title="deleted").exists()


def test_D6_the_handle_stays_reserved(maria_with_things: dict[str, object], maria: User) -> None:
    erasure.close_account(user=maria, password=PASSWORD)
    with pytest.raises(ActionError, match="handle is taken"):
        accounts_services.register(username="maria", email="new@example.org", password="a long new password 42")


def test_the_page_confirms_with_handle_and_password_and_signs_out(login, maria_with_things, maria: User) -> None:
    client = login(maria)
    wrong = client.post(reverse("privacy:close"), {"handle": "devon", "password": PASSWORD})
    assert wrong.status_code == 400
    assert "Type @maria exactly to confirm." in wrong.content.decode()
    done = client.post(reverse("privacy:close"), {"handle": "@maria", "password": PASSWORD}, follow=True)
    assert "Your account is deleted." in done.content.decode()
    assert not User.objects.get(pk=maria.pk).is_active
    assert client.get(reverse("accounts:settings")).status_code == 302


def test_a_deleted_facilitators_chats_pass_to_another_facilitator(
    course: Course, george: User, devon: User, django_capture_on_commit_callbacks
) -> None:
    george.set_password(PASSWORD)
    george.save()
    course.enrollments.filter(user=devon).update(role=MemberRole.FACILITATOR)
    plan = chat_services.ChatPlan(
        title="Week 2 chat",
        starts_at=timezone.now() + dt.timedelta(days=1),
        mode=ChatMode.LIVE,
        interval=10,
        visibility="public",
        questions=["What surprised you?"],
    )
    chat = chat_services.schedule_chat(course=course, actor=george, plan=plan)
    with django_capture_on_commit_callbacks(execute=True):
        erasure.close_account(user=george, password=PASSWORD)
    assert Chat.objects.get(pk=chat.pk).created_by == devon


def test_the_erased_person_leaves_the_rollups(
    maria_with_things: dict[str, object], maria: User, django_capture_on_commit_callbacks
) -> None:
    PersonDay.objects.create(user=maria, course=Course.objects.get(), day="2026-11-20")
    with django_capture_on_commit_callbacks(execute=True):
        erasure.close_account(user=maria, password=PASSWORD)
    assert not PersonDay.objects.filter(user=maria).exists()


def test_a_download_finished_after_the_erasure_is_thrown_away(
    maria_with_things: dict[str, object], maria: User, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.EXPORT_ROOT = tmp_path / "exports"
    export = Export.objects.create(user=maria)
    real_write = privacy_services.write_export

    def write_then_the_account_goes(*args: object, **kwargs: object) -> int:
        size = real_write(*args, **kwargs)  # type: ignore[arg-type]
        with django_capture_on_commit_callbacks(execute=True):
            erasure.close_account(user=maria, password=PASSWORD)
        return size

    privacy_services.write_export = write_then_the_account_goes  # type: ignore[assignment]
    try:
        assert privacy_services.build(export.pk) is None
    finally:
        privacy_services.write_export = real_write
    assert not any(p.is_file() for p in (tmp_path / "exports").rglob("*"))
