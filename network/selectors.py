"""Reads for the network: relationships, opens, giving balance, share advice, notifications."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Block, Mute, User
from courses.models import HabitMode
from network.models import Follow, Notification, Open, Share
from posts.models import Artifact

Viewer = User | AnonymousUser
BALANCE_DAYS = 30


def is_following(follower: Viewer, followee: User) -> bool:
    return follower.is_authenticated and Follow.objects.filter(follower_id=follower.pk, followee=followee).exists()


def has_opened(user: Viewer, artifact: Artifact) -> bool:
    return user.is_authenticated and Open.objects.filter(user_id=user.pk, artifact=artifact).exists()


def blocked_between(a: User, b: User) -> bool:
    """True when either person has blocked the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def active_mute(muter: User, muted: User, now: dt.datetime | None = None) -> Mute | None:
    now = now or timezone.now()
    return Mute.objects.active(now).filter(muter=muter, muted=muted).first()


@dataclass(frozen=True)
class Balance:
    own: int
    others: int

    @property
    def total(self) -> int:
        return self.own + self.others

    @property
    def own_ratio(self) -> float:
        return self.own / self.total if self.total else 0.0

    def after_sharing(self, *, own: bool) -> "Balance":
        return Balance(self.own + int(own), self.others + int(not own))


def giving_balance(user: User, *, days: int = BALANCE_DAYS, now: dt.datetime | None = None) -> Balance:
    """Own work vs others' work among the person's shares over the last `days` days."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    recent = Share.objects.filter(sharer=user, created_at__gte=since)
    own = recent.filter(own_work=True).count()
    return Balance(own=own, others=recent.count() - own)


@dataclass(frozen=True)
class ShareAdvice:
    """What the share dialog tells the person before they share."""

    opened: bool
    allowed: bool
    balance: Balance
    would_tip_balance: bool
    suggestions: list[Artifact]
    already_shared: bool


def share_advice(user: User, artifact: Artifact) -> ShareAdvice:
    """Can they share it yet, and would sharing their own work tip their giving balance over the threshold."""
    course = artifact.course
    opened = has_opened(user, artifact) or artifact.author_id == user.pk
    allowed = opened or course.read_before_share != HabitMode.REQUIRE
    balance = giving_balance(user)
    own = artifact.author_id == user.pk
    tips = (
        course.giving_balance == HabitMode.NUDGE
        and own
        and balance.after_sharing(own=True).own_ratio > course.own_share_threshold
    )
    suggestions = unshared_opened_by_others(user, limit=3) if tips else []
    return ShareAdvice(
        opened=opened,
        allowed=allowed,
        balance=balance,
        would_tip_balance=tips,
        suggestions=suggestions,
        already_shared=Share.objects.filter(sharer=user, artifact=artifact).exists(),
    )


def unshared_opened_by_others(user: User, *, limit: int = 3) -> list[Artifact]:
    """Others' work the person opened and has not shared yet, most recently opened first."""
    return list(
        Artifact.objects.visible_to(user)
        .published()
        .filter(opens__user=user)
        .exclude(author=user)
        .exclude(Exists(Share.objects.filter(sharer=user, artifact=OuterRef("pk"))))
        .select_related("author")
        .order_by("-opens__last_opened_at")[:limit]
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user: User, *, limit: int = 50) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .exclude(actor__in=Mute.objects.active().filter(muter=user).values("muted"))
        .select_related("actor", "artifact", "comment")
        .order_by("-created_at", "-id")[:limit]
    )
