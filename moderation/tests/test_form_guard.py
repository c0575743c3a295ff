"""SP4 and SP5: the honeypot and the least time on the comment and sign-up forms, the per-person comment rate,
and sign-ups from blocked e-mail domains. Every refusal keeps what the person typed."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core import formguard
from core.formguard import stamp
from courses.models import Course
from posts import services as posts_services
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db
TEXT = "What did the students choose to work on first?"


@pytest.fixture
def post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(course=course, author=maria, title="Genius hour, week 1")


def _send(client: Client, artifact: Artifact, **data: str) -> tuple[int, str]:
    response = client.post(reverse("posts:comment_create", args=[artifact.pk]), {"body": TEXT, **data})
    return response.status_code, response.content.decode()


def test_SP4_the_comment_form_carries_a_stamp_and_a_hidden_honeypot(login, post: Artifact, devon: User) -> None:
    html = login(devon).get(post.get_absolute_url()).content.decode()
    assert 'name="rendered" value="' in html
    assert '<div class="field hp" aria-hidden="true">' in html
    assert 'name="website"' in html


def test_SP4_a_filled_honeypot_is_refused_and_the_text_kept(login, post: Artifact, devon: User) -> None:
    status, html = _send(login(devon), post, rendered=stamp(ago=60), website="http://cheap.example.com")
    assert status == 400
    assert formguard.REFUSED in html
    assert TEXT in html
    assert not Comment.objects.exists()
    # Shown again with the honeypot emptied (a browser's autofill may have filled it), so a person who posts
    # the form again as it came back is not refused for ever.
    assert "http://cheap.example.com" not in html


def test_SP4_posting_sooner_than_three_seconds_is_refused_then_accepted(login, post: Artifact, devon: User) -> None:
    client = login(devon)
    status, html = _send(client, post, rendered=stamp(ago=1))
    assert status == 400
    assert "quicker than a person can write" in html
    assert TEXT in html
    assert not Comment.objects.exists()
    status, _ = _send(client, post, rendered=stamp(ago=3.5))
    assert status == 302
    assert Comment.objects.get().body == TEXT


@pytest.mark.parametrize("rendered", ["", "1700000000", "garbage:abc:def"])
def test_SP4_a_missing_or_forged_stamp_is_refused(login, post: Artifact, devon: User, rendered: str) -> None:
    status, html = _send(login(devon), post, rendered=rendered)
    assert status == 400
    assert TEXT in html
    assert not Comment.objects.exists()
    assert 'name="rendered" value="' in html  # a fresh stamp: posting the form again works


def test_SP4_a_stamp_from_another_salt_is_refused() -> None:
    from django.core import signing

    assert formguard.stamp_age(signing.dumps(0.0)) is None
    age = formguard.stamp_age(stamp(ago=10))
    assert age is not None
    assert 9 < age < 12


def test_SP4_the_least_time_is_a_setting(settings, login, post: Artifact, devon: User) -> None:
    settings.FORM_MIN_SECONDS = 30
    assert _send(login(devon), post, rendered=stamp(ago=10))[0] == 400
    settings.FORM_MIN_SECONDS = 5
    assert _send(login(devon), post, rendered=stamp(ago=10))[0] == 302


def test_SP4_comments_are_limited_per_person_a_minute(settings, login, course: Course, devon: User, maria) -> None:
    settings.COMMENT_RATE_PER_MINUTE = 3
    posts = [ArtifactFactory.create(course=course, author=maria) for _ in range(4)]
    client = login(devon)
    for artifact in posts[:3]:
        assert _send(client, artifact, rendered=stamp(ago=60))[0] == 302
    status, html = _send(client, posts[3], rendered=stamp(ago=60))
    assert status == 429
    assert "3 comments in the last minute" in html
    assert TEXT in html
    assert Comment.objects.count() == 3
    with pytest.raises(posts_services.TooManyComments):  # the API and every other way in go through the service
        posts_services.add_comment(artifact=posts[3], author=devon, body="Again")
    # Someone else is not limited by devon's comments.
    assert posts_services.add_comment(artifact=posts[3], author=maria, body="Fine")


def _signup(**overrides: str) -> dict[str, str]:
    data = {
        "username": "new_teacher",
        "email": "new.teacher@example.org",
        "display_name": "New Teacher",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
        "rendered": stamp(ago=60),
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"website": "https://spam.example.com"}, formguard.REFUSED),
        ({"rendered": "now"}, "quicker than a person can write"),  # stamped in the test, not at collection
        ({"rendered": ""}, formguard.REFUSED),
    ],
)
def test_SP4_the_signup_form_has_the_honeypot_and_the_least_time(
    client: Client, overrides: dict[str, str], message: str
) -> None:
    if overrides.get("rendered") == "now":
        overrides = {"rendered": stamp()}
    response = client.post(reverse("accounts:signup"), _signup(**overrides))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="new_teacher"' in html  # kept
    assert not User.objects.filter(username="new_teacher").exists()


def test_SP4_a_signup_posted_after_three_seconds_is_accepted(client: Client) -> None:
    assert client.post(reverse("accounts:signup"), _signup()).status_code == 302
    assert User.objects.filter(username="new_teacher").exists()


@pytest.mark.parametrize("email", ["bot@spam-domain.test", "bot@mail.spam-domain.test", "BOT@Spam-Domain.TEST"])
def test_SP5_signup_from_a_blocked_email_domain_is_refused(settings, client: Client, email: str) -> None:
    settings.SIGNUP_BLOCKED_EMAIL_DOMAINS = ["spam-domain.test"]
    response = client.post(reverse("accounts:signup"), _signup(email=email))
    assert "cannot accept sign-ups from that e-mail" in response.content.decode()
    assert not User.objects.filter(username="new_teacher").exists()


def test_SP5_other_domains_still_sign_up(settings, client: Client) -> None:
    settings.SIGNUP_BLOCKED_EMAIL_DOMAINS = ["spam-domain.test"]
    response = client.post(reverse("accounts:signup"), _signup(email="teacher@not-spam-domain.test"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("203.0.113.9", True),
        ("::ffff:203.0.113.9", True),  # the same address, written as IPv6
        ("2001:db8:5::1", True),
        ("203.0.114.1", False),
        ("2001:db9::1", False),
    ],
)
def test_SP5_signup_from_a_blocked_network_is_refused_with_what_was_typed_kept(
    settings, address: str, blocked: bool
) -> None:
    settings.SIGNUP_BLOCKED_NETWORKS = ["203.0.113.0/24", "2001:db8::/32", "not a network"]
    response = Client(REMOTE_ADDR=address).post(reverse("accounts:signup"), _signup())
    if blocked:
        html = response.content.decode()
        assert response.status_code == 200
        assert "This site does not take sign-ups from your network" in html
        assert 'value="new_teacher"' in html  # kept
        assert not User.objects.filter(username="new_teacher").exists()
    else:
        assert response.status_code == 302
        assert User.objects.filter(username="new_teacher").exists()


def test_SP5_a_forged_forwarded_for_does_not_escape_the_network_block(settings) -> None:
    settings.SIGNUP_BLOCKED_NETWORKS = ["203.0.113.0/24"]
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="203.0.113.9")
    response = client.post(reverse("accounts:signup"), _signup(), HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert "This site does not take sign-ups from your network" in response.content.decode()


def test_SP5_a_mistyped_blocked_network_is_reported_by_the_checks(settings) -> None:
    from accounts.checks import blocked_networks_parse

    settings.SIGNUP_BLOCKED_NETWORKS = ["203.0.113.0/24", "203.0.113.0/33"]
    [error] = blocked_networks_parse(None)
    assert error.id == "accounts.E001"
    assert "203.0.113.0/33" in error.msg
    settings.SIGNUP_BLOCKED_NETWORKS = ["203.0.113.0/24"]
    assert blocked_networks_parse(None) == []
