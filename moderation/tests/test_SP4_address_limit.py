"""SP4: comments a minute from one network address (COMMENT_RATE_PER_MINUTE_PER_ADDRESS), whichever accounts
send them; the address is the connection's own unless trusted proxies are configured (a forged
X-Forwarded-For changes nothing). Refused with the text kept on the site, 429 in the APIs."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from core.formguard import stamp
from courses.models import Course
from posts import services as posts_services
from posts.models import Artifact, Comment
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(course=course, author=maria, title="Genius hour, week 1")


@pytest.fixture
def limits(settings) -> None:
    settings.COMMENT_RATE_PER_MINUTE = 30
    settings.COMMENT_RATE_PER_MINUTE_PER_ADDRESS = 3


def _browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send(client: Client, artifact: Artifact, body: str, forwarded_for: str = "") -> tuple[int, str]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    url = reverse("posts:comment_create", args=[artifact.pk])
    response = client.post(url, {"body": body, "rendered": stamp(ago=60)}, headers=headers)
    return response.status_code, response.content.decode()


def test_SP4_comments_are_limited_per_address_across_accounts(
    limits, post: Artifact, devon: User, george: User
) -> None:
    devon_browser, george_browser = _browser(devon), _browser(george)  # two people, one address (127.0.0.1)
    assert _send(devon_browser, post, "One from devon")[0] == 302
    assert _send(devon_browser, post, "Two from devon")[0] == 302
    assert _send(george_browser, post, "One from george")[0] == 302

    status, html = _send(george_browser, post, "Two from george, kept for later")

    assert status == 429
    assert "3 comments have come from your network address in the last minute" in html
    assert "Two from george, kept for later" in html  # what was typed is kept
    assert Comment.objects.count() == 3
    with pytest.raises(posts_services.TooManyComments):
        posts_services.add_comment(artifact=post, author=george, body="Again", address="127.0.0.1")
    # Each account is well under its own limit; another address is not limited by this one.
    assert posts_services.add_comment(artifact=post, author=george, body="Elsewhere", address="192.0.2.7")


def test_SP4_a_forged_forwarded_for_does_not_escape_the_address_limit(
    settings, limits, post: Artifact, devon: User, george: User
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    browser = _browser(devon)
    for n in range(3):
        assert _send(browser, post, f"Comment {n}", forwarded_for=f"198.51.100.{n}")[0] == 302
    assert _send(_browser(george), post, "Another", forwarded_for="203.0.113.9")[0] == 429


def test_SP4_behind_a_trusted_proxy_the_forwarded_address_is_the_one_limited(
    settings, limits, post: Artifact, devon: User, george: User
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    browser = _browser(devon)
    for n in range(3):
        assert _send(browser, post, f"Comment {n}", forwarded_for="198.51.100.1")[0] == 302
    assert _send(_browser(george), post, "From the same school", forwarded_for="198.51.100.1")[0] == 429
    assert _send(_browser(george), post, "From another school", forwarded_for="198.51.100.2")[0] == 302


def _api(user: User) -> Client:
    """The REST API as a signed-in browser calls it (the site's session; tests in `moderation` do not import
    `api` for its tokens)."""
    client = Client()
    client.force_login(user)
    return client


def test_SP4_the_api_answers_429_past_the_address_limit(limits, post: Artifact, devon: User, george: User) -> None:
    url = f"/api/v1/artifacts/{post.pk}/comments"
    devon_api, george_api = _api(devon), _api(george)
    for n in range(2):
        assert devon_api.post(url, {"body": f"From devon {n}"}, content_type="application/json").status_code == 201
    assert george_api.post(url, {"body": "From george"}, content_type="application/json").status_code == 201

    refused = george_api.post(url, {"body": "One more"}, content_type="application/json")

    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "comment_limit"
    assert "from your network address in the last minute" in refused.json()["error"]["message"]
    assert Comment.objects.count() == 3


def test_SP4_the_api_answers_429_past_the_per_person_limit_too(settings, post: Artifact, devon: User) -> None:
    settings.COMMENT_RATE_PER_MINUTE = 2
    url = f"/api/v1/artifacts/{post.pk}/comments"
    api = _api(devon)
    for n in range(2):
        assert api.post(url, {"body": f"Comment {n}"}, content_type="application/json").status_code == 201
    refused = api.post(url, {"body": "One more"}, content_type="application/json")
    assert refused.status_code == 429
    assert "2 comments in the last minute" in refused.json()["error"]["message"]


def test_SP4_an_ipv6_network_cannot_rotate_addresses_past_the_limit(limits, post: Artifact, devon: User) -> None:
    """One home or school gets a whole /64 and can take a new address from it for every comment: the /64 is
    what is counted. Another /64 is another network."""
    for n in range(3):
        assert posts_services.add_comment(artifact=post, author=devon, body=f"Hi {n}", address=f"2001:db8:0:1::{n + 1}")
    with pytest.raises(posts_services.TooManyComments):
        posts_services.add_comment(artifact=post, author=devon, body="Rotated", address="2001:db8:0:1:ffff::9")
    assert posts_services.add_comment(artifact=post, author=devon, body="Next door", address="2001:db8:0:2::1")
