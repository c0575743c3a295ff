"""The pieces drawn by Jinja2 inside Django pages (the card, a comment, the mute forms; see config/jinja.py):
their forms carry the page's CSRF token and work with CSRF checks on, and what they print is escaped as Django
templates escape it."""

import re

from django.test import Client
from django.urls import reverse

from accounts.models import Mute
from posts.models import Comment, Tone
from posts.tests.factories import ArtifactFactory, CommentFactory


def _form(html: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form posting to {action}"
    return match.group(1)


def _token(form: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert match, "the form has no CSRF token"
    return match.group(1)


def test_comment_forms_post_with_the_token_they_carry(course, maria, devon) -> None:
    post = ArtifactFactory.create(course=course, author=maria, title="Maria's post")
    own = CommentFactory.create(artifact=post, author=devon, body="Mine", body_html="<p>Mine</p>")
    CommentFactory.create(artifact=post, author=maria, body="Hers", body_html="<p>Hers</p>")
    client = Client(enforce_csrf_checks=True)
    client.force_login(devon)
    html = client.get(post.get_absolute_url()).content.decode()

    tone_action = reverse("posts:comment_tone", args=[own.pk])
    changed = client.post(
        tone_action, {"csrfmiddlewaretoken": _token(_form(html, tone_action)), "tone": Tone.CHALLENGE}
    )
    assert changed.status_code == 302
    own.refresh_from_db()
    assert own.tone == Tone.CHALLENGE

    mute_action = reverse("accounts:mute", args=[maria.username])
    form = _form(html, mute_action)
    assert 'id="mute-days-' in form
    assert f'value="{post.get_absolute_url()}"' in form
    muted = client.post(mute_action, {"csrfmiddlewaretoken": _token(form), "days": "7", "next": "/"})
    assert muted.status_code == 302
    assert Mute.objects.filter(muter=devon, muted=maria).exists()

    # Without the token the same post is refused: the check is on.
    assert client.post(tone_action, {"tone": Tone.SUPPORT}).status_code == 403


def test_an_unmute_form_under_a_muted_comment_works(course, maria, devon) -> None:
    post = ArtifactFactory.create(course=course, author=devon, title="Devon's post")
    CommentFactory.create(artifact=post, author=maria, body="Hers", body_html="<p>Hers</p>")
    Mute.objects.create(muter=devon, muted=maria)
    client = Client(enforce_csrf_checks=True)
    client.force_login(devon)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Hidden — you muted @maria" in html
    action = reverse("accounts:unmute", args=[maria.username])
    response = client.post(action, {"csrfmiddlewaretoken": _token(_form(html, action)), "next": "/"})
    assert response.status_code == 302
    assert not Mute.objects.filter(muter=devon, muted=maria).exists()


def test_cards_and_comments_escape_as_django_does(course, maria, devon, login) -> None:
    title = """Maria's "best" <b>lesson</b> & more"""
    post = ArtifactFactory.create(course=course, author=maria, title=title)
    Comment.objects.filter(artifact=post).delete()
    CommentFactory.create(artifact=post, author=devon, body="x", body_html="<p>x</p>")
    devon.display_name = "Devon <O'Neil>"
    devon.save()
    stream = login(maria).get(reverse("network:stream", args=[course.slug])).content.decode()
    escaped = "Maria&#x27;s &quot;best&quot; &lt;b&gt;lesson&lt;/b&gt; &amp; more"
    assert f">{escaped}</a></h2>" in stream  # the card's title, spelled as Django spells it
    assert "<b>lesson</b>" not in stream
    page = login(maria).get(post.get_absolute_url()).content.decode()
    assert "Devon &lt;O&#x27;Neil&gt;</a>" in page  # the comment's author
    assert "<O'Neil>" not in page
