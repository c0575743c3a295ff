"""Template filters and tags for artifacts: the excerpt filter, and the tags that draw the Jinja2 pieces
(`posts/jinja2/posts/`: the artifact card, a comment, a post's place in a book, the reading fold's summary) inside
Django templates. Why those are Jinja2: `config/jinja.py`."""

import html
from typing import Any

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

from core import jinja

register = template.Library()


@register.filter
def excerpt(body_html: str, words: int = 40) -> str:
    """Plain text from sanitised HTML, cut to `words` words. Returned unsafe, so the template escapes it."""
    text = html.unescape(strip_tags(body_html or ""))
    return Truncator(" ".join(text.split())).words(words, truncate="…")


@register.simple_tag(takes_context=True)
def artifact_card(context: template.Context, artifact: Any, level: int | None = None, folded: bool = False) -> str:
    """An artifact's card. The heading level and whether share counts show come from the page's context
    (`level`, `show_shares`) unless given."""
    return jinja.render(
        "posts/card.html",
        artifact=artifact,
        level=level or context.get("level"),
        show_shares=context.get("show_shares"),
        folded=folded,
    )


@register.simple_tag
def book_anchor(artifact: Any) -> str:
    """Where in a course book the artifact is anchored (`p. 42 · Chapter 3 · Title`)."""
    return jinja.render("posts/anchor.html", artifact=artifact)


@register.simple_tag
def spoiler_summary(artifact: Any, what: str = "") -> str:
    """The summary of the fold over what the viewer has not reached in the book."""
    return jinja.render("posts/spoiler_summary.html", artifact=artifact, what=what)


@register.simple_tag(takes_context=True)
def comment_body(context: template.Context, comment: Any) -> str:
    """A comment with its actions, for the page's viewer: what it needs comes from the page's context (`user`,
    `is_facilitator`, `comments_open`, `muted_ids`, `tone_choices`, `here`, the CSRF token)."""
    return jinja.render(
        "posts/comment.html",
        comment=comment,
        user=context.get("user"),
        is_facilitator=context.get("is_facilitator"),
        comments_open=context.get("comments_open"),
        muted_ids=context.get("muted_ids") or (),
        tone_choices=context.get("tone_choices") or (),
        here=context.get("here"),
        csrf_input=jinja.csrf_input(context),
    )
