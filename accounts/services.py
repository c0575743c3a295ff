"""Writes for people: sign-up, profile changes, mutes."""

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Mute, User
from accounts.search_index import index_people
from core.exceptions import Invalid
from core.images import clean_image

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


def register(*, username: str, email: str, password: str, display_name: str = "") -> User:
    """Create an account. Raises Invalid if the handle or email is taken, the email's domain is blocked
    (SIGNUP_BLOCKED_EMAIL_DOMAINS, a domain and its subdomains), or the password is weak."""
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
    user.save()
    index_people([user.pk])
    return user


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
