"""Template filters and tags for artifacts: the excerpt filter, and the tags that draw the Jinja2 pieces
(`posts/jinja2/posts/`: the artifact card, a comment, a post's place in a book, the reading fold's summary) inside
Django templates. Why those are Jinja2: `config/jinja.py`."""

import hashlib
import html
from functools import partial
from typing import Any

from django import template
from django.core.cache import caches
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from core import jinja

register = template.Library()


@register.filter
def excerpt(body_html: str, words: int = 40) -> str:
    """Plain text from sanitised HTML, cut to `words` words. Returned unsafe, so the template escapes it."""
    text = html.unescape(strip_tags(body_html or ""))
    return Truncator(" ".join(text.split())).words(words, truncate="…")


# The fragments cache (config/settings.py): per process, keyed by content.
FRAGMENTS = "fragments"
CARD_TEMPLATE = "posts/card.html"


@register.simple_tag(takes_context=True)
def artifact_card(context: template.Context, artifact: Any, level: int | None = None, folded: bool = False) -> str:
    """An artifact's card. The heading level and whether share counts show come from the page's context
    (`level`, `show_shares`) unless given.

    A drawn card is kept in the fragments cache under `card_key`, a digest of everything it shows, and drawn
    again only when one of those changes (a list page's twenty cards were a quarter of its time)."""
    level = level or context.get("level")
    show_shares = context.get("show_shares")
    key = card_key(artifact, level=level, show_shares=show_shares, folded=folded, where=_page_where(context))
    return _cached(key, CARD_TEMPLATE, artifact=artifact, level=level, show_shares=show_shares, folded=folded)


def card_key(
    artifact: Any, *, level: int | None, show_shares: Any, folded: bool, where: tuple[str, ...] | None = None
) -> str:
    """A digest of every value `posts/card.html` (and what it includes) prints or tests, read as the template
    reads them (so no more queries than drawing it), with the viewer's time zone and language and the site's
    prefix (`_digest`). `posts/tests/test_card_cache.py` checks that the templates read nothing else."""
    a = artifact
    prompt = a.prompt
    values: tuple[Any, ...] = (
        a.pk,
        a.title,
        a.kind,
        a.author.name,
        a.author.username,
        a.published_at,
        (prompt.pk, prompt.number, prompt.week.number, prompt.week.course.slug) if prompt else None,
        a.visibility,
        a.held_reason,
        a.harvested,
        a.source_name,
        getattr(a, "comment_count", None),
        getattr(a, "share_count", None) if show_shares else None,
        (a.book_id, a.page, a.chapter, a.course.slug, a.book.title) if a.book_id else None,
        getattr(a, "ahead", None),
        (a.image.name, a.image_alt, a.image_width, a.image_height) if a.kind == "image" and a.image else None,
        a.passage,
        a.excerpt,
        a.url,
        a.body_html,
        [tag.name for tag in a.tag_list()],
        getattr(a, "filtered_by", None),
        level,
        bool(show_shares),
        folded,
    )
    return "card:" + _digest(values, where)


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
    `is_facilitator`, `comments_open`, `muted_ids`, `tone_choices`, `here`, the CSRF token). What every viewer
    sees of it (`comment_head`) comes from the fragments cache."""
    return jinja.render("posts/comment.html", comment=comment, **_comment_context(context))


@register.simple_tag(takes_context=True)
def comment_threads(context: template.Context, threads: Any) -> str:
    """An artifact's comment threads, each (thread, reply_html, opened), drawn in one Jinja2 loop with what
    `comment_body` takes from the page (two hundred comments: one template instead of two hundred)."""
    return jinja.render("posts/threads.html", threads=threads, **_comment_context(context))


def _comment_context(context: template.Context) -> dict[str, Any]:
    return {
        "comment_head": partial(comment_head, where=_page_where(context)),
        "user": context.get("user"),
        "is_facilitator": context.get("is_facilitator"),
        "comments_open": context.get("comments_open"),
        "muted_ids": context.get("muted_ids") or (),
        "tone_choices": context.get("tone_choices") or (),
        "here": context.get("here"),
        "csrf_input": jinja.csrf_input(context),
    }


COMMENT_HEAD_TEMPLATE = "posts/comment_head.html"


def comment_head(comment: Any, where: tuple[str, ...] | None = None) -> SafeString:
    """Who wrote the comment, when, its tone and its text, as every viewer sees them; drawn once and kept in
    the fragments cache under `comment_head_key` (two hundred on a busy post were half its page's time)."""
    return _cached(comment_head_key(comment, where), COMMENT_HEAD_TEMPLATE, comment=comment)


def comment_head_key(comment: Any, where: tuple[str, ...] | None = None) -> str:
    """A digest of every value `posts/comment_head.html` prints or tests (`posts/tests/test_card_cache.py`
    checks it reads nothing else), with the viewer's time zone and language and the site's prefix."""
    values = (
        comment.pk,
        comment.author.name,
        comment.author.username,
        comment.created_at,
        bool(comment.edited_at),
        comment.tone,
        bool(comment.held_reason),
        comment.body_html,
    )
    return "comment:" + _digest(values, where)


def _where() -> tuple[str, ...]:
    """What a drawn piece depends on besides its values: the viewer's time zone and language (dates, words) and
    the site's prefix (links)."""
    return (timezone.get_current_timezone_name(), translation.get_language(), get_script_prefix())


_WHERE = "posts_extras.where"


def _page_where(context: template.Context) -> tuple[str, ...]:
    """`_where()` read once per template drawn, not once per piece (each read goes through asgiref's
    context-local storage: four hundred of them on a page of two hundred comments; the profiler gave them a tenth
    of the page, an interleaved A/B found no measurable change). No template of ours changes either while it
    draws (`{% timezone %}`, `{% language %}`)."""
    kept = context.render_context.get(_WHERE)
    if kept is None:
        kept = context.render_context[_WHERE] = _where()
    return kept


def _digest(values: tuple[Any, ...], where: tuple[str, ...] | None = None) -> str:
    return hashlib.blake2b(repr((values, where or _where())).encode(), digest_size=16).hexdigest()


def _cached(key: str, name: str, **context: Any) -> SafeString:
    """The Jinja2 piece `name` drawn with `context`, from the fragments cache when it holds `key`."""
    cache = caches[FRAGMENTS]
    drawn = cache.get(key)
    if drawn is None:
        drawn = str(jinja.render(name, **context))
        cache.set(key, drawn)
    return mark_safe(drawn)  # Jinja2 escaped it when it was drawn
