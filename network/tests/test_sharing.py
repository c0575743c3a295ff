"""Read before you share: /go/, the artifact page as an open, the share dialog, limits and the giving balance."""

import datetime as dt
import re

import pytest
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block
from courses.models import HabitMode
from network import services
from network.models import Notification, Open, Share
from network.services import OpenItFirst, ShareLimitReached
from posts.models import Kind, Visibility
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(course, devon):
    return ArtifactFactory.create(
        course=course, author=devon, kind=Kind.LINK, title="A great article", url="https://example.org/article"
    )


@pytest.fixture
def post(course, devon):
    return ArtifactFactory.create(course=course, author=devon, title="Devon's reflection")


def normalised(response: HttpResponse, path: str) -> str:
    """The body with what changes per request (nonce, CSRF token, the path) blanked."""
    body = response.content.decode().replace(path, "PATH")
    body = re.sub(r'nonce="[^"]*"', 'nonce=""', body)
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', body)
    return re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)


# /go/ and the artifact page


def test_go_records_an_open_and_redirects_to_the_original(login, maria, link) -> None:
    response = login(maria).get(reverse("network:go", args=[link.pk]))
    assert response.status_code == 302
    assert response["Location"] == "https://example.org/article"
    assert Open.objects.filter(user=maria, artifact=link).count() == 1
    login(maria).get(reverse("network:go", args=[link.pk]))
    assert Open.objects.get(user=maria, artifact=link).count == 2


def test_go_credits_a_visible_share_only(login, maria, devon, george, link) -> None:
    Open.objects.create(user=george, artifact=link)
    shared = services.share(sharer=george, artifact=link, note="Read this")
    login(maria).get(reverse("network:go", args=[link.pk]) + f"?via={shared.pk}")
    assert Open.objects.get(user=maria, artifact=link).via_share == shared


def test_go_ignores_a_share_across_a_block(login, maria, george, link) -> None:
    Open.objects.create(user=george, artifact=link)
    shared = services.share(sharer=george, artifact=link)
    Block.objects.create(blocker=maria, blocked=george)
    login(maria).get(reverse("network:go", args=[link.pk]) + f"?via={shared.pk}")
    assert Open.objects.get(user=maria, artifact=link).via_share is None


def test_go_for_a_native_post_redirects_to_its_page(login, maria, post) -> None:
    response = login(maria).get(reverse("network:go", args=[post.pk]))
    assert response["Location"] == post.get_absolute_url()
    assert Open.objects.filter(user=maria, artifact=post).exists()


def test_go_refuses_non_http_originals(login, maria, course, devon) -> None:
    odd = ArtifactFactory.create(course=course, author=devon, kind=Kind.LINK, url="ftp://example.org/file")
    response = login(maria).get(reverse("network:go", args=[odd.pk]))
    assert response["Location"] == odd.get_absolute_url()


def test_go_for_anonymous_redirects_without_recording(client, link) -> None:
    response = client.get(reverse("network:go", args=[link.pk]))
    assert response["Location"] == "https://example.org/article"
    assert not Open.objects.exists()


def test_go_to_hidden_and_missing_artifacts_gives_the_same_404(login, outsider, course, devon) -> None:
    hidden = ArtifactFactory.create(course=course, author=devon, visibility=Visibility.COURSE, url="https://x.org")
    client = login(outsider)
    hidden_path, missing_path = reverse("network:go", args=[hidden.pk]), reverse("network:go", args=[hidden.pk + 1])
    hidden_response, missing_response = client.get(hidden_path), client.get(missing_path)
    assert hidden_response.status_code == missing_response.status_code == 404
    assert normalised(hidden_response, hidden_path) == normalised(missing_response, missing_path)
    assert not Open.objects.exists()


def test_viewing_the_artifact_page_counts_as_opening_it(login, maria, post) -> None:
    assert reverse("posts:artifact", args=[post.pk]) == f"/a/{post.pk}/"
    response = login(maria).get(post.get_absolute_url())
    assert response.status_code == 200
    assert "Devon&#x27;s reflection" in response.content.decode()
    assert Open.objects.filter(user=maria, artifact=post).exists()


@pytest.mark.parametrize("dest", ["image", "iframe", "empty", "script"])
def test_a_load_another_site_causes_is_not_an_open(login, maria, link, post, dest: str) -> None:
    """S5/CSRF on a GET that records: another site's <img src=/go/…>, a hidden iframe or a script's fetch in
    the person's browser does not count as them reading it (so it cannot unlock sharing for them)."""
    client = login(maria)
    response = client.get(reverse("network:go", args=[link.pk]), headers={"Sec-Fetch-Dest": dest})
    assert response.status_code == 302  # still sent on, as before
    assert client.get(post.get_absolute_url(), headers={"Sec-Fetch-Dest": dest}).status_code == 200
    assert not Open.objects.filter(user=maria).exists()
    client.get(reverse("network:go", args=[link.pk]), headers={"Sec-Fetch-Dest": "document"})
    assert Open.objects.filter(user=maria, artifact=link).exists(), "opening it oneself still counts"


