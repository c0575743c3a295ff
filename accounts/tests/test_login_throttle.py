"""S2: failed log-ins are limited per account and per address; a forged X-Forwarded-For does not help; the
lock-out is logged."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def _try(client: Client, username: str, password: str, **meta: str) -> int:
    return client.post(LOGIN, {"username": username, "password": password}, **meta).status_code  # type: ignore[arg-type]


def test_S2_twenty_wrong_passwords_lock_the_account_even_for_the_right_one(maria: User, caplog, settings) -> None:
    maria.set_password(PASSWORD)
    maria.save()
    client = Client()
    with caplog.at_level(logging.WARNING, logger="commonplace.security"):
        codes = [_try(client, "maria", f"wrong {n}") for n in range(20)]
    assert codes[: settings.LOGIN_FAILURES_PER_ACCOUNT] == [200] * settings.LOGIN_FAILURES_PER_ACCOUNT
    assert set(codes[settings.LOGIN_FAILURES_PER_ACCOUNT :]) == {429}
    locked = client.post(LOGIN, {"username": "maria", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert "log-in locked for account 'maria'" in caplog.text


def test_S2_a_lock_on_one_account_does_not_stop_another_from_elsewhere(maria: User, devon: User) -> None:
    devon.set_password(PASSWORD)
    devon.save()
    attacker = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(12):
        _try(attacker, "maria", f"wrong {n}")
    assert _try(Client(REMOTE_ADDR="10.2.2.2"), "devon", PASSWORD) == 302


def test_S2_spraying_one_password_over_many_accounts_locks_the_address(settings) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    people = [UserFactory.create(username=f"teacher{n}") for n in range(25)]
    sprayer = Client(REMOTE_ADDR="10.9.9.9")
    codes = [_try(sprayer, person.username, "Summer2026!") for person in people]
    assert codes[:20] == [200] * 20
    assert set(codes[20:]) == {429}


def test_S2_an_ipv6_sprayer_cannot_rotate_addresses_within_its_network(settings) -> None:
    """A /64 is one home or school network: a new address from it for every guess still counts as one."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    people = [UserFactory.create(username=f"v{n}") for n in range(7)]
    codes = [_try(Client(REMOTE_ADDR=f"2001:db8:7:7::{n + 1:x}"), p.username, "guess") for n, p in enumerate(people)]
    assert codes[:5] == [200] * 5
    assert set(codes[5:]) == {429}
    assert _try(Client(REMOTE_ADDR="2001:db8:7:8::1"), "v0", "guess") == 200, "the next /64 is another network"


def test_S2_a_forged_forwarded_for_changes_nothing(settings) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    people = [UserFactory.create(username=f"t{n}") for n in range(8)]
    client = Client(REMOTE_ADDR="10.9.9.9")
    codes = [_try(client, p.username, "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n, p in enumerate(people)]
    assert codes[5:] == [429, 429, 429]


def test_S2_behind_a_trusted_proxy_the_proxys_hop_counts(settings) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    settings.TRUSTED_PROXY_COUNT = 1
    people = [UserFactory.create(username=f"p{n}") for n in range(4)]
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    # Four different people behind the proxy: their own addresses count, so nobody is locked out.
    codes = [
        _try(proxy, p.username, "guess", HTTP_X_FORWARDED_FOR=f"spoofed, 198.51.100.{n}") for n, p in enumerate(people)
    ]
    assert set(codes) == {200}


def test_S2_a_good_log_in_clears_the_account_count(maria: User, settings) -> None:
    maria.set_password(PASSWORD)
    maria.save()
    client = Client()
    for n in range(settings.LOGIN_FAILURES_PER_ACCOUNT - 1):
        _try(client, "maria", f"wrong {n}")
    assert _try(client, "maria", PASSWORD) == 302
    client.logout()
    assert _try(client, "maria", "wrong again") == 200  # counting starts over


def test_S2_attempts_are_counted_before_the_password_is_checked(settings, rf) -> None:
    """Parallel guesses cannot all pass the check before any of them has failed."""
    from accounts import throttle

    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    request = rf.post("/accounts/login/")
    assert [throttle.attempt(request, "maria") for _ in range(5)] == [True, True, True, False, False]
