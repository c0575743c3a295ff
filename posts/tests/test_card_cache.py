"""Drawn artifact cards and comment heads are kept in the fragments cache under a digest of what they show
(`posts.templatetags.posts_extras.card_key`, `comment_head_key`): one is never stale, whatever changes, and the
templates read nothing the digest leaves out."""

import re
from pathlib import Path

import pytest
from django.core.cache import caches
from django.template import Context, Template
from django.utils import timezone, translation

from core import jinja
from posts.models import Artifact, Comment, Kind, Tag, Tone, Visibility
from posts.templatetags.posts_extras import CARD_TEMPLATE, COMMENT_HEAD_TEMPLATE, FRAGMENTS, card_key, comment_head
from posts.tests.factories import ArtifactFactory, CommentFactory

JINJA = Path(__file__).resolve().parent.parent / "jinja2" / "posts"
# What the card's templates read of the artifact, each with what card_key reads for it. A new `artifact.…` in
# the templates fails `test_the_templates_read_only_what_the_key_holds` until it is added to both.
KEYED = {
    "pk",
    "title",
    "get_absolute_url",  # pk
    "get_kind_display",  # kind
    "kind",
    "author.name",
    "author.get_absolute_url",  # author.username
    "published_at",
    "prompt",
    "prompt.get_absolute_url",  # prompt.number, prompt.week.number, prompt.week.course.slug
    "prompt.week.number",
    "prompt.number",
    "visibility",
    "held_reason",
    "harvested",
    "source_name",
    "comment_count",
    "share_count",
    "book_id",
    "page",
    "chapter",
    "course.slug",
    "book.title",
    "ahead",
    "image",
    "image.url",  # image.name
    "image_alt",
    "image_width",
    "image_height",
    "passage",
    "excerpt",
    "url",
    "body_html",
    "tag_list",  # tags.all
    "filtered_by",
}


def _read_in(template: str, name: str = "artifact") -> set[str]:
    """The attribute paths of `name` the template reads (its {# comments #} left out)."""
    source = re.sub(r"\{#.*?#\}", "", (JINJA / template).read_text(), flags=re.S)
    return {match.rstrip(".") for match in re.findall(rf"\b{name}\.([A-Za-z_][\w.]*)", source)}


def test_the_templates_read_only_what_the_key_holds() -> None:
    read = _read_in("card.html") | _read_in("anchor.html") | _read_in("spoiler_summary.html")
    assert read, "the card reads the artifact"
    assert read <= KEYED, f"card_key does not hold {sorted(read - KEYED)}"


def _drawn(artifact: Artifact, **context: object) -> str:
    """The card as a page draws it (through the tag, so through the cache)."""
    page = Template("{% load posts_extras %}{% artifact_card artifact %}")
    return page.render(Context({"artifact": artifact, **context}))


def _fresh(artifact: Artifact, show_shares: bool = False) -> str:
    return str(jinja.render(CARD_TEMPLATE, artifact=artifact, level=None, show_shares=show_shares, folded=False))


def _loaded(pk: int, shares: int = 0) -> Artifact:
    """As the lists load an artifact: related rows joined, counts annotated (the share count set by hand, where the
    network's lists read it with `network.selectors.shares_counted`)."""
    from posts.selectors import shown_comment_count

    found = (
        Artifact.objects.select_related("author", "course", "prompt__week__course", "book")
        .prefetch_related("tags")
        .annotate(comment_count=shown_comment_count())
        .get(pk=pk)
    )
    found.share_count = shares  # type: ignore[attr-defined]
    return found


@pytest.fixture
def post(course, maria) -> Artifact:
    post = ArtifactFactory.create(course=course, author=maria, title="Rethinking homework", body="Less is more.")
    post.tags.add(Tag.objects.create(name="homework"))
    return post


def test_a_second_drawing_comes_from_the_cache(post) -> None:
    caches[FRAGMENTS].clear()
    first = _drawn(_loaded(post.pk))
    key = card_key(_loaded(post.pk), level=None, show_shares=None, folded=False)
    assert caches[FRAGMENTS].get(key) == first
    assert _drawn(_loaded(post.pk)) == first == _fresh(_loaded(post.pk))