def test_hidden_artifact_page_404s_like_a_missing_one_and_records_nothing(login, outsider, course, devon) -> None:
    hidden = ArtifactFactory.create(course=course, author=devon, visibility=Visibility.COURSE)
    client = login(outsider)
    hidden_path, missing_path = hidden.get_absolute_url(), f"/a/{hidden.pk + 1}/"
    hidden_response, missing_response = client.get(hidden_path), client.get(missing_path)
    assert hidden_response.status_code == missing_response.status_code == 404
    assert normalised(hidden_response, hidden_path) == normalised(missing_response, missing_path)
    assert not Open.objects.exists()


def test_blocked_author_page_404s_and_records_nothing(login, maria, devon, post) -> None:
    Block.objects.create(blocker=devon, blocked=maria)
    assert login(maria).get(post.get_absolute_url()).status_code == 404
    assert not Open.objects.exists()


def test_an_open_is_one_row_counted_each_time_in_one_query_after_the_first(
    maria, link, django_assert_num_queries
) -> None:
    services.record_open(user=maria, artifact=link)
    with django_assert_num_queries(1):  # the UPDATE alone: every later view of an artifact page
        services.record_open(user=maria, artifact=link)
    opened = Open.objects.get(user=maria, artifact=link)
    assert opened.count == 2


def test_two_first_opens_racing_end_in_one_row_counting_both(maria, link, monkeypatch) -> None:
    """The other request's INSERT lands between this one's UPDATE (no row yet) and its INSERT."""
    real_update = QuerySet.update
    calls: list[int] = []

    def update_after_the_other_insert(self: QuerySet, **values: object) -> int:
        if self.model is Open and not calls:
            calls.append(1)
            Open.objects.create(user=maria, artifact=link)  # the other request's first open
            return 0
        return real_update(self, **values)

    monkeypatch.setattr(QuerySet, "update", update_after_the_other_insert)
    services.record_open(user=maria, artifact=link)
    monkeypatch.undo()
    assert Open.objects.filter(user=maria, artifact=link).count() == 1
    assert Open.objects.get(user=maria, artifact=link).count == 2


# The share service


def test_share_is_refused_before_opening_and_allowed_after(maria, link) -> None:
    with pytest.raises(OpenItFirst):
        services.share(sharer=maria, artifact=link)
    assert not Share.objects.exists()
    services.record_open(user=maria, artifact=link)
    assert services.share(sharer=maria, artifact=link, note="Worth it").note == "Worth it"


def test_daily_share_limit(maria, course, devon) -> None:
    course.daily_share_limit = 2
    course.save()
    items = ArtifactFactory.create_batch(3, course=course, author=devon)
    for item in items:
        services.record_open(user=maria, artifact=item)
    services.share(sharer=maria, artifact=items[0])
    services.share(sharer=maria, artifact=items[1])
    with pytest.raises(ShareLimitReached):
        services.share(sharer=maria, artifact=items[2])
    tomorrow = timezone.now() + dt.timedelta(days=1, minutes=1)
    assert services.share(sharer=maria, artifact=items[2], now=tomorrow)


# The share page


def test_share_page_before_opening_says_open_it_first_and_links_to_go(login, maria, link, valid_html) -> None:
    response = login(maria).get(reverse("network:share", args=[link.pk]))
    valid_html(response.content)
    html = response.content.decode()
    assert "Open it first" in html
    assert f'href="/go/{link.pk}/"' in html
    assert "<textarea" not in html


def test_share_page_for_an_unopened_native_post_links_to_its_page(login, maria, post) -> None:
    html = login(maria).get(reverse("network:share", args=[post.pk])).content.decode()
    assert f'href="/a/{post.pk}/"' in html


def test_sharing_an_unopened_item_is_refused_with_the_note_kept(login, maria, devon, link, valid_html) -> None:
    response = login(maria).post(reverse("network:share", args=[link.pk]), {"note": "My careful note"})
    assert response.status_code == 409
    valid_html(response.content)
    html = response.content.decode()
    assert "Open it first" in html
    assert not Share.objects.exists()
    assert not Notification.objects.filter(recipient=devon).exists()


def test_share_after_go_with_a_note(login, maria, devon, link) -> None:
    client = login(maria)
    client.get(reverse("network:go", args=[link.pk]))
    page = client.get(reverse("network:share", args=[link.pk])).content.decode()
    assert "Why is it worth someone" in page
    response = client.post(reverse("network:share", args=[link.pk]), {"note": "Changed how I plan."})
    assert response.status_code == 302
    shared = Share.objects.get(sharer=maria, artifact=link)
    assert shared.note == "Changed how I plan."
    assert Notification.objects.filter(recipient=devon, actor=maria, kind="share").exists()


