"""Reads for the Mastodon API: status ids, timeline positions, people, relationships; every status through the one
visibility rule (`Artifact.objects.visible_to`).

Status ids: an artifact's status id is its primary key; a comment's is `COMMENT_BASE` + its primary key
(COMMENT_BASE = 10**15, so both stay below 2**53 for clients that read ids as JavaScript numbers). The two
spaces never collide. Timelines list artifacts only; their order is the site's (publication or, on the home
timeline, latest activity, then id), so `max_id`/`since_id`/`min_id` name an artifact and are read as its
*position* in that order, not compared as bare numbers (a blog post gathered late has a newer id than its
publication time).
"""

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Q
from django.http import HttpRequest

from accounts.models import Block, FilterContext, Mute, User
from accounts.selectors import filters_for
from api.auth import bearer, token_for
from api.models import MediaUpload, Scope
from core.views import Audience
from courses.models import Course, Enrollment
from network.models import Follow, Share
from network.selectors import home_timeline
from posts.models import Artifact, Comment, Tag, Visibility
from posts.selectors import (
    PAGE_SIZE,
    blocked_ids,
    comment_for,
    course_stream,
    filter_keeper,
    image_audience_of,
    paginate,
    tagged_with,
)

Viewer = User | AnonymousUser
COMMENT_BASE = 10**15
Key = tuple[dt.datetime, int]
# How many pages a since_id/min_id read walks down from the newest before it stops.
SCAN_PAGES = 10


def _reader(request: HttpRequest) -> Viewer:
    """Who asks for a file: the signed-in person or, for an app that sends no cookie, the owner of a token
    that may read; anonymous otherwise (a bad token is simply nobody)."""
    if request.user.is_authenticated:
        return request.user
    secret = bearer(request)
    token = token_for(secret) if secret is not None else None
    return token.user if token is not None and token.allows(Scope.READ) else request.user


def image_audience(request: HttpRequest, name: str) -> Audience | None:
    """Who may fetch an artifact's image (a `core.views.media` reader): the one rule (posts'
    `image_audience_of`) for the reader, so a course-only post's image loads in a Mastodon app for a member
    as it does on the site."""
    return image_audience_of(_reader(request), name)


def upload_audience(request: HttpRequest, name: str) -> Audience | None:
    """Who may fetch the upload stored as `name` (a `core.views.media` reader): only the person who uploaded it,
    signed in or with a token that may read (a Mastodon app previewing its upload); None for anyone else and
    once a status took it (the upload is then deleted). A bad token is simply nobody: the same 404."""
    reader = _reader(request)
    if not reader.is_authenticated:
        return None
    return Audience.VIEWER if MediaUpload.objects.filter(image=name, user_id=reader.pk).exists() else None


def artifact_status_id(pk: int) -> str:
    return str(pk)


def comment_status_id(pk: int) -> str:
    return str(COMMENT_BASE + pk)


def parse_status_id(raw: str | int | None) -> tuple[str, int] | None:
    """("artifact", pk) or ("comment", pk) for a status id; None for anything else."""
    text = str(raw or "")
    if not text.isdigit() or len(text) > 18:
        return None
    number = int(text)
    if number >= COMMENT_BASE:
        return "comment", number - COMMENT_BASE
    return ("artifact", number) if number > 0 else None


def visible_comment(pk: int, viewer: Viewer) -> Comment | None:
    """A comment the viewer may see: on a visible artifact, not removed, not across a block."""
    found = comment_for(pk, viewer)
    if found is None or found.removed_at is not None or found.author_id in blocked_ids(viewer):
        return None
    return found


def person(pk: int | str, viewer: Viewer) -> User | None:
    """An active person by id, unless they blocked the viewer (then missing, as on the site)."""
    if not str(pk).isdigit():
        return None
    qs = User.objects.filter(pk=int(pk), is_active=True)
    if viewer.is_authenticated:
        qs = qs.exclude(pk__in=Block.objects.filter(blocked_id=viewer.pk).values("blocker_id"))
    return qs.first()


