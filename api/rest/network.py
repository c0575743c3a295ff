"""The network: shares (read before you share), follows, mutes, blocks, notifications, people."""

from django.http import HttpRequest
from ninja import Router, Status

from accounts import services as accounts_services
from accounts.models import User
from api.models import Scope
from api.rest.artifacts import visible_artifact
from api.rest.base import ApiError, readable_by, require
from api.rest.schemas import ErrorOut, MuteIn, NotificationOut, PersonOut, ShareIn, ShareOut, absolute
from network import services
from network.selectors import notifications_for, profile_of

router = Router(tags=["network"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _person(request: HttpRequest, handle: str) -> User:
    person = profile_of(handle, readable_by(request))
    if person is None:
        raise ApiError(404, "not_found", "No such person.")
    return person


@router.post("/artifacts/{pk}/share", response={201: ShareOut, **ERRORS})
def share(request: HttpRequest, pk: int, data: ShareIn) -> Status[ShareOut]:
    """Share an artifact with a note. Read before you share: in a course that requires it, an artifact you
    have not opened is refused with 409 and the same words as on the site (open it first: GET
    /api/v1/artifacts/{pk} for a post written here, its /go/ link for a blog post or link)."""
    sharer = require(request, Scope.WRITE)
    try:
        made = services.share(sharer=sharer, artifact=visible_artifact(request, pk), note=data.note)
    except services.OpenItFirst as exc:
        raise ApiError(409, "open_first", exc.message) from None
    except services.ShareLimitReached as exc:
        raise ApiError(429, "share_limit", exc.message) from None
    return Status(201, ShareOut(artifact=pk, note=made.note, created_at=made.created_at))


@router.delete("/artifacts/{pk}/share", response={204: None, **ERRORS})
def unshare(request: HttpRequest, pk: int) -> Status[None]:
    services.unshare(sharer=require(request, Scope.WRITE), artifact=visible_artifact(request, pk))
    return Status(204, None)


@router.get("/people/{handle}", response={200: PersonOut, **ERRORS})
def person(request: HttpRequest, handle: str) -> PersonOut:
    return PersonOut.of(_person(request, handle))


@router.post("/people/{handle}/follow", response={204: None, **ERRORS})
def follow(request: HttpRequest, handle: str) -> Status[None]:
    services.follow(follower=require(request, Scope.WRITE), followee=_person(request, handle))
    return Status(204, None)


@router.delete("/people/{handle}/follow", response={204: None, **ERRORS})
def unfollow(request: HttpRequest, handle: str) -> Status[None]:
    services.unfollow(follower=require(request, Scope.WRITE), followee=_person(request, handle))
    return Status(204, None)


@router.post("/tags/{name}/follow", response={204: None, **ERRORS})
def follow_tag(request: HttpRequest, name: str) -> Status[None]:
    """Follow a tag (a course's hashtag follows the course)."""
    services.follow_tag(user=require(request, Scope.WRITE), name=name)
    return Status(204, None)


@router.delete("/tags/{name}/follow", response={204: None, **ERRORS})
def unfollow_tag(request: HttpRequest, name: str) -> Status[None]:
    services.unfollow_tag(user=require(request, Scope.WRITE), name=name)
    return Status(204, None)


@router.post("/me/mutes/{handle}", response={204: None, **ERRORS})
def mute(request: HttpRequest, handle: str, data: MuteIn) -> Status[None]:
    """Mute someone for some days (or until you unmute); they are never told."""
    accounts_services.mute(muter=require(request, Scope.WRITE), muted=_person(request, handle), days=data.days)
    return Status(204, None)


@router.delete("/me/mutes/{handle}", response={204: None, **ERRORS})
def unmute(request: HttpRequest, handle: str) -> Status[None]:
    accounts_services.unmute(muter=require(request, Scope.WRITE), muted=_person(request, handle))
    return Status(204, None)


@router.post("/me/blocks/{handle}", response={204: None, **ERRORS})
def block(request: HttpRequest, handle: str) -> Status[None]:
    services.block(blocker=require(request, Scope.WRITE), blocked=_person(request, handle))
    return Status(204, None)


@router.delete("/me/blocks/{handle}", response={204: None, **ERRORS})
def unblock(request: HttpRequest, handle: str) -> Status[None]:
    blocker = require(request, Scope.WRITE)
    blocked = User.objects.filter(username__iexact=handle).first()
    if blocked is None:
        raise ApiError(404, "not_found", "No such person.")
    services.unblock(blocker=blocker, blocked=blocked)
    return Status(204, None)


@router.get("/me", response={200: PersonOut, **ERRORS})
def me(request: HttpRequest) -> PersonOut:
    return PersonOut.of(require(request, Scope.READ))


@router.get("/me/notifications", response={200: list[NotificationOut], **ERRORS})
def notifications(request: HttpRequest) -> list[NotificationOut]:
    """Your latest notifications (replies, mentions, shares, follows …), newest first."""
    items = notifications_for(require(request, Scope.READ))
    return [
        NotificationOut(
            kind=item.kind,
            at=item.created_at,
            actor=PersonOut.of(item.actor) if item.actor is not None else None,
            text=item.text,
            link=absolute(item.url),
            filtered_by=item.filtered_by,
        )
        for item in items
    ]
