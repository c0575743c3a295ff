"""Comments: threads one level deep, editing and removing, and the comment window (A6, A7)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.formguard import stamp
from posts import services
from posts.models import Comment
from posts.tests.factories import ArtifactFactory, CommentFactory

SHOWN = stamp(ago=60)  # the comment form was shown a minute ago (core.formguard)


@pytest.fixture
def old_post(course, maria):
    """Published 30 days ago; the course's window is 14 days, so comments are closed."""
    return ArtifactFactory.create(
        course=course, author=maria, title="Old news", published_at=timezone.now() - dt.timedelta(days=30)
    )


def _create_url(artifact) -> str:
    return reverse("posts:comment_create", args=[artifact.pk])


def test_member_comments_and_replies_one_level_deep(login, maria, devon, public_post, valid_html) -> None:
    client = login(devon)
    response = client.post(_create_url(public_post), {"rendered": SHOWN, "body": "What made you **try** it?"})
    top = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == top.get_absolute_url()
    client = login(maria)
    client.post(_create_url(public_post), {"rendered": SHOWN, "body": "Curiosity!", "parent": top.pk})
    reply = Comment.objects.exclude(pk=top.pk).get()
    client.post(_create_url(public_post), {"rendered": SHOWN, "body": "A reply to a reply", "parent": reply.pk})
    assert Comment.objects.get(body="A reply to a reply").parent == top  # joins the top comment's thread
    response = client.get(public_post.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert "<strong>try</strong>" in html
    assert html.index("What made you") < html.index("Curiosity!") < html.index("A reply to a reply")
    assert 'class="replies"' in html
    assert f'name="parent" value="{top.pk}"' in html  # a reply form under the top comment


def test_comment_form_errors_keep_the_page(login, devon, public_post) -> None:
    response = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": "   "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode() or "Please write" in response.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_comment_goes_to_login(client, public_post) -> None:
    response = client.post(_create_url(public_post), {"rendered": SHOWN, "body": "hi"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not Comment.objects.exists()


def test_A7_comments_closed_after_the_window(login, devon, old_post, valid_html) -> None:
    client = login(devon)
    response = client.get(old_post.get_absolute_url())
    valid_html(response.content)
    html = response.content.decode()
    assert "Comments are closed." in html
    assert _create_url(old_post) not in html  # no form
    response = client.post(_create_url(old_post), {"rendered": SHOWN, "body": "Late to the party"})
    assert response.status_code == 403
    assert "Comments are closed." in response.content.decode()
    assert not Comment.objects.exists()


def test_A7_replayed_form_after_the_window_is_refused(login, devon, public_post) -> None:
    client = login(devon)
    page = client.get(public_post.get_absolute_url()).content.decode()
    assert _create_url(public_post) in page  # the form was there while open
    top = CommentFactory.create(artifact=public_post, author=devon)
    public_post.published_at = timezone.now() - dt.timedelta(days=15)
    public_post.save()
    for data in (
        {"rendered": SHOWN, "body": "Replayed"},
        {"rendered": SHOWN, "body": "Replayed reply", "parent": top.pk},
    ):
        response = client.post(_create_url(public_post), data)
        assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_A7_editing_is_refused_after_the_window(login, devon, old_post) -> None:
    comment = CommentFactory.create(artifact=old_post, author=devon, body="Original")
    client = login(devon)
    url = reverse("posts:comment_edit", args=[comment.pk])
    response = client.get(url)
    assert response.status_code == 403
    assert "Comments are closed." in response.content.decode()
    response = client.post(url, {"body": "Changed"})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Original"


def test_author_edits_own_comment(login, devon, public_post, valid_html) -> None:
    comment = CommentFactory.create(artifact=public_post, author=devon, body="Frist")
    client = login(devon)
    url = reverse("posts:comment_edit", args=[comment.pk])
    response = client.get(url)
    valid_html(response.content)
    assert "Frist" in response.content.decode()
    response = client.post(url, {"body": "First, *properly*"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "First, *properly*"
    assert comment.edited_at is not None
    assert "<em>properly</em>" in client.get(public_post.get_absolute_url()).content.decode()


@pytest.mark.parametrize("who", ["maria", "george", "outsider"])
def test_others_cannot_edit_a_comment(login, request, devon, public_post, who) -> None:
    comment = CommentFactory.create(artifact=public_post, author=devon, body="Mine")
    client = login(request.getfixturevalue(who))
    url = reverse("posts:comment_edit", args=[comment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"body": "Hijacked"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine"


@pytest.mark.parametrize("who", ["maria", "outsider"])
def test_others_cannot_delete_a_comment(login, request, devon, public_post, who) -> None:
    comment = CommentFactory.create(artifact=public_post, author=devon, body="Mine")
    client = login(request.getfixturevalue(who))
    url = reverse("posts:comment_delete", args=[comment.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    comment.refresh_from_db()
    assert comment.removed_at is None
    assert comment.body == "Mine"


def test_comment_on_hidden_artifact_is_404_by_id(login, outsider, course_post) -> None:
    comment = CommentFactory.create(artifact=course_post, body="Members talk")
    client = login(outsider)
    assert client.get(reverse("posts:comment_edit", args=[comment.pk])).status_code == 404
    assert client.post(reverse("posts:comment_delete", args=[comment.pk])).status_code == 404
    comment.refresh_from_db()
    assert comment.removed_at is None


@pytest.mark.parametrize("who", ["devon", "george"])
def test_author_or_facilitator_removes_a_comment_and_replies_keep_a_placeholder(
    login, request, devon, maria, public_post, who, valid_html
) -> None:
    top = CommentFactory.create(artifact=public_post, author=devon, body="Top comment text")
    CommentFactory.create(artifact=public_post, author=maria, parent=top, body="A reply that stays")
    client = login(request.getfixturevalue(who))
    url = reverse("posts:comment_delete", args=[top.pk])
    response = client.get(url)
    assert response.status_code == 200
    valid_html(response.content)
    assert client.post(url).status_code == 302
    html = client.get(public_post.get_absolute_url()).content.decode()
    assert "This comment was removed." in html
    assert "Top comment text" not in html
    assert "A reply that stays" in html


def test_facilitator_sees_remove_links_participant_only_on_own(login, george, devon, maria, public_post) -> None:
    theirs = CommentFactory.create(artifact=public_post, author=devon)
    mine = CommentFactory.create(artifact=public_post, author=maria)
    html = login(george).get(public_post.get_absolute_url()).content.decode()
    assert reverse("posts:comment_delete", args=[theirs.pk]) in html
    html = login(maria).get(public_post.get_absolute_url()).content.decode()
    assert reverse("posts:comment_delete", args=[theirs.pk]) not in html
    assert reverse("posts:comment_delete", args=[mine.pk]) in html
    assert reverse("posts:comment_edit", args=[mine.pk]) in html


def test_malicious_comment_renders_no_script(client, devon, public_post) -> None:
    services.add_comment(artifact=public_post, author=devon, body="<script>alert(1)</script> [x](javascript:alert(2))")
    devon.display_name = "<img src=x onerror=alert(3)>"
    devon.save()
    html = client.get(public_post.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "javascript:alert" not in html.replace("[x](javascript:alert(2))", "")
    assert "<img src=x" not in html


def test_each_open_thread_has_its_own_reply_form_and_a_reply_posts_to_it(login, maria, devon, public_post) -> None:
    """Reply composers are one rendering with each thread's id put in: every thread's form names its own parent,
    its field ids are unique on the page, and posting one replies in that thread."""
    tops = [CommentFactory.create(artifact=public_post, author=devon, body=f"Thread {n}") for n in range(3)]
    client = login(maria)
    html = client.get(public_post.get_absolute_url()).content.decode()
    assert "THREADMARK" not in html
    for top in tops:
        assert f'name="parent" value="{top.pk}" id="id_reply{top.pk}_parent"' in html
        assert html.count(f'id="id_reply{top.pk}_body"') == 1
        assert f'<label for="id_reply{top.pk}_body">Your reply' in html
    response = client.post(
        _create_url(public_post), {"rendered": SHOWN, "body": "Which part surprised you?", "parent": tops[1].pk}
    )
    assert response.status_code == 302
    assert Comment.objects.get(body="Which part surprised you?").parent == tops[1]