def person_by_handle(acct: str, viewer: Viewer) -> User | None:
    handle = acct.strip().lstrip("@").split("@", 1)[0]
    found = User.objects.filter(username__iexact=handle, is_active=True).first() if handle else None
    return person(found.pk, viewer) if found is not None else None


@dataclass(frozen=True)
class Counts:
    followers: int
    following: int
    statuses: int


def counts(user: User) -> Counts:
    return Counts(
        followers=Follow.objects.filter(followee=user).count(),
        following=Follow.objects.filter(follower=user).count(),
        statuses=Artifact.objects.filter(author=user).published().count(),
    )


def followers_of(user: User, viewer: Viewer, limit: int) -> list[User]:
    hidden = blocked_ids(viewer)
    rows = Follow.objects.filter(followee=user).exclude(follower_id__in=hidden).select_related("follower")
    return [f.follower for f in rows.order_by("-created_at", "-id")[:limit]]


def following_of(user: User, viewer: Viewer, limit: int) -> list[User]:
    hidden = blocked_ids(viewer)
    rows = Follow.objects.filter(follower=user).exclude(followee_id__in=hidden).select_related("followee")
    return [f.followee for f in rows.order_by("-created_at", "-id")[:limit]]


@dataclass(frozen=True)
class Relationship:
    person: User
    following: bool
    followed_by: bool
    blocking: bool
    blocked_by: bool
    muting: bool


def relationships(viewer: User, people: list[User]) -> list[Relationship]:
    """The viewer's relationship to each person, in five queries."""
    ids = [p.pk for p in people]
    following = set(Follow.objects.filter(follower=viewer, followee_id__in=ids).values_list("followee_id", flat=True))
    followers = set(Follow.objects.filter(followee=viewer, follower_id__in=ids).values_list("follower_id", flat=True))
    blocking = set(Block.objects.filter(blocker=viewer, blocked_id__in=ids).values_list("blocked_id", flat=True))
    blocked_by = set(Block.objects.filter(blocked=viewer, blocker_id__in=ids).values_list("blocker_id", flat=True))
    muting = set(Mute.objects.active().filter(muter=viewer, muted_id__in=ids).values_list("muted_id", flat=True))
    return [
        Relationship(p, p.pk in following, p.pk in followers, p.pk in blocking, p.pk in blocked_by, p.pk in muting)
        for p in people
    ]


def latest_course(user: User) -> Course | None:
    """The course the person joined most recently (where a status without one is published)."""
    found = Enrollment.objects.filter(user=user).select_related("course").order_by("-joined_at", "-id").first()
    return found.course if found is not None else None


def course_for_hashtag(name: str) -> Course | None:
    """The course whose hashtag this is (#IMMOOC, any case): a course is followed as its hashtag."""
    name = name.lstrip("#")
    return Course.objects.filter(Q(hashtag__iexact=name) | Q(hashtag__iexact=f"#{name}")).first()


def shared_by(viewer: Viewer, artifact_ids: list[int]) -> set[int]:
    if not viewer.is_authenticated or not artifact_ids:
        return set()
    return set(
        Share.objects.filter(sharer_id=viewer.pk, artifact_id__in=artifact_ids).values_list("artifact_id", flat=True)
    )


# Timelines


def _cursor(key: Key) -> str:
    """A cursor in the format of the site's keyset cursors (posts.selectors.encode_cursor): "iso time|id"."""
    return base64.urlsafe_b64encode(f"{key[0].isoformat()}|{key[1]}".encode()).decode().rstrip("=")


Reader = Callable[[str | None, int], tuple[list[tuple[Key, Artifact]], str | None]]


def _by_publication(page_of: Callable[[str | None, int], object]) -> Reader:
    def read(cursor: str | None, limit: int) -> tuple[list[tuple[Key, Artifact]], str | None]:
        page = page_of(cursor, limit)
        items: list[Artifact] = page.items  # type: ignore[attr-defined]
        return [((a.published_at, a.pk), a) for a in items], page.next_cursor  # type: ignore[attr-defined]

    return read


def _publication_key(pk: int) -> Key | None:
    row = Artifact.objects.filter(pk__lte=pk).order_by("-pk").values_list("published_at", "pk").first()
    return (row[0], pk) if row is not None else None


