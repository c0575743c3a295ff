"""Mastodon-shaped dicts (Account, Status, MediaAttachment, Relationship, Tag, Notification) from Commonplace rows.

An artifact is a status whose content is its title (a paragraph) then its text; a comment is a status replying
to its artifact or to the comment whose thread it joins. Visibility: public → "public", course members →
"private", a draft → "direct".
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import escape, linebreaks

from accounts.models import User
from api.mastodon.selectors import Relationship, artifact_status_id, comment_status_id, counts, shared_by
from api.models import MediaUpload
from network.selectors import share_counts
from posts.models import Artifact, Comment, Visibility

VISIBILITY: dict[str, str] = {Visibility.PUBLIC: "public", Visibility.COURSE: "private", Visibility.DRAFT: "direct"}
MAX_CHARS = 10_000
MAX_MEDIA = 1


def stamp(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def account(request: HttpRequest, user: User, *, source: bool = False, cache: dict | None = None) -> dict[str, Any]:
    """An Account; `cache` (by person id) keeps a list of statuses from counting the same author again."""
    if cache is not None and user.pk in cache and not source:
        return cache[user.pk]
    totals = counts(user)
    url = _absolute(request, user.get_absolute_url())
    avatar = _absolute(request, user.avatar.url) if user.avatar else ""
    data: dict[str, Any] = {
        "id": str(user.pk),
        "username": user.username,
        "acct": user.username,
        "display_name": user.display_name or user.username,
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": stamp(user.date_joined),
        "note": linebreaks(escape(user.bio)) if user.bio else "",
        "url": url,
        "uri": url,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": "",
        "header_static": "",
        "followers_count": totals.followers,
        "following_count": totals.following,
        "statuses_count": totals.statuses,
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }
    if source:
        data["source"] = {"note": user.bio, "privacy": "public", "sensitive": False, "language": "", "fields": []}
    elif cache is not None:
        cache[user.pk] = data
    return data


def media(request: HttpRequest, upload: MediaUpload) -> dict[str, Any]:
    url = _absolute(request, upload.image.url)
    size = {"width": upload.width, "height": upload.height}
    return {
        "id": str(upload.pk),
        "type": "image",
        "url": url,
        "preview_url": url,
        "remote_url": None,
        "text_url": None,
        "meta": {"original": size, "small": size},
        "description": upload.description or None,
        "blurhash": None,
    }


def _artifact_media(request: HttpRequest, artifact: Artifact) -> list[dict[str, Any]]:
    if not artifact.image:
        return []
    url = _absolute(request, artifact.image.url)
    size = {"width": artifact.image_width, "height": artifact.image_height}
    return [
        {
            "id": artifact_status_id(artifact.pk),
            "type": "image",
            "url": url,
            "preview_url": url,
            "remote_url": None,
            "text_url": None,
            "meta": {"original": size, "small": size},
            "description": artifact.image_alt or None,
            "blurhash": None,
        }
    ]


def tag(request: HttpRequest, name: str) -> dict[str, Any]:
    return {"name": name, "url": _absolute(request, reverse("posts:tag", kwargs={"name": name})), "history": []}


def content(artifact: Artifact) -> str:
    """The title as a paragraph, then the text (the text alone when the title is its shortened first line)."""
    title = artifact.title
    if title.endswith("…") and artifact.body.startswith(title[:-1]):
        return artifact.body_html
    parts = [f"<p>{escape(title)}</p>", artifact.body_html]
    if artifact.url:
        parts.append(
            f'<p><a href="{escape(artifact.url)}" rel="nofollow noopener noreferrer">{escape(artifact.url)}</a></p>'
        )
    if artifact.passage:
        parts.append(f"<blockquote>{linebreaks(escape(artifact.passage))}</blockquote>")
    return "".join(p for p in parts if p)


def _base(
    request: HttpRequest, *, author: User, when: dt.datetime, url: str, visibility: str, cache: dict | None = None
) -> dict[str, Any]:
    return {
        "created_at": stamp(when),
        "sensitive": False,
        "spoiler_text": "",
        "visibility": VISIBILITY.get(visibility, "public"),
        "language": None,
        "uri": url,
        "url": url,
        "favourites_count": 0,
        "edited_at": None,
        "favourited": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "filtered": [],
        "reblog": None,
        "application": None,
        "account": account(request, author, cache=cache),
        "mentions": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def filter_results(phrase: str) -> list[dict[str, Any]]:
    """Mastodon's `filtered` (FilterResult): the viewer's warning filter that matched, so a client folds the
    status behind a warning naming it, as the site does. Hiding filters never reach here (the selectors leave
    those statuses out)."""
    if not phrase:
        return []
    return [
        {
            "filter": {
                "id": phrase,
                "title": phrase,
                "context": ["home", "public", "notifications", "thread"],
                "expires_at": None,
                "filter_action": "warn",
                "keywords": [],
                "statuses": [],
            },
            "keyword_matches": [phrase],
            "status_matches": None,
        }
    ]


def statuses(request: HttpRequest, artifacts: list[Artifact], viewer: User | None) -> list[dict[str, Any]]:
    """Statuses for artifacts, with share counts and the viewer's own shares read once for the list."""
    ids = [a.pk for a in artifacts]
    shares = share_counts(ids)
    mine = shared_by(viewer, ids) if viewer is not None else set()
    found = []
    people: dict[int, dict[str, Any]] = {}
    for artifact in artifacts:
        data = _base(
            request,
            author=artifact.author,
            when=artifact.published_at,
            url=_absolute(request, artifact.get_absolute_url()),
            visibility=artifact.visibility,
            cache=people,
        )
        replies = getattr(artifact, "comment_count", None)
        if replies is None:
            replies = artifact.comments.shown().count()
        data.update(
            id=artifact_status_id(artifact.pk),
            in_reply_to_id=None,
            in_reply_to_account_id=None,
            replies_count=replies,
            reblogs_count=shares.get(artifact.pk, 0),
            reblogged=artifact.pk in mine,
            content=content(artifact),
            media_attachments=_artifact_media(request, artifact),
            tags=[tag(request, t.name) for t in artifact.tags.all()],
            filtered=filter_results(getattr(artifact, "filtered_by", "")),
        )
        found.append(data)
    return found


