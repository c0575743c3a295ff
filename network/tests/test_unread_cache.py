"""The nav's unread count is cached per person (core.badges) and forgotten when something new arrives for them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network import services
from posts import services as posts_services
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cached(settings) -> None:
    settings.UNREAD_CACHE_SECONDS = 30


def _badge(client) -> str:
    html = client.get(reverse("home")).content.decode()
    start = html.find("unread)")
    return html[html.rfind("(", 0, start) : start + len("unread)")] if start != -1 else ""


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    return len(queries)


def test_the_count_is_kept_between_pages_and_costs_no_queries_then(login, maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    posts_services.add_comment(artifact=work, author=devon, body="Thank you, this helps me.")
    client = login(maria)
    counted = _queries(client)
    assert _badge(client) == "(1 unread)"
    assert _queries(client) < counted  # the second page reads the cached count
    # A row written behind the services' back (as a bulk import would) shows only once the count expires.
    CommentFactory.create(artifact=work, author=devon, body="Written directly")
    assert _badge(client) == "(1 unread)"


def test_a_reply_a_mention_and_a_notification_show_on_the_next_page(login, maria, devon, george, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    client = login(maria)
    assert _badge(client) == ""
    posts_services.add_comment(artifact=work, author=devon, body="What made you try this?")
    assert _badge(client) == "(1 unread)"
    elsewhere = ArtifactFactory.create(course=course, author=george)
    posts_services.add_comment(artifact=elsewhere, author=george, body="Have you seen this, @maria?")
    assert _badge(client) == "(2 unread)"
    services.follow(follower=george, followee=maria)
    assert _badge(client) == "(3 unread)"


def test_a_reply_to_a_comment_reaches_its_writer(login, maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=devon)
    mine = posts_services.add_comment(artifact=work, author=maria, body="I tried this with my class.")
    client = login(maria)
    assert _badge(client) == ""
    posts_services.add_comment(artifact=work, author=devon, body="How did it go?", parent=mine)
    assert _badge(client) == "(1 unread)"


def test_marking_all_read_clears_the_badge_at_once(login, maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    posts_services.add_comment(artifact=work, author=devon, body="Thank you, this helps me.")
    client = login(maria)
    assert _badge(client) == "(1 unread)"
    services.mark_read(user=maria, now=timezone.now())
    assert _badge(client) == ""


def test_no_cache_counts_every_page(login, maria, devon, course, settings) -> None:
    settings.UNREAD_CACHE_SECONDS = 0
    work = ArtifactFactory.create(course=course, author=maria)
    client = login(maria)
    assert _badge(client) == ""
    CommentFactory.create(artifact=work, author=devon, body="Written directly")
    assert _badge(client) == "(1 unread)"
