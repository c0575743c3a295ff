"""Writes for the network: follow, open, share with a note, block, notifications."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Block, User
from core import badges
from core.exceptions import Invalid, NotAllowed
from courses.models import HabitMode
from network.models import Follow, Notification, NotificationKind, NotificationsSeen, Open, Share, TagFollow
from network.selectors import blocked_between
from posts.history import days_changed
from posts.models import Artifact, Comment, Tag, Visibility
from posts.selectors import can_see


class OpenItFirst(NotAllowed):
    default_message = "Open it first: you can share something once you have read or watched it."


class ShareLimitReached(NotAllowed):
    default_message = "You have shared a lot today. Shares open again tomorrow."


def _notify(
    *, recipient: User, actor: User | None, kind: str, artifact: Artifact | None = None, comment: Comment | None = None
) -> Notification | None:
    """Tell someone; never about themselves, and never across a block (mutes are applied when read)."""
    if actor is not None and (actor.pk == recipient.pk or blocked_between(actor, recipient)):
        return None
    badges.forget([recipient.pk])
    return Notification.objects.create(recipient=recipient, actor=actor, kind=kind, artifact=artifact, comment=comment)


def notify_feed_failed(*, recipient: User, feed_name: str, message: str) -> Notification:
    """The harvester could not read someone's blog several times in a row: tell them, in words."""
    text = f"We could not read your blog “{feed_name}” for a while: {message} We will keep trying."
    badges.forget([recipient.pk])
    return Notification.objects.create(
        recipient=recipient, actor=None, kind=NotificationKind.FEED_FAILED, message=text[:400]
    )


@transaction.atomic
def follow(*, follower: User, followee: User) -> Follow:
    """Follow someone. Refused for yourself and across a block."""
    if follower.pk == followee.pk:
        raise Invalid("You cannot follow yourself.")
    if blocked_between(follower, followee):
        raise NotAllowed("You cannot follow this person.")
    existing = Follow.objects.filter(follower=follower, followee=followee).first()
    if existing:
        return existing
    created = Follow.objects.create(follower=follower, followee=followee)
    _notify(recipient=followee, actor=follower, kind=NotificationKind.FOLLOW)
    return created


def unfollow(*, follower: User, followee: User) -> None:
    Follow.objects.filter(follower=follower, followee=followee).delete()


def follow_tag(*, user: User, name: str) -> TagFollow:
    tag = Tag.objects.filter(name=name.lstrip("#").lower()).first()
    if tag is None:
        raise Invalid("No posts use that tag yet.")
    return TagFollow.objects.get_or_create(user=user, tag=tag)[0]


def unfollow_tag(*, user: User, name: str) -> None:
    TagFollow.objects.filter(user=user, tag__name=name.lstrip("#").lower()).delete()


def record_open(*, user: User, artifact: Artifact, via_share: Share | None = None) -> None:
    """Remember that the person opened the artifact (its page, or the original via /go/): one UPDATE when they
    opened it before (every later view of an artifact page), else one INSERT; two people's first opens racing
    end in one row either way."""
    now = timezone.now()
    opened = Open.objects.filter(user=user, artifact=artifact)
    if opened.update(last_opened_at=now, count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            Open.objects.create(
                user=user, artifact=artifact, via_share=via_share, first_opened_at=now, last_opened_at=now
            )
    except IntegrityError:  # opened in another request between the UPDATE and the INSERT: count it there
        opened.update(last_opened_at=now, count=F("count") + 1)


@transaction.atomic
def share(*, sharer: User, artifact: Artifact, note: str = "", now: dt.datetime | None = None) -> Share:
    """Share an artifact with a note on why. Read before you share: refused until the person opened it
    (when the course requires it). One share per item; a daily limit; never on someone's behalf."""
    if not can_see(artifact, sharer) or artifact.visibility == Visibility.DRAFT:
        raise NotAllowed("You cannot share that.")
    if blocked_between(sharer, artifact.author):
        raise NotAllowed("You cannot share that.")
    course = artifact.course
    own = artifact.author_id == sharer.pk
    opened = own or Open.objects.filter(user=sharer, artifact=artifact).exists()
    if course.read_before_share == HabitMode.REQUIRE and not opened:
        raise OpenItFirst()
    if Share.objects.filter(sharer=sharer, artifact=artifact).exists():
        raise Invalid("You have already shared this.")
    now = now or timezone.now()
    if (
        Share.objects.filter(sharer=sharer, created_at__gte=now - dt.timedelta(days=1)).count()
        >= course.daily_share_limit
    ):
        raise ShareLimitReached()
    note = note.strip()
    if len(note) > 500:
        raise Invalid("Please keep your note under 500 characters.")
    created = Share.objects.create(sharer=sharer, artifact=artifact, note=note, own_work=own, created_at=now)
    _notify(recipient=artifact.author, actor=sharer, kind=NotificationKind.SHARE, artifact=artifact)
    return created


def unshare(*, sharer: User, artifact: Artifact) -> None:
    shares = Share.objects.filter(sharer=sharer, artifact=artifact)
    days_changed(shares.values_list("created_at", flat=True))  # a past day loses a share
    shares.delete()


@transaction.atomic
def block(*, blocker: User, blocked: User) -> Block:
    """Block someone: both directions, follows removed both ways."""
    if blocker.pk == blocked.pk:
        raise Invalid("You cannot block yourself.")
    obj, _ = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    Follow.objects.filter(follower=blocker, followee=blocked).delete()
    Follow.objects.filter(follower=blocked, followee=blocker).delete()
    return obj


def unblock(*, blocker: User, blocked: User) -> None:
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()


@transaction.atomic
def mark_read(*, user: User, now: dt.datetime | None = None) -> int:
    """Mark every notification read, including replies (computed when read, so remembered by time)."""
    now = now or timezone.now()
    NotificationsSeen.objects.update_or_create(user=user, defaults={"seen_at": now})
    badges.forget([user.pk])
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now)