def status(request: HttpRequest, artifact: Artifact, viewer: User | None) -> dict[str, Any]:
    return statuses(request, [artifact], viewer)[0]


def comment_status(request: HttpRequest, comment: Comment, cache: dict | None = None) -> dict[str, Any]:
    artifact = comment.artifact
    if comment.parent_id is not None:
        reply_to, reply_to_account = comment_status_id(comment.parent_id), comment.parent.author_id  # type: ignore[union-attr]
    else:
        reply_to, reply_to_account = artifact_status_id(artifact.pk), artifact.author_id
    data = _base(
        request,
        author=comment.author,
        when=comment.created_at,
        url=_absolute(request, comment.get_absolute_url()),
        visibility=artifact.visibility,
        cache=cache,
    )
    data.update(
        id=comment_status_id(comment.pk),
        in_reply_to_id=reply_to,
        in_reply_to_account_id=str(reply_to_account),
        replies_count=0,
        reblogs_count=0,
        reblogged=False,
        content=comment.body_html,
        edited_at=stamp(comment.edited_at),
        media_attachments=[],
        tags=[],
        filtered=filter_results(getattr(comment, "filtered_by", "")),
    )
    return data


def relationship(rel: Relationship) -> dict[str, Any]:
    return {
        "id": str(rel.person.pk),
        "following": rel.following,
        "showing_reblogs": rel.following,
        "notifying": False,
        "languages": None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting,
        "requested": False,
        "requested_by": False,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def instance(request: HttpRequest, *, v2: bool) -> dict[str, Any]:
    """What Mastodon apps read before anything else: the name, version and limits."""
    domain = request.get_host()
    configuration = {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": {
            "max_characters": MAX_CHARS,
            "max_media_attachments": MAX_MEDIA,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
            "image_size_limit": settings.IMAGE_MAX_BYTES,
            "image_matrix_limit": settings.IMAGE_MAX_PIXELS,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {"max_options": 0, "max_characters_per_option": 0, "min_expiration": 0, "max_expiration": 0},
        "translation": {"enabled": False},
        "urls": {"streaming": None},
    }
    common: dict[str, Any] = {
        "title": "Commonplace",
        "version": "4.3.0 (compatible; Commonplace 0.1)",
        "source_url": "",
        "description": "Open book-study courses and their learning network.",
        "languages": ["en"],
        "api_versions": {"mastodon": 1},
        "rules": [],
    }
    if v2:
        return {
            **common,
            "domain": domain,
            "usage": {"users": {"active_month": User.objects.filter(is_active=True).count()}},
            "thumbnail": {"url": ""},
            "configuration": configuration,
            "registrations": {"enabled": True, "approval_required": False, "message": None},
            "contact": {"email": "", "account": None},
        }
    return {
        **common,
        "uri": domain,
        "short_description": common["description"],
        "email": "",
        "urls": {"streaming_api": None},
        "stats": {"user_count": User.objects.filter(is_active=True).count(), "status_count": 0, "domain_count": 1},
        "thumbnail": None,
        "registrations": True,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": configuration,
        "contact_account": None,
    }
