"""The course stream and the person page as network pages: share and reply counts, follows, own-page habits."""

import re
from urllib.parse import quote

import pytest
from django.http import HttpResponse
from django.urls import NoReverseMatch, resolve, reverse

from accounts.models import Block
from network import services
from network.models import Follow, Open, Share
from network.selectors import curation_reach
from network.views import pages
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db


def _card(html: str, pk: int) -> str:
    match = re.search(rf'<article class="card artifact-card" id="artifact-{pk}">(.*?)</article>', html, re.S)
    assert match, f"no card for {pk}"
    return match.group(1)


def _normalised(response: HttpResponse, path: str) -> str:
    """The body with what changes per request (nonce, CSRF token, the path in the log-in link) blanked."""
    body = response.content.decode().replace(quote(path, safe=""), "PATH").replace(path, "PATH")
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', body)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)


def test_network_alone_serves_the_stream_and_person_paths(course, maria) -> None:
    assert resolve(reverse("network:stream", args=[course.slug])).func is pages.stream
    assert maria.get_absolute_url() == reverse("network:person", args=["maria"])
    assert resolve(maria.get_absolute_url()).func is pages.person
    for name, args in (("posts:stream", [course.slug]), ("posts:person", ["maria"])):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=args)


def test_stream_cards_show_share_and_reply_counts(client, course, maria, devon, george, valid_html) -> None:
    shared = ArtifactFactory.create(course=course, author=maria, title="Shared twice")
    quiet = ArtifactFactory.create(course=course, author=devon, title="Quiet one")
    Share.objects.create(sharer=devon, artifact=shared)
    Share.objects.create(sharer=george, artifact=shared)
    CommentFactory.create(artifact=shared, author=devon)
    response = client.get(reverse("network:stream", args=[course.slug]))
    valid_html(response.content)
    html = response.content.decode()
    assert "2 shares" in _card(html, shared.pk)
    assert "1 comment" in _card(html, shared.pk)
    assert "0 shares" in _card(html, quiet.pk)
    assert "0 comments" in _card(html, quiet.pk)


