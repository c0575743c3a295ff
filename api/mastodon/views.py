"""The Mastodon client API over Commonplace: instance, accounts, statuses, timelines, notifications, media, search.

Statuses are artifacts and comments (ids: see api.mastodon.selectors); every read goes through the one visibility
rule, so a status nobody may see on the site is a 404 here, like a missing one.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts import services as accounts
from accounts.models import User
from api.mastodon import selectors, services
from api.mastodon import serializers as out
from api.mastodon.http import (
    MastodonError,
    Viewer,
    endpoint,
    limit,
    link,
    not_found,
    one,
    params,
    reader,
    signed_in,
)
from api.models import MediaUpload, Scope
from core.exceptions import NotAllowed
from core.search import parse_query
from network import services as network
from network.selectors import NotificationItem, notifications_for
from posts import services as posts
from posts.composer import request_client
from posts.models import Artifact, Comment, Origin
from posts.selectors import artifact_for, comment_threads
from search import selectors as search


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False)


def _me(user: object) -> User | None:
    return user if isinstance(user, User) else None


# Instance


@endpoint("GET")
def instance_v1(request: HttpRequest) -> HttpResponse:
    return _json(out.instance(request, v2=False))


@endpoint("GET")
def instance_v2(request: HttpRequest) -> HttpResponse:
    return _json(out.instance(request, v2=True))


# Accounts


@endpoint("GET")
def verify_credentials(request: HttpRequest) -> HttpResponse:
    return _json(out.account(request, signed_in(request), source=True))


def _person(request: HttpRequest, pk: str) -> User:
    found = selectors.person(pk, reader(request))
    if found is None:
        raise not_found("Account")
    return found


@endpoint("GET")
def lookup(request: HttpRequest) -> HttpResponse:
    found = selectors.person_by_handle(one(params(request), "acct"), reader(request))
    if found is None:
        raise not_found("Account")
    return _json(out.account(request, found))


@endpoint("GET")
def account_detail(request: HttpRequest, pk: str) -> HttpResponse:
    return _json(out.account(request, _person(request, pk)))


@endpoint("GET")
def account_statuses(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = reader(request)
    person = _person(request, pk)
    return _timeline(request, selectors.account_reader(person, viewer), viewer)


@endpoint("GET")
def account_followers(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = reader(request)
    people = selectors.followers_of(_person(request, pk), viewer, limit(params(request), 40, 80))
    return _json([out.account(request, p) for p in people])


@endpoint("GET")
def account_following(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = reader(request)
    people = selectors.following_of(_person(request, pk), viewer, limit(params(request), 40, 80))
    return _json([out.account(request, p) for p in people])


def _relationship(request: HttpRequest, viewer: User, person: User) -> HttpResponse:
    return _json(out.relationship(selectors.relationships(viewer, [person])[0]))


@endpoint("GET")
def relationships(request: HttpRequest) -> HttpResponse:
    viewer = signed_in(request)
    people = [p for p in (selectors.person(pk, viewer) for pk in params(request).get("id", [])[:40]) if p]
    return _json([out.relationship(r) for r in selectors.relationships(viewer, people)])


@endpoint("POST")
def follow(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = signed_in(request, Scope.WRITE)
    person = _person(request, pk)
    network.follow(follower=viewer, followee=person)
    return _relationship(request, viewer, person)


@endpoint("POST")
def unfollow(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = signed_in(request, Scope.WRITE)
    person = _person(request, pk)
    network.unfollow(follower=viewer, followee=person)
    return _relationship(request, viewer, person)


def mute_days(duration: str) -> int | None:
    """Mastodon's mute `duration` (seconds, 0 or none: until undone) as the site's 1, 7 or 30 days, rounded up."""
    if not duration or duration == "0":
        return None
    if not duration.isdigit():
        raise MastodonError(422, "The mute duration is a number of seconds.")
    days = -(-int(duration) // 86_400)
    for choice in accounts.MUTE_DAYS:
        if days <= choice:
            return choice
    raise MastodonError(422, "A mute lasts 1, 7 or 30 days, or until you undo it (duration 0).")


@endpoint("POST")
def mute(request: HttpRequest, pk: str) -> HttpResponse:
    """Mute for `duration` seconds, rounded up to the site's choices (1, 7 or 30 days); 0 or none: until undone."""
    viewer = signed_in(request, Scope.WRITE)
    person = _person(request, pk)
    accounts.mute(muter=viewer, muted=person, days=mute_days(one(params(request), "duration")))
    return _relationship(request, viewer, person)


