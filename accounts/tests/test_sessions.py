"""S4: the session key rotates on log-in; a password change ends every other session and keeps this one;
log-out ends the session on the server, not only in the browser."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a different long passphrase 2026"


@pytest.fixture
def maria_pw(maria: User) -> User:
    maria.set_password(PASSWORD)
    maria.save()
    return maria


def _log_in(client: Client) -> None:
    response = client.post(reverse("accounts:login"), {"username": "maria", "password": PASSWORD})
    assert response.status_code == 302


def test_S4_the_session_key_rotates_on_log_in(maria_pw: User) -> None:
    client = Client()
    client.get(reverse("accounts:login"))
    client.session["before"] = "x"
    client.session.save()
    before = client.session.session_key
    _log_in(client)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_S4_a_password_change_ends_other_sessions_and_keeps_this_one(maria_pw: User) -> None:
    here, elsewhere = Client(), Client()
    _log_in(here)
    _log_in(elsewhere)
    changed = here.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert here.get(reverse("accounts:settings")).status_code == 200
    assert elsewhere.get(reverse("accounts:settings")).status_code == 302  # sent to log in


def test_S4_log_out_ends_the_session_on_the_server(maria_pw: User) -> None:
    client = Client()
    _log_in(client)
    key = client.session.session_key
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    stolen = Client()
    stolen.cookies["sessionid"] = key or ""  # a copied cookie no longer works
    assert stolen.get(reverse("accounts:settings")).status_code == 302
