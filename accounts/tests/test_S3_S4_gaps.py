"""S3: an old PBKDF2 password hash is upgraded to Argon2 when its owner logs in through the real form.
S4: an account a staff member disables (`is_active=False`, which is this project's suspension) loses its
sessions and its API tokens (the REST bearer token and a Mastodon app's OAuth token) at once."""

from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
VERIFY_CREDENTIALS = "/api/v1/accounts/verify_credentials"


@pytest.mark.real_hashers
def test_S3_an_old_pbkdf2_hash_is_upgraded_to_argon2_on_log_in(maria: User, settings) -> None:
    # The production list (the root conftest leaves it alone for `real_hashers`), stated here so the test
    # does not depend on it: Argon2 first, PBKDF2 still accepted.
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert PBKDF2 in settings.PASSWORD_HASHERS
    User.objects.filter(pk=maria.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    maria.refresh_from_db()
    assert maria.password.startswith("pbkdf2_sha256$")

    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "maria", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("accounts:settings")).status_code == 200  # signed in

    maria.refresh_from_db()
    assert maria.password.startswith("argon2$")
    assert maria.check_password(PASSWORD)
    # The upgrade keeps the person signed in (the session hash follows the new password hash).
    assert client.get(reverse("accounts:settings")).status_code == 200


def _disable_by_save(user: User) -> None:
    """What the admin's change form does: the model is saved with is_active unticked."""
    user.is_active = False
    user.save()


def _disable_by_update(user: User) -> None:
    """A bulk update (a shell, a data fix): no save(), no signals."""
    User.objects.filter(pk=user.pk).update(is_active=False)


DISABLE: dict[str, Callable[[User], None]] = {"saved": _disable_by_save, "bulk update": _disable_by_update}


@pytest.fixture(params=list(DISABLE))
def disable(request: pytest.FixtureRequest) -> Callable[[User], None]:
    return DISABLE[request.param]


# Tokens are made through the pages and endpoints people and apps use: accounts sits below api in the layers
# (pyproject's import-linter contract), so these tests do not import it.
OOB = "urn:ietf:wg:oauth:2.0:oob"


def rest_token(user: User) -> str:
    """A personal access token's secret, made on the settings page (shown once)."""
    browser = Client()
    browser.force_login(user)
    made = browser.post(reverse("tokens:list"), {"name": "script", "scopes": ["read"]})
    assert made.status_code == 201
    return str(made.context["secret"])


def mastodon_token(user: User) -> str:
    """A Mastodon app's OAuth token secret, through app registration, the consent page and the code exchange."""
    anon = Client()
    app = anon.post("/api/v1/apps", {"client_name": "Test app", "redirect_uris": OOB, "scopes": "read"}).json()
    browser = Client()
    browser.force_login(user)
    query = {"client_id": app["client_id"], "redirect_uri": OOB, "scope": "read", "response_type": "code"}
    consent = browser.post("/oauth/authorize", {**query, "authorize": "1"})
    assert consent.status_code == 200
    exchanged = anon.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "code": consent.context["code"],
            "redirect_uri": OOB,
        },
    )
    assert exchanged.status_code == 200, exchanged.content
    return str(exchanged.json()["access_token"])


def test_S4_disabling_an_account_ends_its_sessions_at_once(maria: User, disable: Callable[[User], None]) -> None:
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        assert client.login(username="maria", password=PASSWORD)
        assert client.get(reverse("accounts:settings")).status_code == 200

    disable(maria)

    for client in (here, elsewhere):
        response = client.get(reverse("accounts:settings"))
        assert response.status_code == 302  # sent to log in: the next request is anonymous
        assert reverse("accounts:login") in response["Location"]
        assert client.get("/api/v1/me").status_code == 401  # the session does not reach the API either
    assert not Client().login(username="maria", password=PASSWORD)


def test_S4_disabling_an_account_stops_its_api_tokens(maria: User, disable: Callable[[User], None]) -> None:
    rest_secret = rest_token(maria)
    oauth_secret = mastodon_token(maria)
    rest = {"Authorization": f"Bearer {rest_secret}"}
    oauth = {"Authorization": f"Bearer {oauth_secret}"}
    assert Client().get("/api/v1/me", headers=rest).status_code == 200
    assert Client().get(VERIFY_CREDENTIALS, headers=oauth).status_code == 200

    disable(maria)

    assert Client().get("/api/v1/me", headers=rest).status_code == 401
    assert Client().get(VERIFY_CREDENTIALS, headers=oauth).status_code == 401
    assert Client().get("/api/v1/me", headers=oauth).status_code == 401  # either kind, on either API
    assert Client().get(VERIFY_CREDENTIALS, headers=rest).status_code == 401


def test_S4_re_enabling_a_disabled_account_does_not_bring_back_old_sessions_or_tokens(maria: User) -> None:
    secret = rest_token(maria)
    browser = Client()
    assert browser.login(username="maria", password=PASSWORD)
    _disable_by_save(maria)
    maria.is_active = True
    maria.save()
    assert browser.get(reverse("accounts:settings")).status_code == 302
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    fresh = Client()
    assert fresh.login(username="maria", password=PASSWORD), "the account itself works again"
    assert fresh.get(reverse("accounts:settings")).status_code == 200


def test_S4_sessions_of_an_account_never_disabled_are_untouched(maria: User) -> None:
    """The session hash only changes once an account has been disabled: nobody is signed out by the upgrade."""
    browser = Client()
    assert browser.login(username="maria", password=PASSWORD)
    maria.display_name = "Maria L."
    maria.save()
    assert browser.get(reverse("accounts:settings")).status_code == 200


def test_S4_rotating_the_secret_key_brings_no_session_of_a_disabled_account_back(maria: User, settings) -> None:
    """A session signed with the old key is still checked through SECRET_KEY_FALLBACKS after a rotation:
    that check, too, must carry the account's session_version."""
    old_key = settings.SECRET_KEY
    browser = Client()
    assert browser.login(username="maria", password=PASSWORD)
    _disable_by_save(maria)
    maria.is_active = True
    maria.save()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 50, [old_key]
    assert browser.get(reverse("accounts:settings")).status_code == 302
    fresh = Client()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = old_key, []
    assert fresh.login(username="maria", password=PASSWORD)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 50, [old_key]
    assert fresh.get(reverse("accounts:settings")).status_code == 200, "a session from after it works on"
