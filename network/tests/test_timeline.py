"""The home timeline: follows, tags and shares, once each, newest activity first, without muted or blocked."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Mute
from network import services
from network.models import Open, TagFollow
from network.selectors import home_timeline
from posts.models import Tag, Visibility
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def _ago(hours: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def _share(sharer, artifact, note: str = "", hours_ago: int = 0):
    Open.objects.create(user=sharer, artifact=artifact)
    shared = services.share(sharer=sharer, artifact=artifact, note=note)
    shared.created_at = _ago(hours_ago)
    shared.save()
    return shared


def _titles(viewer) -> list[str]:
    return [item.artifact.title for item in home_timeline(viewer).items]


def test_timeline_has_followed_people_tags_and_shares_newest_activity_first(maria, devon, george, course) -> None:
    services.follow(follower=maria, followee=devon)
    ArtifactFactory.create(course=course, author=devon, title="By Devon", published_at=_ago(5))
    tagged = ArtifactFactory.create(course=course, author=george, title="Tagged", published_at=_ago(4))
    tagged.tags.add(Tag.objects.create(name="maker"))
    TagFollow.objects.create(user=maria, tag=Tag.objects.get(name="maker"))
    old = ArtifactFactory.create(course=course, author=george, title="Shared by Devon", published_at=_ago(100))
    _share(devon, old, note="Read the second half", hours_ago=1)
    ArtifactFactory.create(course=course, author=george, title="Not followed", published_at=_ago(2))
    assert _titles(maria) == ["Shared by Devon", "Tagged", "By Devon"]
    first = home_timeline(maria).items[0]
    assert first.share is not None
    assert first.share.note == "Read the second half"


def test_an_artifact_shared_and_followed_appears_once(maria, devon, george, course) -> None:
    services.follow(follower=maria, followee=devon)
    services.follow(follower=maria, followee=george)
    artifact = ArtifactFactory.create(course=course, author=devon, title="Popular", published_at=_ago(10))
    _share(george, artifact, hours_ago=2)
    items = home_timeline(maria).items
    assert [i.artifact.title for i in items] == ["Popular"]
    assert items[0].share is not None
    assert items[0].share.sharer == george


def test_timeline_respects_visibility(outsider, devon, course) -> None:
    services.follow(follower=outsider, followee=devon)
    ArtifactFactory.create(course=course, author=devon, title="Members only", visibility=Visibility.COURSE)
    ArtifactFactory.create(course=course, author=devon, title="Draft", visibility=Visibility.DRAFT)
    ArtifactFactory.create(course=course, author=devon, title="Public")
    assert _titles(outsider) == ["Public"]


def test_muted_author_hidden_from_home_timeline_and_muted_person_sees_no_difference(
    maria, devon, george, course
) -> None:
    services.follow(follower=maria, followee=devon)
    services.follow(follower=devon, followee=maria)
    ArtifactFactory.create(course=course, author=devon, title="Devon's")
    ArtifactFactory.create(course=course, author=maria, title="Maria's")
    shared = ArtifactFactory.create(course=course, author=george, title="George's, shared by Devon")
    _share(devon, shared)
    before = _titles(devon)
    Mute.objects.create(muter=maria, muted=devon)
    assert _titles(maria) == []
    assert _titles(devon) == before == ["Maria's"]


def test_expired_mute_no_longer_hides(maria, devon, course) -> None:
    services.follow(follower=maria, followee=devon)
    ArtifactFactory.create(course=course, author=devon, title="Devon's")
    Mute.objects.create(muter=maria, muted=devon, until=_ago(1))
    assert _titles(maria) == ["Devon's"]


def test_blocked_people_hidden_both_ways(maria, devon, george, course) -> None:
    tag = Tag.objects.create(name="maker")
    TagFollow.objects.create(user=maria, tag=tag)
    TagFollow.objects.create(user=devon, tag=tag)
    ArtifactFactory.create(course=course, author=devon, title="Devon's").tags.add(tag)
    ArtifactFactory.create(course=course, author=maria, title="Maria's").tags.add(tag)
    assert "Devon's" in _titles(maria)
    Block.objects.create(blocker=maria, blocked=devon)
    assert _titles(maria) == ["Maria's"]
    assert _titles(devon) == ["Devon's"]


def test_home_page_keyset_pagination_with_older_link(login, maria, devon, course, valid_html) -> None:
    services.follow(follower=maria, followee=devon)
    for n in range(25):
        ArtifactFactory.create(course=course, author=devon, title=f"Item {n:02}", published_at=_ago(n + 1))
    client = login(maria)
    response = client.get(reverse("network:home"))
    valid_html(response.content)
    html = response.content.decode()
    assert "Item 00" in html
    assert "Item 19" in html
    assert "Item 20" not in html
    cursor = home_timeline(maria).next_cursor
    assert cursor
    assert f"?after={cursor}" in html
    older = client.get(reverse("network:home"), {"after": cursor}).content.decode()
    assert "Item 20" in older
    assert "Item 24" in older
    assert "Item 19" not in older
    partial = client.get(reverse("network:home"), {"after": cursor}, headers={"HX-Request": "true"})
    assert b"<html" not in partial.content
    assert b"Item 24" in partial.content


def test_malformed_cursor_gives_the_first_page(maria, devon, course) -> None:
    services.follow(follower=maria, followee=devon)
    ArtifactFactory.create(course=course, author=devon, title="Only")
    assert [i.artifact.title for i in home_timeline(maria, cursor="not-a-cursor").items] == ["Only"]


def test_share_note_shows_on_the_home_page(login, maria, devon, george, course, valid_html) -> None:
    services.follow(follower=maria, followee=devon)
    artifact = ArtifactFactory.create(course=course, author=george, title="Worth it")
    _share(devon, artifact, note="Try the exit ticket idea")
    response = login(maria).get(reverse("network:home"))
    valid_html(response.content)
    html = response.content.decode()
    assert "Devon Clarke</a> shared this: <q>Try the exit ticket idea</q>" in html


def test_empty_home_tells_you_how_to_start(login, maria, course, valid_html) -> None:
    response = login(maria).get(reverse("network:home"))
    valid_html(response.content)
    html = response.content.decode()
    assert "Start your network" in html
    assert reverse("network:who_to_follow") in html


def test_home_needs_login(client) -> None:
    assert client.get(reverse("network:home")).status_code == 302


@pytest.mark.parametrize("count", [3, 30])
def test_home_query_count_does_not_grow_with_items(
    login, maria, devon, george, course, django_assert_max_num_queries, count
) -> None:
    services.follow(follower=maria, followee=devon)
    services.follow(follower=maria, followee=george)
    for n in range(count):
        artifact = ArtifactFactory.create(course=course, author=george if n % 2 else devon)
        artifact.tags.create(name=f"tag{n}")
        if n % 3 == 0:
            _share(devon if n % 2 else george, artifact, note=f"note {n}")
    client = login(maria)
    # session, user, unread count (nav: 5, with its keyword filters), followed tags, keyword filters, the
    # timeline's fan-in (events: by people, shared; activity: direct, latest shares; the page: artifacts, their
    # tags, its shares), and on PostgreSQL the people followed, read once as values
    with django_assert_max_num_queries(19):  # with the viewer's relations, read once (core.scope)
        assert client.get(reverse("network:home")).status_code == 200
