"""SP5, its second half: open sign-up while no moderator has been active for a week switches to
approval-required. A new account then cannot sign in until staff approve it; staff see who waits, approve
(the person is e-mailed) or turn the sign-up away (the account goes)."""

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from core.formguard import stamp
from courses.models import Course
from moderation.models import Report, Verdict
from moderation.signups import no_moderator_active
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture(autouse=True)
def _approval_when_unwatched(settings) -> None:
    settings.SIGNUP_APPROVAL = "auto"  # the default; the suite's conftest opens sign-up for other tests
    settings.SIGNUP_MODERATOR_IDLE_DAYS = 7


def _sign_up(client: Client, username: str = "new_teacher") -> Any:
    return client.post(
        reverse("accounts:signup"),
        {
            "username": username,
            "email": f"{username}@example.org",
            "display_name": "New Teacher",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "rendered": stamp(ago=60),
        },
    )


def _log_in(client: Client, username: str = "new_teacher") -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})


def _was_active(user: User, days_ago: int) -> None:
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - dt.timedelta(days=days_ago))


def test_SP5_with_no_moderator_active_for_a_week_a_sign_up_waits_for_approval(
    client: Client, course: Course, george: User
) -> None:
    _was_active(george, days_ago=8)  # the course's facilitator, last seen eight days ago

    response = _sign_up(client)

    assert response.status_code == 200
    assert "wait for a moderator" in response.content.decode()
    person = User.objects.get(username="new_teacher")
    assert (person.is_active, person.awaiting_approval) == (False, True)
    assert "_auth_user_id" not in client.session, "not signed in"
    refused = _log_in(Client())
    assert "waiting for a moderator" in refused.content.decode()


def test_SP5_a_wrong_password_for_a_waiting_account_says_nothing_about_it(client: Client) -> None:
    _sign_up(client)
    response = Client().post(reverse("accounts:login"), {"username": "new_teacher", "password": "not it at all"})
    assert "waiting for a moderator" not in response.content.decode()


@pytest.mark.parametrize("who", ["facilitator", "staff"])
def test_SP5_a_moderator_active_this_week_keeps_sign_up_open(
    client: Client, course: Course, george: User, who: str
) -> None:
    moderator = george if who == "facilitator" else UserFactory.create(username="admin", is_staff=True)
    _was_active(moderator, days_ago=2)

    response = _sign_up(client)

    assert response.status_code == 302
    assert User.objects.get(username="new_teacher").is_active
    assert client.session["_auth_user_id"]


def test_SP5_a_participant_being_active_does_not_count(client: Client, course: Course, devon: User) -> None:
    _was_active(devon, days_ago=0)
    assert no_moderator_active()
    _sign_up(client)
    assert User.objects.get(username="new_teacher").awaiting_approval


def test_SP5_a_facilitator_deciding_a_report_counts_as_active(course: Course, george: User, maria: User) -> None:
    _was_active(george, days_ago=30)
    assert no_moderator_active()
    post = ArtifactFactory.create(course=course, author=maria)
    Report.objects.create(
        course=course,
        artifact=post,
        excerpt="x",
        reason="spam",
        verdict=Verdict.KEPT,
        decided_by=george,
        decided_at=timezone.now() - dt.timedelta(days=1),
    )
    assert not no_moderator_active()


@pytest.mark.parametrize(("mode", "waits"), [("always", True), ("never", False)])
def test_SP5_the_setting_can_always_or_never_ask(settings, client: Client, george: User, mode: str, waits) -> None:
    _was_active(george, days_ago=0)
    settings.SIGNUP_APPROVAL = mode
    _sign_up(client)
    assert User.objects.get(username="new_teacher").awaiting_approval is waits


def test_SP5_staff_approve_and_the_person_is_emailed_and_can_log_in(
    client: Client, login, django_capture_on_commit_callbacks
) -> None:
    _sign_up(client)
    admin = UserFactory.create(username="admin", is_staff=True)
    person = User.objects.get(username="new_teacher")
    page = login(admin).get(reverse("accounts:signups"))
    assert "@new_teacher" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = login(admin).post(reverse("accounts:signups"), {"person": person.pk, "decision": "approve"})
    assert done.status_code == 302

    person.refresh_from_db()
    assert (person.is_active, person.awaiting_approval) == (True, False)
    assert [m.to for m in mail.outbox] == [["new_teacher@example.org"]]
    assert _log_in(Client()).status_code == 302


def test_SP5_staff_turn_a_sign_up_away_and_the_account_goes(client: Client, login) -> None:
    _sign_up(client)
    admin = UserFactory.create(username="admin", is_staff=True)
    person = User.objects.get(username="new_teacher")
    login(admin).post(reverse("accounts:signups"), {"person": person.pk, "decision": "refuse"})
    assert not User.objects.filter(username="new_teacher").exists()


def test_SP5_only_staff_see_or_decide_sign_ups(client: Client, login, george: User) -> None:
    _sign_up(client)
    person = User.objects.get(username="new_teacher")
    assert login(george).get(reverse("accounts:signups")).status_code == 404
    assert (
        login(george).post(reverse("accounts:signups"), {"person": person.pk, "decision": "approve"}).status_code == 404
    )
    person.refresh_from_db()
    assert person.awaiting_approval
