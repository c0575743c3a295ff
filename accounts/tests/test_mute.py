"""Mute and unmute pages: one POST from anywhere, a confirm page on GET, durations that run out."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Mute, User
from accounts.tests.factories import UserFactory


@pytest.fixture
def ana(db) -> User:
    return UserFactory.create(username="ana", display_name="Ana")


@pytest.fixture
def ben(db) -> User:
    return UserFactory.create(username="ben", display_name="Ben")


def _mute_url(user: User) -> str:
    return reverse("accounts:mute", args=[user.username])


def _unmute_url(user: User) -> str:
    return reverse("accounts:unmute", args=[user.username])


@pytest.mark.parametrize(("choice", "days"), [("1", 1), ("7", 7), ("30", 30), ("forever", None)])
def test_mute_for_each_duration_and_go_back(login, ana: User, ben: User, choice: str, days: int | None) -> None:
    before = timezone.now()
    response = login(ana).post(_mute_url(ben), {"days": choice, "next": "/courses/"})
    assert response.status_code == 302
    assert response["Location"] == "/courses/"
    mute = Mute.objects.get(muter=ana, muted=ben)
    if days is None:
        assert mute.until is None
    else:
        assert mute.until is not None
        assert before + dt.timedelta(days=days) <= mute.until <= timezone.now() + dt.timedelta(days=days)


@pytest.mark.parametrize("days", [1, 7, 30])
def test_a_mute_runs_out_after_its_days(ana: User, ben: User, days: int) -> None:
    start = timezone.now()
    services.mute(muter=ana, muted=ben, days=days, now=start)
    assert Mute.objects.active(start + dt.timedelta(days=days) - dt.timedelta(minutes=1)).exists()
    assert not Mute.objects.active(start + dt.timedelta(days=days, minutes=1)).exists()


def test_until_undone_lasts_until_unmuted(login, ana: User, ben: User) -> None:
    services.mute(muter=ana, muted=ben, days=None)
    assert Mute.objects.active(timezone.now() + dt.timedelta(days=3650)).exists()
    response = login(ana).post(_unmute_url(ben))
    assert response.status_code == 302
    assert response["Location"] == ben.get_absolute_url()
    assert not Mute.objects.exists()


def test_next_must_be_a_local_path(login, ana: User, ben: User) -> None:
    response = login(ana).post(_mute_url(ben), {"days": "7", "next": "https://evil.test/"})
    assert response["Location"] == ben.get_absolute_url()


def test_get_shows_a_confirm_page_and_changes_nothing(login, ana: User, ben: User, valid_html) -> None:
    response = login(ana).get(_mute_url(ben) + "?next=/courses/")
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "Mute @ben</button>" in html
    assert '<option value="forever">until I undo it</option>' in html
    assert 'name="next" value="/courses/"' in html
    assert not Mute.objects.exists()


def test_unmute_refuses_get(login, ana: User, ben: User) -> None:
    services.mute(muter=ana, muted=ben, days=7)
    assert login(ana).get(_unmute_url(ben)).status_code == 405
    assert Mute.objects.exists()


def test_an_unknown_duration_changes_nothing(login, ana: User, ben: User) -> None:
    response = login(ana).post(_mute_url(ben), {"days": "365"})
    assert response.status_code == 400
    assert not Mute.objects.exists()


def test_you_cannot_mute_yourself(login, ana: User) -> None:
    response = login(ana).post(_mute_url(ana), {"days": "7"}, follow=True)
    assert "You cannot mute yourself." in response.content.decode()
    assert not Mute.objects.exists()


def test_signed_out_people_are_sent_to_log_in(client: Client, ben: User) -> None:
    response = client.post(_mute_url(ben), {"days": "7"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not Mute.objects.exists()


def test_mute_and_unmute_need_a_csrf_token(ana: User, ben: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ana)
    assert client.post(_mute_url(ben), {"days": "7"}).status_code == 403
    assert not Mute.objects.exists()
    services.mute(muter=ana, muted=ben, days=7)
    assert client.post(_unmute_url(ben)).status_code == 403
    assert Mute.objects.exists()


def test_muting_again_changes_the_duration(login, ana: User, ben: User) -> None:
    client = login(ana)
    client.post(_mute_url(ben), {"days": "1"})
    client.post(_mute_url(ben), {"days": "forever"})
    assert Mute.objects.get().until is None


def test_missing_person_is_404(login, ana: User) -> None:
    assert login(ana).post(reverse("accounts:mute", args=["nobody_here"]), {"days": "7"}).status_code == 404
