"""Following people and tags, blocking, and the connect page."""

import pytest
from django.urls import reverse

from accounts.models import Block
from network import services
from network.models import Follow, Notification, TagFollow
from posts.models import Visibility
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def test_follow_and_unfollow_by_post(login, maria, devon) -> None:
    client = login(maria)
    assert client.get(reverse("network:follow", args=[devon.username])).status_code == 405
    assert not Follow.objects.exists()
    response = client.post(reverse("network:follow", args=[devon.username]))
    assert response["Location"] == reverse("network:connect", args=[devon.username])
    assert Follow.objects.filter(follower=maria, followee=devon).exists()
    assert Notification.objects.filter(recipient=devon, actor=maria, kind="follow").count() == 1
    client.post(reverse("network:unfollow", args=[devon.username]))
    assert not Follow.objects.exists()


def test_follow_returns_to_a_same_site_next_only(login, maria, devon) -> None:
    client = login(maria)
    url = reverse("network:follow", args=[devon.username])
    assert client.post(url, {"next": "/courses/"})["Location"] == "/courses/"
    client.post(reverse("network:unfollow", args=[devon.username]))
    assert client.post(url, {"next": "https://evil.example/"})["Location"] == reverse(
        "network:connect", args=[devon.username]
    )


def test_following_yourself_is_refused_with_a_message(login, maria) -> None:
    response = login(maria).post(reverse("network:follow", args=[maria.username]), follow=True)
    assert "You cannot follow yourself." in response.content.decode()
    assert not Follow.objects.exists()


def test_connect_page_shows_state_and_buttons(login, maria, devon, valid_html) -> None:
    client = login(maria)
    response = client.get(reverse("network:connect", args=[devon.username]))
    valid_html(response.content)
    html = response.content.decode()
    assert "Follow Devon Clarke" in html
    assert "Block Devon Clarke" in html
    assert reverse("accounts:mute", args=[devon.username]) in html
    services.follow(follower=maria, followee=devon)
    services.follow(follower=devon, followee=maria)
    html = client.get(reverse("network:connect", args=[devon.username])).content.decode()
    assert "Unfollow Devon Clarke" in html
    assert "follows you" in html


def test_block_removes_follows_both_ways_and_offers_unblock(login, maria, devon, valid_html) -> None:
    services.follow(follower=maria, followee=devon)
    services.follow(follower=devon, followee=maria)
    client = login(maria)
    client.post(reverse("network:block", args=[devon.username]))
    assert not Follow.objects.exists()
    assert Block.objects.filter(blocker=maria, blocked=devon).exists()
    response = client.get(reverse("network:connect", args=[devon.username]))
    valid_html(response.content)
    assert "Unblock Devon Clarke" in response.content.decode()
    client.post(reverse("network:unblock", args=[devon.username]))
    assert not Block.objects.exists()


def test_blocked_person_cannot_see_connect_page_or_follow(login, maria, devon) -> None:
    Block.objects.create(blocker=devon, blocked=maria)
    client = login(maria)
    assert client.get(reverse("network:connect", args=[devon.username])).status_code == 404
    assert client.get(reverse("network:connect", args=["nobody_here"])).status_code == 404
    assert client.post(reverse("network:follow", args=[devon.username])).status_code == 404
    assert not Follow.objects.exists()
    assert not Notification.objects.exists()


def test_blocker_cannot_follow_the_person_they_blocked(login, maria, devon) -> None:
    Block.objects.create(blocker=maria, blocked=devon)
    response = login(maria).post(reverse("network:follow", args=[devon.username]), follow=True)
    assert "You cannot follow this person." in response.content.decode()
    assert not Follow.objects.exists()
    assert not Notification.objects.exists()


def test_follow_a_tag_in_use_and_unfollow(login, maria, course, devon) -> None:
    artifact = ArtifactFactory.create(course=course, author=devon)
    artifact.tags.create(name="maker")
    client = login(maria)
    response = client.post(reverse("network:follow_tag", args=["maker"]))
    assert response["Location"] == reverse("posts:tag", args=["maker"])
    assert TagFollow.objects.filter(user=maria, tag__name="maker").exists()
    client.post(reverse("network:unfollow_tag", args=["maker"]))
    assert not TagFollow.objects.exists()


def test_following_a_tag_only_on_hidden_work_is_404_like_a_missing_one(login, outsider, course, devon) -> None:
    artifact = ArtifactFactory.create(course=course, author=devon, visibility=Visibility.COURSE)
    artifact.tags.create(name="secret")
    client = login(outsider)
    assert client.post(reverse("network:follow_tag", args=["secret"])).status_code == 404
    assert client.post(reverse("network:follow_tag", args=["nothing"])).status_code == 404
    assert not TagFollow.objects.exists()


def test_people_actions_need_login(client, devon) -> None:
    for name in ("follow", "unfollow", "block", "unblock"):
        response = client.post(reverse(f"network:{name}", args=[devon.username]))
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert not Follow.objects.exists()
    assert not Block.objects.exists()