def test_share_counts_come_with_the_cards_on_the_stream_and_the_person_page(
    login, course, maria, devon, george
) -> None:
    """Each card's share count is a column of the cards' own query (`shares_counted`), not a query of its own:
    counted the same on both pages, whoever shared."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    twice = ArtifactFactory.create(course=course, author=maria, title="Shared twice")
    once = ArtifactFactory.create(course=course, author=maria, title="Shared once")
    never = ArtifactFactory.create(course=course, author=maria, title="Never shared")
    Share.objects.create(sharer=devon, artifact=twice)
    Share.objects.create(sharer=george, artifact=twice)
    Share.objects.create(sharer=maria, artifact=once, own_work=True)
    client = login(devon)
    for url in (reverse("network:stream", args=[course.slug]), maria.get_absolute_url()):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        assert "2 shares" in _card(html, twice.pk), url
        assert "1 share<" in _card(html, once.pk), url
        assert "0 shares" in _card(html, never.pk), url
        share_reads = [q["sql"] for q in queries if "network_share" in q["sql"] and "posts_artifact" not in q["sql"]]
        assert share_reads == [], url


@pytest.mark.parametrize("count", [3, 30])
def test_person_page_query_count_stays_flat(login, course, maria, devon, django_assert_max_num_queries, count) -> None:
    for n in range(count):
        artifact = ArtifactFactory.create(course=course, author=maria)
        artifact.tags.create(name=f"tag{n}")
        Share.objects.create(sharer=devon, artifact=artifact)
    client = login(devon)
    # session, user, nav (5, with its keyword filters), person with counts, mutes, the artifacts (their tags and
    # share counts in the same query)
    with django_assert_max_num_queries(9):
        assert client.get(maria.get_absolute_url()).status_code == 200


def test_person_page_counts_follows_and_shows_follow_button(login, maria, devon, george, valid_html) -> None:
    services.follow(follower=devon, followee=maria)
    services.follow(follower=george, followee=maria)
    services.follow(follower=maria, followee=george)
    client = login(devon)
    response = client.get(maria.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert "2 followers · 1 following" in html
    assert f'action="{reverse("network:unfollow", args=["maria"])}"' in html
    assert f'<input type="hidden" name="next" value="{maria.get_absolute_url()}">' in html
    services.unfollow(follower=devon, followee=maria)
    html = client.get(maria.get_absolute_url()).content.decode()
    assert "1 follower · 1 following" in html
    assert f'action="{reverse("network:follow", args=["maria"])}"' in html
    response = client.post(reverse("network:follow", args=["maria"]), {"next": maria.get_absolute_url()})
    assert response["Location"] == maria.get_absolute_url()
    assert Follow.objects.filter(follower=devon, followee=maria).exists()


def test_person_page_cards_show_share_and_reply_counts(client, course, maria, devon) -> None:
    artifact = ArtifactFactory.create(course=course, author=maria)
    Share.objects.create(sharer=devon, artifact=artifact)
    CommentFactory.create(artifact=artifact, author=devon)
    CommentFactory.create(artifact=artifact, author=devon)
    html = client.get(maria.get_absolute_url()).content.decode()
    assert "1 share" in _card(html, artifact.pk)
    assert "2 comments" in _card(html, artifact.pk)


def test_anonymous_visitor_gets_a_log_in_link_not_a_button(client, maria, valid_html) -> None:
    response = client.get(maria.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert "Log in to follow" in html
    assert reverse("network:follow", args=["maria"]) not in html
    assert "Your giving" not in html


def test_person_page_shows_escaped_profile_and_safe_links(client, maria, valid_html) -> None:
    maria.display_name = "<script>alert(1)</script>Maria"
    maria.bio = "I teach <b>grade 5</b>\nand love <script>alert(2)</script> books."
    maria.subjects = "Science, Maths"
    maria.grade_levels = "Grade 5"
    maria.website = "https://maria.example.org"
    maria.blog_url = "https://blog.maria.example.org"
    maria.save()
    response = client.get(maria.get_absolute_url())
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;Maria" in html
    assert "&lt;b&gt;grade 5&lt;/b&gt;" in html
    assert "@maria" in html
    assert "Teacher" in html
    assert "Science, Maths" in html
    assert "Grade 5" in html
    assert 'href="https://maria.example.org" rel="nofollow ugc noopener noreferrer"' in html
    assert 'href="https://blog.maria.example.org" rel="nofollow ugc noopener noreferrer"' in html


def test_unknown_person_is_404(client, db) -> None:
    assert client.get(reverse("network:person", args=["nobody"])).status_code == 404


def test_someone_who_blocked_you_looks_missing(login, maria, devon) -> None:
    services.block(blocker=maria, blocked=devon)
    client = login(devon)
    missing_path = reverse("network:person", args=["nobody"])
    missing = client.get(missing_path)
    hidden = client.get(maria.get_absolute_url())
    assert missing.status_code == hidden.status_code == 404
    assert _normalised(hidden, maria.get_absolute_url()) == _normalised(missing, missing_path)


def test_someone_you_blocked_shows_blocked_with_a_way_back(login, maria, devon, valid_html) -> None:
    services.block(blocker=devon, blocked=maria)
    response = login(devon).get(maria.get_absolute_url())
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert "Blocked" in html
    assert reverse("network:connect", args=["maria"]) in html
    assert reverse("network:follow", args=["maria"]) not in html
    Block.objects.create(blocker=maria, blocked=devon)  # both ways: still reachable, to unblock
    assert login(devon).get(maria.get_absolute_url()).status_code == 200


def test_own_profile_shows_giving_reach_and_weeks_only_to_its_owner(
    login, course, maria, devon, george, outsider, valid_html
) -> None:
    theirs = ArtifactFactory.create(course=course, author=devon)
    mine = ArtifactFactory.create(course=course, author=maria)
    share = Share.objects.create(sharer=maria, artifact=theirs)
    Share.objects.create(sharer=maria, artifact=mine, own_work=True)
    services.follow(follower=devon, followee=maria)
    services.follow(follower=george, followee=maria)
    Open.objects.create(user=george, artifact=theirs, via_share=share)
    Open.objects.create(user=outsider, artifact=theirs, via_share=share)
    Open.objects.create(user=maria, artifact=theirs, via_share=share)  # her own open does not count
    response = login(maria).get(maria.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert "In the last 30 days you shared 1 piece of others&#x27; work and 1 of your own." in html
    assert "Of the 2 people who opened something you shared, 1 follow you: 1 of your 2 followers (50%)." in html
    assert reverse("network:my_week", args=[course.slug]) in html
    assert "No streak yet" in html
    assert reverse("network:follow", args=["maria"]) not in html
    for other in (devon, outsider):
        html = login(other).get(maria.get_absolute_url()).content.decode()
        assert "Your giving" not in html
        assert "opened something you shared" not in html
        assert reverse("network:my_week", args=[course.slug]) not in html


def test_curation_reach_with_nobody_reached(maria) -> None:
    reach = curation_reach(maria)
    assert (reach.openers, reach.follower_openers, reach.followers, reach.rate) == (0, 0, 0, 0.0)
    assert reach.text == "Nobody has opened anything you shared yet."
