"""Writes for artifacts gathered from participants' blogs: bulk creation and in-place updates.

The harvester (syndication) decides what to take; these functions store it. They are built for
batches (one insert for a feed's new posts, one for their tags) because a harvest may bring tens
of thousands of posts at once.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.bulk import insert_rows
from posts.history import days_changed
from posts.models import Artifact, Kind, Origin, Tag, Visibility
from posts.tasks import index_artifacts_later

MAX_TAGS = 20


@dataclass(frozen=True)
class HarvestedPost:
    author_id: int
    course_id: int
    prompt_id: int | None
    title: str
    url: str
    source_name: str
    body_html: str  # already sanitised by the parser
    excerpt: str  # plain text
    published_at: dt.datetime
    updated_at: dt.datetime
    tags: tuple[str, ...] = ()


def _fields(post: HarvestedPost) -> dict[str, object]:
    return {
        "prompt_id": post.prompt_id,
        "kind": (Kind.LINK if post.url else Kind.POST).value,
        "title": (post.title or "Untitled post").strip()[:200],
        "url": post.url[:1000],
        "source_name": post.source_name[:200],
        "body_html": post.body_html,
        "excerpt": post.excerpt,
        "updated_at": post.updated_at,
    }


def create_harvested(
    posts: Sequence[HarvestedPost], *, now: dt.datetime, tag_ids: dict[str, int] | None = None
) -> list[int]:
    """Insert the posts as public, harvested artifacts of their authors; returns their ids in order."""
    if not posts:
        return []
    rows = [
        {
            "author_id": post.author_id,
            "course_id": post.course_id,
            "visibility": Visibility.PUBLIC.value,
            "origin": Origin.HARVESTED.value,
            "published_at": post.published_at,
            "created_at": now,
            **_fields(post),
        }
        for post in posts
    ]
    ids = insert_rows(Artifact, rows, returning=True)
    days_changed(post.published_at for post in posts)  # a blog post gathered late lands on a past day
    _add_tags(zip(ids, (post.tags for post in posts), strict=True), tag_ids)
    # Indexed for search by the task worker once the harvest commits (the harvest stays as fast as a feed
    # reader's; search catches up seconds later). Enqueued on commit: a rolled-back group indexes nothing.
    index_artifacts_later.enqueue(ids)
    return ids


def update_harvested(artifact_id: int, post: HarvestedPost) -> None:
    """The author edited the post on their blog: update ours in place (never re-create it)."""
    Artifact.objects.filter(pk=artifact_id, origin=Origin.HARVESTED).update(**_fields(post))
    Artifact.tags.through.objects.filter(artifact_id=artifact_id).delete()
    _add_tags([(artifact_id, post.tags)])
    index_artifacts_later.enqueue([artifact_id])


def _add_tags(rows: Iterable[tuple[int, tuple[str, ...]]], known: dict[str, int] | None = None) -> None:
    """Tag the artifacts; `known` (tag name → id) saves lookups across calls and is extended here."""
    pairs = [(artifact_id, name) for artifact_id, names in rows for name in dict.fromkeys(names[:MAX_TAGS])]
    if not pairs:
        return
    ids = known if known is not None else {}
    names = {name for _, name in pairs} - ids.keys()
    if names:
        ids.update(Tag.objects.filter(name__in=names).values_list("name", "id"))
    missing = names - ids.keys()
    if missing:
        Tag.objects.bulk_create([Tag(name=name) for name in missing], ignore_conflicts=True)
        ids.update(Tag.objects.filter(name__in=missing).values_list("name", "id"))
    insert_rows(Artifact.tags.through, [{"artifact_id": a, "tag_id": ids[name]} for a, name in pairs])
