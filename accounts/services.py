"""Writes for people: sign-up, profile changes, mutes."""

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Mute, User
from accounts.search_index import index_people
from core.exceptions import Invalid, NotAllowed
from core.images import clean_image

log = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "display_name",
    "bio",
    "role",
    "subjects",
    "grade_levels",
    "time_zone",
    "website",
    "blog_url",
    "avatar_alt",
    "notification_email",
    "private_profile",
)


def email_domain_blocked(email: str) -> bool:
    """True when the address's domain, or a domain it is under, is in SIGNUP_BLOCKED_EMAIL_DOMAINS (SP5)."""
    domain = email.strip().lower().rpartition("@")[2].rstrip(".")
    blocked = {d.strip().lower().lstrip("@.").rstrip(".") for d in settings.SIGNUP_BLOCKED_EMAIL_DOMAINS}
    return any(domain == d or domain.endswith("." + d) for d in blocked if d)


def approval_needed() -> bool:
    """Whether a new account must wait for a staff member's approval now (SIGNUP_APPROVAL, SP5)."""
    mode = settings.SIGNUP_APPROVAL
    if mode == "always":
        return True
    if mode == "never":
        return False
    unwatched: Callable[[], bool] = import_string(settings.SIGNUP_APPROVAL_CHECK)
    return unwatched()


def register(*, username: str, email: str, password: str, display_name: str = "", vetted: bool = False) -> User:
    """Create an account. Raises Invalid if the handle or email is taken, the email's domain is blocked
    (SIGNUP_BLOCKED_EMAIL_DOMAINS, a domain and its subdomains), or the password is weak. While sign-ups need
    approval (`approval_needed`), the account is made inactive and `awaiting_approval` until staff decide;
    an account an operator makes (`vetted`: the demo's people) is not a sign-up and never waits."""
    if email_domain_blocked(email):
        raise Invalid("We cannot accept sign-ups from that e-mail address's domain. Please use another address.")
    if User.objects.filter(username__iexact=username).exists():
        raise Invalid("That handle is taken. Please choose another.")
    if User.objects.filter(email__iexact=email).exists():
        raise Invalid("That email already has an account.")
    user = User(username=username, email=email.strip().lower(), display_name=display_name.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages)) from None
    user.set_password(password)
    if not vetted and approval_needed():
        user.is_active, user.awaiting_approval = False, True
    user.save()
    if user.is_active:
        index_people([user.pk])
    return user


def _staff(actor: User) -> None:
    if not (actor.is_active and actor.is_staff):
        raise NotAllowed("Only staff decide on sign-ups.")


@transaction.atomic
def approve_signup(*, user: User, actor: User) -> User:
    """Staff let a waiting account in; the person is told by e-mail (after the commit)."""
    _staff(actor)
    if not User.objects.filter(pk=user.pk, awaiting_approval=True).update(is_active=True, awaiting_approval=False):
        raise Invalid("That sign-up was already decided.")
    user.refresh_from_db()
    transaction.on_commit(lambda: index_people([user.pk]))
    transaction.on_commit(lambda: _tell_approved(user))
    return user


def _tell_approved(user: User) -> None:
    login = settings.SITE_URL.rstrip("/") + "/accounts/login/"
    try:
        send_mail(
            "Your Commonplace account is ready",
            f"A moderator approved your sign-up. Log in as @{user.username} at {login}",
            None,
            [user.email],
        )
    except Exception:  # the approval stands; the page already said so, and the person can simply log in
        log.exception("could not e-mail @%s that their sign-up was approved", user.username)


@transaction.atomic
def refuse_signup(*, user: User, actor: User) -> None:
    """Staff turn a waiting account away: it never signed in or wrote anything, so it is deleted (the handle
    and address are free again)."""
    _staff(actor)
    if not User.objects.filter(pk=user.pk, awaiting_approval=True).delete()[0]:
        raise Invalid("That sign-up was already decided.")


@transaction.atomic
def update_profile(*, user: User, avatar: bytes | None = None, remove_avatar: bool = False, **fields: str) -> User:
    """Change profile fields; a new avatar is re-encoded without metadata. Raises Invalid on a bad image."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise Invalid(f"Unknown profile fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(user, name, value)
    old_avatar = user.avatar.name if user.avatar else ""
    if avatar is not None:
        clean = clean_image(avatar)
        user.avatar.save(clean.content.name or "avatar.png", clean.content, save=False)
    elif remove_avatar:
        user.avatar = None  # type: ignore[assignment]
    try:
        user.full_clean(exclude=["password", "username", "email"])
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages)) from None
    user.save()
    index_people([user.pk])
    if old_avatar and (avatar is not None or remove_avatar):
        transaction.on_commit(lambda: user.avatar.storage.delete(old_avatar))
    return user


MUTE_DAYS = (1, 7, 30)


def mute(*, muter: User, muted: User, days: int | None, now: dt.datetime | None = None) -> Mute:
    """Mute someone for 1, 7 or 30 days, or until undone (days=None). The muted person is never told."""
    if muter.pk == muted.pk:
        raise Invalid("You cannot mute yourself.")
    if days is not None and days not in MUTE_DAYS:
        raise Invalid("Choose 1 day, 7 days, 30 days or until you undo it.")
    now = now or timezone.now()
    until = now + dt.timedelta(days=days) if days else None
    mute_row, _ = Mute.objects.update_or_create(muter=muter, muted=muted, defaults={"until": until, "created_at": now})
    return mute_row


def unmute(*, muter: User, muted: User) -> None:
    Mute.objects.filter(muter=muter, muted=muted).delete()