CHANGES = {
    "title": lambda a: Artifact.objects.filter(pk=a.pk).update(title="Homework, rethought"),
    "body": lambda a: Artifact.objects.filter(pk=a.pk).update(body_html="<p>Nothing at all.</p>"),
    "visibility": lambda a: Artifact.objects.filter(pk=a.pk).update(visibility=Visibility.COURSE),
    "held": lambda a: Artifact.objects.filter(pk=a.pk).update(held_reason="links"),
    "kind": lambda a: Artifact.objects.filter(pk=a.pk).update(kind=Kind.LINK, url="https://example.org/hw"),
    "passage": lambda a: Artifact.objects.filter(pk=a.pk).update(passage="A quoted line."),
    "author's name": lambda a: type(a.author).objects.filter(pk=a.author_id).update(display_name="Maria R."),
    "a tag": lambda a: a.tags.add(Tag.objects.create(name="grading")),
    "a comment": lambda a: CommentFactory.create(artifact=a),
    "published": lambda a: Artifact.objects.filter(pk=a.pk).update(published_at=timezone.now().replace(year=2020)),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_draws_the_card_again(post, change: str) -> None:
    before = _drawn(_loaded(post.pk))
    CHANGES[change](post)
    after = _drawn(_loaded(post.pk))
    assert after != before
    assert after == _fresh(_loaded(post.pk))


def test_a_share_changes_the_count_where_counts_show(post) -> None:
    before = _drawn(_loaded(post.pk), show_shares=True)
    after = _drawn(_loaded(post.pk, shares=1), show_shares=True)
    assert "1 share" in after
    assert after != before
    assert after == _fresh(_loaded(post.pk, shares=1), show_shares=True)
    assert _drawn(_loaded(post.pk, shares=1)) == _drawn(_loaded(post.pk)), "no count where counts do not show"


def test_the_viewer_s_time_zone_language_and_fold_are_part_of_the_card(post) -> None:
    utc = _drawn(_loaded(post.pk))
    with timezone.override("Pacific/Auckland"):
        auckland = _drawn(_loaded(post.pk))
        assert auckland == _fresh(_loaded(post.pk))
    assert auckland != utc
    with translation.override("fr"):
        assert _drawn(_loaded(post.pk)) == _fresh(_loaded(post.pk))
    filtered = _loaded(post.pk)
    filtered.filtered_by = "homework"  # type: ignore[attr-defined]
    folded = _drawn(filtered)
    assert "Filtered: “homework”" in folded
    assert "Filtered" not in _drawn(_loaded(post.pk))


def test_a_card_prints_escaped_text_from_the_cache_as_drawn(course, maria) -> None:
    post = ArtifactFactory.create(course=course, author=maria, title="<script>alert(1)</script> & 'quotes'")
    first = _drawn(_loaded(post.pk))
    again = _drawn(_loaded(post.pk))
    assert again == first
    assert "<script>" not in again
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in again


# What comment_head.html reads of the comment; comment_head_key reads each (get_absolute_url: author.username;
# get_tone_display: tone).
COMMENT_KEYED = {
    "pk",
    "author.get_absolute_url",
    "author.name",
    "created_at",
    "edited_at",
    "tone",
    "get_tone_display",
    "held_reason",
    "body_html",
}


def test_the_comment_head_reads_only_what_its_key_holds() -> None:
    read = _read_in("comment_head.html", "comment")
    assert read, "the head reads the comment"
    assert read <= COMMENT_KEYED, f"comment_head_key does not hold {sorted(read - COMMENT_KEYED)}"


def _comment_drawn(comment_pk: int) -> str:
    comment = Comment.objects.select_related("author").get(pk=comment_pk)
    return str(comment_head(comment))


def _comment_fresh(comment_pk: int) -> str:
    comment = Comment.objects.select_related("author").get(pk=comment_pk)
    return str(jinja.render(COMMENT_HEAD_TEMPLATE, comment=comment))


COMMENT_CHANGES = {
    "text": lambda c: Comment.objects.filter(pk=c.pk).update(body_html="<p>Changed my mind.</p>"),
    "tone": lambda c: Comment.objects.filter(pk=c.pk).update(tone=Tone.CHALLENGE),
    "edited": lambda c: Comment.objects.filter(pk=c.pk).update(edited_at=timezone.now()),
    "held": lambda c: Comment.objects.filter(pk=c.pk).update(held_reason="links"),
    "writer's name": lambda c: type(c.author).objects.filter(pk=c.author_id).update(display_name="Devon K."),
}


@pytest.mark.parametrize("change", COMMENT_CHANGES)
def test_a_changed_comment_is_drawn_again(post, devon, change: str) -> None:
    comment = CommentFactory.create(artifact=post, author=devon, body_html="<p>Good point.</p>")
    before = _comment_drawn(comment.pk)
    assert _comment_drawn(comment.pk) == before == _comment_fresh(comment.pk)
    COMMENT_CHANGES[change](comment)
    after = _comment_drawn(comment.pk)
    assert after != before
    assert after == _comment_fresh(comment.pk)
    with timezone.override("Asia/Kolkata"):
        assert _comment_drawn(comment.pk) == _comment_fresh(comment.pk) != after