@endpoint("POST")
def unmute(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = signed_in(request, Scope.WRITE)
    person = _person(request, pk)
    accounts.unmute(muter=viewer, muted=person)
    return _relationship(request, viewer, person)


@endpoint("POST")
def block(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = signed_in(request, Scope.WRITE)
    person = _person(request, pk)
    network.block(blocker=viewer, blocked=person)
    return _relationship(request, viewer, person)


@endpoint("POST")
def unblock(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = signed_in(request, Scope.WRITE)
    found = User.objects.filter(pk=int(pk) if pk.isdigit() else 0, is_active=True).first()
    if found is None:
        raise not_found("Account")
    network.unblock(blocker=viewer, blocked=found)
    return _relationship(request, viewer, found)


# Statuses


def _status_target(request: HttpRequest, raw: str, viewer: Viewer | None = None) -> Artifact | Comment:
    """The artifact or comment a status id names, if the caller may see it (404 for hidden and missing)."""
    viewer = viewer if viewer is not None else reader(request)
    parsed = selectors.parse_status_id(raw)
    found: Artifact | Comment | None = None
    if parsed is not None and parsed[0] == "artifact":
        found = artifact_for(parsed[1], viewer)
    elif parsed is not None:
        found = selectors.visible_comment(parsed[1], viewer)
    if found is None:
        raise not_found()
    return found


def _artifact(request: HttpRequest, raw: str, viewer: User) -> Artifact:
    found = _status_target(request, raw, viewer)
    if not isinstance(found, Artifact):
        raise MastodonError(422, "That is a reply: only posts can be shared.")
    return found


def _render(request: HttpRequest, found: Artifact | Comment, viewer: User | None) -> dict[str, Any]:
    if isinstance(found, Comment):
        return out.comment_status(request, found)
    return out.status(request, found, viewer)


@endpoint("POST")
def post_status(request: HttpRequest) -> HttpResponse:
    """Post a status: a reply (`in_reply_to_id`) becomes a comment; anything else an artifact in the person's
    most recent course (see services.post_status for visibility and images)."""
    author = signed_in(request, Scope.WRITE)
    found = params(request)
    text = one(found, "status")
    reply_to = one(found, "in_reply_to_id")
    if reply_to:
        target = _status_target(request, reply_to, author)
        artifact, parent = (target.artifact, target) if isinstance(target, Comment) else (target, None)
        try:
            comment = services.reply(
                author=author, artifact=artifact, parent=parent, text=text, client=request_client(request)
            )
        except posts.TooManyComments as exc:
            raise MastodonError(429, exc.message) from None
        fresh = selectors.visible_comment(comment.pk, author)
        assert fresh is not None
        return _json(out.comment_status(request, fresh))
    artifact = services.post_status(
        author=author, text=text, visibility=one(found, "visibility", "public"), media_ids=found.get("media_ids", [])
    )
    shown = artifact_for(artifact.pk, author)
    assert shown is not None
    return _json(out.status(request, shown, author))


@endpoint("GET", "DELETE")
def status_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """One status. Reading a post written here counts as opening it, as opening its page does (a gathered blog
    post is opened by following its link). DELETE deletes your post or removes your reply."""
    if request.method == "DELETE":
        actor = signed_in(request, Scope.WRITE)
        found = _status_target(request, pk, actor)
        shown = _render(request, found, actor)
        try:
            if isinstance(found, Comment):
                posts.remove_comment(comment=found, actor=actor)
            else:
                posts.delete_artifact(artifact=found, actor=actor)
        except NotAllowed as exc:  # someone else's status (A6): forbidden, as Mastodon answers
            raise MastodonError(403, exc.message) from None
        return _json(shown)
    viewer = _me(reader(request))
    found = _status_target(request, pk)
    if viewer is not None and isinstance(found, Artifact) and found.origin == Origin.NATIVE:
        network.record_open(user=viewer, artifact=found)
    return _json(_render(request, found, viewer))


@endpoint("GET")
def status_context(request: HttpRequest, pk: str) -> HttpResponse:
    """Ancestors and descendants: a post's comments in thread order; a comment's post (and the comment it
    answers) before it, its thread's later replies after it."""
    viewer = reader(request)
    found = _status_target(request, pk)
    artifact = found.artifact if isinstance(found, Comment) else found
    me = _me(viewer)
    thread: list[Comment] = []
    for t in comment_threads(artifact, me):
        if t.comment.removed_at is None and not t.hidden:
            thread.append(t.comment)
        thread.extend(t.replies)
    people: dict[int, dict[str, Any]] = {}
    if isinstance(found, Artifact):
        return _json({"ancestors": [], "descendants": [out.comment_status(request, c, people) for c in thread]})
    ancestors: list[dict[str, Any]] = [out.status(request, artifact, me)]
    top = found.parent_id or found.pk
    if found.parent_id is not None:
        ancestors += [out.comment_status(request, c) for c in thread if c.pk == found.parent_id]
    later = [c for c in thread if (c.parent_id == top) and c.created_at > found.created_at and c.pk != found.pk]
    return _json({"ancestors": ancestors, "descendants": [out.comment_status(request, c) for c in later]})


@endpoint("POST")
def reblog(request: HttpRequest, pk: str) -> HttpResponse:
    """Share the post (read before you share: an unopened one is refused with 422 and the site's message)."""
    viewer = signed_in(request, Scope.WRITE)
    artifact = _artifact(request, pk, viewer)
    network.share(sharer=viewer, artifact=artifact)
    return _json(out.status(request, artifact, viewer))


@endpoint("POST")
def unreblog(request: HttpRequest, pk: str) -> HttpResponse:
    viewer = signed_in(request, Scope.WRITE)
    artifact = _artifact(request, pk, viewer)
    network.unshare(sharer=viewer, artifact=artifact)
    return _json(out.status(request, artifact, viewer))


@endpoint("POST")
def favourite(request: HttpRequest, pk: str) -> HttpResponse:
    """Commonplace has no likes (appreciation is a reply or a share with a note), so a favourite is accepted
    and records nothing: the status comes back with `favourited` false, which is the truth."""
    viewer = signed_in(request, Scope.WRITE)
    return _json(_render(request, _status_target(request, pk, viewer), viewer))


# Timelines


def _timeline(request: HttpRequest, read: selectors.Reader, viewer: object, **kwargs: Any) -> HttpResponse:
    found = params(request)
    page = selectors.timeline(
        read,
        max_id=one(found, "max_id") or None,
        since_id=one(found, "since_id") or None,
        min_id=one(found, "min_id") or None,
        limit=limit(found),
        **kwargs,
    )
    response = _json(out.statuses(request, page.items, _me(viewer)))
    if page.items:
        link(
            request,
            response,
            next_max=str(page.items[-1].pk) if page.more else None,
            prev_min=str(page.items[0].pk),
        )
    return response


@endpoint("GET")
def home(request: HttpRequest) -> HttpResponse:
    """Posts by people and in tags you follow, and what people you follow shared (as posts, not boosts)."""
    viewer = signed_in(request)
    return _timeline(request, selectors.home_reader(viewer), viewer, key_of=lambda pk: selectors.home_key(viewer, pk))


@endpoint("GET")
def public(request: HttpRequest) -> HttpResponse:
    """Every public post (the site is one community, so `local=true` is the same)."""
    viewer = reader(request)
    return _timeline(request, selectors.public_reader(viewer), viewer)


@endpoint("GET")
def tag_timeline(request: HttpRequest, name: str) -> HttpResponse:
    """A course's hashtag lists the course's stream; any other hashtag the posts carrying it."""
    viewer = reader(request)
    return _timeline(request, selectors.tag_reader(name, viewer), viewer)


# Notifications

KINDS = {"follow": "follow", "share": "reblog", "reply": "mention", "mention": "mention"}


def notification_id(item: NotificationItem) -> str:
    """Notifications are partly computed when read and have no row of their own: an id from the time (ms) and
    the thing it is about, so ids order by time and `max_id` pages back."""
    target = item.comment or item.artifact or item.actor
    return str(int(item.created_at.timestamp() * 1000) * 1000 + (target.pk % 1000 if target is not None else 0))


@endpoint("GET")
def notifications(request: HttpRequest) -> HttpResponse:
    viewer = signed_in(request)
    found = params(request)
    max_id = one(found, "max_id")
    since_id = one(found, "min_id") or one(found, "since_id")
    wanted = limit(found, most=80)
    shown = []
    for item in notifications_for(viewer, limit=200):
        kind = KINDS.get(item.kind)
        ident = notification_id(item)
        if kind is None or item.actor is None:
            continue
        if (max_id.isdigit() and int(ident) >= int(max_id)) or (since_id.isdigit() and int(ident) <= int(since_id)):
            continue
        data: dict[str, Any] = {
            "id": ident,
            "type": kind,
            "created_at": out.stamp(item.created_at),
            "account": out.account(request, item.actor),
            "status": None,
        }
        if item.comment is not None and kind == "mention":
            data["status"] = out.comment_status(request, item.comment)
        elif item.artifact is not None:
            data["status"] = out.status(request, item.artifact, viewer)
        shown.append(data)
        if len(shown) == wanted:
            break
    response = _json(shown)
    if shown:
        link(request, response, next_max=shown[-1]["id"], prev_min=shown[0]["id"])
    return response


# Media


@endpoint("POST")
def upload_media(request: HttpRequest) -> HttpResponse:
    """Upload an image (the site's rules: JPEG, PNG, GIF or WebP, re-encoded without metadata); it is kept
    until a status attaches it."""
    user = signed_in(request, Scope.WRITE)
    file = request.FILES.get("file")
    if file is None:
        raise MastodonError(422, "Send the image as the multipart field “file”.")
    upload = services.upload_media(user=user, data=file.read(), description=request.POST.get("description", ""))
    return _json(out.media(request, upload))


@endpoint("GET", "PUT")
def media_detail(request: HttpRequest, pk: str) -> HttpResponse:
    user = signed_in(request, Scope.WRITE if request.method == "PUT" else Scope.READ)
    upload = MediaUpload.objects.filter(pk=int(pk) if pk.isdigit() else 0, user=user).first()
    if upload is None:
        raise not_found()
    if request.method == "PUT":
        upload = services.describe_media(upload=upload, user=user, description=one(params(request), "description"))
    return _json(out.media(request, upload))


# Search


@endpoint("GET")
def search_v2(request: HttpRequest) -> HttpResponse:
    """Accounts, statuses and hashtags through the site's search (`type` narrows it to one)."""
    viewer = reader(request)
    found = params(request)
    query = parse_query(one(found, "q"))
    wanted = limit(found)
    kind = one(found, "type")
    result: dict[str, list[Any]] = {"accounts": [], "statuses": [], "hashtags": []}
    me = _me(viewer)
    if kind in ("", "accounts"):
        result["accounts"] = [
            out.account(request, h.obj) for h in search.people(viewer=viewer, query=query, limit=wanted).hits
        ]
    if kind in ("", "statuses"):
        hits = search.artifacts(viewer=viewer, query=query, limit=wanted).hits
        result["statuses"] = out.statuses(request, [h.obj for h in hits], me)
    if kind in ("", "hashtags"):
        result["hashtags"] = [
            out.tag(request, h.obj.name) for h in search.tags(viewer=viewer, query=query, limit=wanted).hits
        ]
    return _json(result)