def public_reader(viewer: Viewer) -> Reader:
    """Public artifacts only (a member's course-only posts stay in the course), without muted people."""
    qs = Artifact.objects.visible_to(viewer).unmuted_for(viewer).filter(visibility=Visibility.PUBLIC)
    keep = filter_keeper(filters_for(viewer, FilterContext.COURSES))
    return _by_publication(lambda cursor, limit: paginate(qs, cursor, limit, keep))


def tag_reader(name: str, viewer: Viewer) -> Reader:
    """A course's hashtag lists its stream; any other hashtag the artifacts carrying the tag (as the tag page:
    no drafts, no muted people, the viewer's course filters)."""
    course = course_for_hashtag(name)
    if course is not None:
        return _by_publication(
            lambda cursor, limit: course_stream(course=course, viewer=viewer, cursor=cursor, limit=limit)
        )
    tag_ids = list(Tag.objects.filter(name=name.lstrip("#").lower()).values_list("pk", flat=True))
    tagged = tagged_with(Artifact.objects.visible_to(viewer).unmuted_for(viewer).published(), tag_ids)
    keep = filter_keeper(filters_for(viewer, FilterContext.COURSES))
    return _by_publication(lambda cursor, limit: paginate(tagged.rows, cursor, limit, keep, keys_first=tagged.sorted))


def account_reader(user: User, viewer: Viewer) -> Reader:
    """A person's artifacts, as on their page (drafts only to themselves, no keyword filters)."""
    qs = Artifact.objects.visible_to(viewer).filter(author=user)
    if viewer.pk != user.pk:
        qs = qs.published()
    return _by_publication(lambda cursor, limit: paginate(qs, cursor, limit))


def home_reader(viewer: User) -> Reader:
    def read(cursor: str | None, limit: int) -> tuple[list[tuple[Key, Artifact]], str | None]:
        timeline = home_timeline(viewer, cursor=cursor, limit=limit)
        return [((item.activity_at, item.artifact.pk), item.artifact) for item in timeline.items], timeline.next_cursor

    return read


def home_key(viewer: User, pk: int) -> Key | None:
    """An artifact's place in the viewer's home timeline: its latest share by someone followed, or publication."""
    published = _publication_key(pk)
    if published is None:
        return None
    followed = Follow.objects.filter(follower=viewer).values("followee_id")
    shared = Share.objects.filter(artifact_id=pk, sharer_id__in=followed).aggregate(at=Max("created_at"))["at"]
    return (max(published[0], shared), pk) if shared is not None else published


@dataclass
class TimelinePage:
    items: list[Artifact]
    more: bool  # there may be older items after the last


def timeline(
    read: Reader,
    *,
    max_id: str | None = None,
    since_id: str | None = None,
    min_id: str | None = None,
    limit: int = PAGE_SIZE,
    key_of: Callable[[int], Key | None] = _publication_key,
) -> TimelinePage:
    """A page of a timeline in Mastodon's terms: older than `max_id`, newer than `since_id` (the newest such) or
    `min_id` (the ones just after it). Ids name artifacts and are read as their positions (see the module
    docstring); a comment's id or an unknown one is ignored. Newer-than reads walk down from the newest, at most
    SCAN_PAGES pages: further back than that, `min_id` gives the oldest of those pages."""

    def key(raw: str | None) -> Key | None:
        parsed = parse_status_id(raw)
        return key_of(parsed[1]) if parsed is not None and parsed[0] == "artifact" else None

    upper, lower = key(max_id), key(min_id or since_id)
    cursor = _cursor(upper) if upper is not None else None
    if lower is None:
        rows, next_cursor = read(cursor, limit)
        return TimelinePage([a for _, a in rows], next_cursor is not None)
    newer: list[Artifact] = []
    for _ in range(SCAN_PAGES):
        rows, cursor = read(cursor, limit)
        reached = False
        for row_key, artifact in rows:
            if row_key <= lower:
                reached = True
                break
            newer.append(artifact)
        if reached or cursor is None:
            break
    if min_id:
        return TimelinePage(newer[-limit:], True)
    return TimelinePage(newer[:limit], len(newer) > limit)
