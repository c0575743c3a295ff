"""People: a custom user model carrying the public profile."""

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.links import link

TIME_ZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]

handle_validator = RegexValidator(
    r"^[A-Za-z0-9_]{2,30}$",
    "Use 2 to 30 letters, digits or underscores (no spaces), e.g. maria_lopez.",
)


class Role(models.TextChoices):
    TEACHER = "teacher", "Teacher"
    PRINCIPAL = "principal", "Principal"
    COACH = "coach", "Instructional coach"
    LIBRARIAN = "librarian", "Librarian"
    STUDENT_TEACHER = "student_teacher", "Student teacher"
    OTHER = "other", "Other"


def avatar_path(instance: "User", filename: str) -> str:
    return f"avatars/{filename}"


class NotificationEmail(models.TextChoices):
    OFF = "off", "Off"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


SHOWN_FIELDS = {"username", "display_name", "private_profile"}  # what network maps draw of a person


class User(AbstractUser):
    """A person on Commonplace. `username` is the @handle people see and mention."""

    username = models.CharField(
        "handle",
        max_length=30,
        unique=True,
        validators=[handle_validator, UnicodeUsernameValidator()],
        help_text="Your @handle: 2 to 30 letters, digits or underscores.",
        error_messages={"unique": "That handle is taken. Please choose another."},
    )
    email = models.EmailField(
        "email address", unique=True, error_messages={"unique": "That email already has an account."}
    )
    display_name = models.CharField(max_length=80, blank=True, help_text="How your name appears to others.")
    bio = models.TextField(max_length=600, blank=True, help_text="A few sentences about you and your work.")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.TEACHER)
    subjects = models.CharField(max_length=200, blank=True, help_text="Comma-separated, e.g. Science, Maths.")
    grade_levels = models.CharField(max_length=100, blank=True, help_text="e.g. K–2, Grade 7, High school.")
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES, default="UTC")
    website = models.URLField(blank=True, max_length=300)
    blog_url = models.URLField("blog address", blank=True, max_length=300)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    avatar_alt = models.CharField(max_length=200, blank=True)
    private_profile = models.BooleanField(
        "keep my name out of network maps",
        default=False,
        help_text="Course network maps, their measures and their downloads (for facilitators and researchers) "
        "show you as “Participant N” instead of your name.",
    )
    notification_email = models.CharField(
        "notification emails",
        max_length=10,
        choices=NotificationEmail.choices,
        default=NotificationEmail.WEEKLY,
        help_text="A summary of unread notifications by email: daily, weekly or off.",
    )
    awaiting_approval = models.BooleanField(
        default=False,
        editable=False,
        help_text="Signed up while sign-ups needed a moderator's approval (SIGNUP_APPROVAL): cannot sign in "
        "until a staff member approves.",
    )
    shown_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the handle, name or map privacy may last have changed: stored network maps drawn "
        "before it are redrawn.",
    )

    session_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised each time the account is disabled: the sessions signed in before end for good, even "
        "if the account is enabled again (accounts.signals).",
    )

    class Meta:
        constraints = [models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique")]
        # The media view asks who has an avatar by its file name: only people with one are in it.
        indexes = [models.Index(fields=["avatar"], condition=~Q(avatar=""), name="user_avatar")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Any save that may change how the person is shown (a full save, or one naming those fields) marks
        `shown_changed_at`; saving only other fields (the last login, say) does not."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or SHOWN_FIELDS & set(update_fields):
            self.shown_changed_at = timezone.now()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "shown_changed_at"}
        super().save(*args, **kwargs)

    def get_session_auth_hash(self) -> str:
        """What every signed-in session is checked against: Django's hash of the password hash (a new password
        ends the other sessions), with `session_version` mixed in once the account has been disabled."""
        return self._versioned(super().get_session_auth_hash(), secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        """The same under each of SECRET_KEY_FALLBACKS, so rotating the key brings no old session back."""
        for secret, base in zip(settings.SECRET_KEY_FALLBACKS, super().get_session_auth_fallback_hash(), strict=True):
            yield self._versioned(base, secret=secret)

    def _versioned(self, base: str, *, secret: str | bytes | None) -> str:
        if not self.session_version:
            return base
        return salted_hmac(
            "commonplace.accounts.session_version", f"{base}:{self.session_version}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_absolute_url(self) -> str:
        return link("network:person", username=self.username)

    def subject_list(self) -> list[str]:
        return [s.strip() for s in self.subjects.split(",") if s.strip()]


class MuteQuerySet(models.QuerySet["Mute"]):
    def active(self, now: dt.datetime | None = None) -> "MuteQuerySet":
        """Mutes in force: until-undone ones and those whose time has not run out."""
        return self.filter(Q(until__isnull=True) | Q(until__gt=now or timezone.now()))


class Mute(models.Model):
    """One person stops seeing another for a while; the muted person is never told."""

    muter = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mutes")
    muted = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField(null=True, blank=True, help_text="Empty: until undone.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = MuteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_once"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="no_self_mute"),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} muted {self.muted_id}"


class Block(models.Model):
    """Stronger than a mute: neither person sees, follows, replies to or mentions the other."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="no_self_block"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class FilterContext(models.TextChoices):
    """Where a keyword filter applies."""

    HOME = "home", "Home timeline"
    COURSES = "courses", "Course streams, prompts and tags"
    NOTIFICATIONS = "notifications", "Notifications"
    COMMENTS = "comments", "Comments"


class FilterAction(models.TextChoices):
    HIDE = "hide", "Hide completely"
    WARN = "warn", "Fold behind a warning"


class ExpiryChoice(models.TextChoices):
    NEVER = "never", "Never"
    DAY = "1", "After 1 day"
    WEEK = "7", "After 7 days"
    MONTH = "30", "After 30 days"


class KeywordFilterQuerySet(models.QuerySet["KeywordFilter"]):
    def active(self, now: dt.datetime | None = None) -> "KeywordFilterQuerySet":
        """Filters in force: those without an expiry and those whose expiry is still ahead."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))


class KeywordFilter(models.Model):
    """A word or phrase one person does not want to see, in the places they chose (as in Mastodon)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="keyword_filters")
    phrase = models.CharField(max_length=100)
    whole_word = models.BooleanField(default=True)
    in_home = models.BooleanField(default=True)
    in_courses = models.BooleanField(default=True)
    in_notifications = models.BooleanField(default=True)
    in_comments = models.BooleanField(default=True)
    action = models.CharField(max_length=10, choices=FilterAction.choices, default=FilterAction.WARN)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    created_at = models.DateTimeField(default=timezone.now)

    objects = KeywordFilterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("owner", Lower("phrase"), name="keyword_filter_phrase_once"),
        ]
        ordering = ["phrase", "id"]

    def __str__(self) -> str:
        return f"{self.owner_id} filters {self.phrase!r}"

    @property
    def contexts(self) -> list[str]:
        """The places the filter applies, as FilterContext values."""
        return [c.value for c in FilterContext if getattr(self, f"in_{c.value}")]

    def contexts_display(self) -> str:
        return ", ".join(FilterContext(c).label for c in self.contexts)