def test_share_when_reading_is_only_nudged(login, maria, link, course) -> None:
    course.read_before_share = HabitMode.NUDGE
    course.save()
    client = login(maria)
    assert "you have not opened this yet" in client.get(reverse("network:share", args=[link.pk])).content.decode()
    assert client.post(reverse("network:share", args=[link.pk]), {"note": ""}).status_code == 302


def test_note_over_500_characters_is_a_form_error(login, maria, link) -> None:
    client = login(maria)
    client.get(reverse("network:go", args=[link.pk]))
    response = client.post(reverse("network:share", args=[link.pk]), {"note": "x" * 501})
    assert response.status_code == 400
    assert not Share.objects.exists()


def test_daily_limit_on_the_page(login, maria, course, devon, link) -> None:
    course.daily_share_limit = 1
    course.save()
    other = ArtifactFactory.create(course=course, author=devon)
    client = login(maria)
    client.get(other.get_absolute_url())
    client.get(reverse("network:go", args=[link.pk]))
    assert client.post(reverse("network:share", args=[other.pk]), {"note": ""}).status_code == 302
    response = client.post(reverse("network:share", args=[link.pk]), {"note": "kept"})
    assert response.status_code == 429
    assert "Shares open again tomorrow" in response.content.decode()
    assert Share.objects.count() == 1


def test_share_of_an_artifact_the_user_cannot_see_is_404_without_side_effects(login, outsider, course, devon) -> None:
    hidden = ArtifactFactory.create(course=course, author=devon, visibility=Visibility.COURSE)
    client = login(outsider)
    for url in (reverse("network:share", args=[hidden.pk]), reverse("network:share", args=[hidden.pk + 1000])):
        assert client.get(url).status_code == 404
        assert client.post(url, {"note": "hi"}).status_code == 404
    assert not Share.objects.exists()
    assert not Notification.objects.exists()


def test_draft_share_page_is_404(login, maria, course) -> None:
    draft = ArtifactFactory.create(course=course, author=maria, visibility=Visibility.DRAFT)
    assert login(maria).get(reverse("network:share", args=[draft.pk])).status_code == 404


def test_share_across_a_block_is_404_and_silent(login, maria, devon, link) -> None:
    Open.objects.create(user=maria, artifact=link)
    Block.objects.create(blocker=devon, blocked=maria)
    assert login(maria).post(reverse("network:share", args=[link.pk]), {"note": ""}).status_code == 404
    assert not Share.objects.exists()
    assert not Notification.objects.exists()


def test_share_page_needs_login(client, link) -> None:
    response = client.get(reverse("network:share", args=[link.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_unshare(login, maria, link) -> None:
    Open.objects.create(user=maria, artifact=link)
    services.share(sharer=maria, artifact=link)
    client = login(maria)
    assert "Unshare" in client.get(reverse("network:share", args=[link.pk])).content.decode()
    assert client.get(reverse("network:unshare", args=[link.pk])).status_code == 405
    assert client.post(reverse("network:unshare", args=[link.pk])).status_code == 302
    assert not Share.objects.exists()


# The giving balance


def test_giving_balance_in_words(login, maria, course, devon, valid_html) -> None:
    mine = ArtifactFactory.create_batch(3, course=course, author=maria)
    theirs = ArtifactFactory.create(course=course, author=devon)
    services.share(sharer=maria, artifact=mine[0])
    Open.objects.create(user=maria, artifact=theirs)
    services.share(sharer=maria, artifact=theirs)
    response = login(maria).get(reverse("network:share", args=[mine[1].pk]))
    valid_html(response.content)
    assert "Of your last 2 shares (past 30 days), 1 was your own work." in response.content.decode()


def test_balance_nudge_appears_at_the_threshold_with_suggestions_and_still_lets_you_share(
    login, maria, course, devon, george
) -> None:
    mine = ArtifactFactory.create_batch(2, course=course, author=maria)
    services.share(sharer=maria, artifact=mine[0])
    suggestions = [
        ArtifactFactory.create(course=course, author=devon, title="Devon on feedback"),
        ArtifactFactory.create(course=course, author=george, title="George on questions"),
    ]
    for item in suggestions:
        Open.objects.create(user=maria, artifact=item)
    client = login(maria)
    html = client.get(reverse("network:share", args=[mine[1].pk])).content.decode()
    assert "Most of what you share would be your own work." in html
    assert "Devon on feedback" in html
    assert "George on questions" in html
    assert client.post(reverse("network:share", args=[mine[1].pk]), {"note": ""}).status_code == 302


def test_no_nudge_for_sharing_others_work(login, maria, course, devon) -> None:
    mine = ArtifactFactory.create(course=course, author=maria)
    services.share(sharer=maria, artifact=mine)
    theirs = ArtifactFactory.create(course=course, author=devon)
    Open.objects.create(user=maria, artifact=theirs)
    html = login(maria).get(reverse("network:share", args=[theirs.pk])).content.decode()
    assert "Most of what you share would be your own work." not in html
