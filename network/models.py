"""The network: follows, opens, shares with a note, notifications, and personal weekly goals."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from courses.models import Course
from posts.models import Artifact, Comment, Tag


class Follow(models.Model):
    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following")
    followee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=F("followee")), name="no_self_follow"),
        ]
        indexes = [
            models.Index(fields=["followee", "created_at"]),
            models.Index(fields=["created_at"], name="follow_day"),  # the nightly rollup reads one day
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followee_id}"


class TagFollow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="tag_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → #{self.tag_id}"


class Share(models.Model):
    """A person passing on an artifact they opened, with an optional note on why it is worth the time."""

    sharer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares")
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="shares")
    note = models.CharField(max_length=500, blank=True)
    own_work = models.BooleanField(default=False, help_text="The sharer wrote the artifact (for the giving balance).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sharer", "artifact"], name="share_once")]
        indexes = [
            models.Index(fields=["sharer", "-created_at", "-id"], name="share_sharer_recent"),
            # The home timeline reads followed people's newest shares as (time, artifact) from the index alone.
            models.Index(fields=["sharer", "-created_at", "-artifact"], name="share_sharer_artifact"),
            models.Index(fields=["artifact", "created_at"], name="share_artifact"),
            # The newest shares, walked by the home timeline (`network.selectors._TimelineRead._walked`) with the
            # sharer in the index, so the table is not read; and one day's, read by the nightly rollup.
            models.Index(fields=["created_at", "artifact", "sharer"], name="share_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.sharer_id} shared {self.artifact_id}"


class Open(models.Model):
    """A person opened an artifact: its page, or the original through our tracked link."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opens")
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="opens")
    via_share = models.ForeignKey(Share, on_delete=models.SET_NULL, null=True, blank=True, related_name="opens")
    first_opened_at = models.DateTimeField(default=timezone.now)
    last_opened_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "artifact"], name="open_once_per_person")]
        indexes = [
            models.Index(fields=["user", "-last_opened_at"]),
            models.Index(fields=["first_opened_at"], name="open_day"),  # the nightly rollup reads one day
        ]

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.artifact_id}"


class NotificationKind(models.TextChoices):
    FOLLOW = "follow", "followed you"
    SHARE = "share", "shared your work"
    REPLY = "reply", "replied to your work"
    MENTION = "mention", "mentioned you"
    FEED_FAILED = "feed_failed", "your feed failed"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    message = models.CharField(max_length=400, blank=True, help_text="Words for notices that have no actor.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.kind} → {self.recipient_id}"


class WeeklyGoal(models.Model):
    """A participant's own weekly goal in a course; without a row, the course norm is the goal."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_goals")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="weekly_goals")
    posts = models.PositiveSmallIntegerField(default=1, validators=[MaxValueValidator(50)])
    comments = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(50)])
    shares = models.PositiveSmallIntegerField(default=3, validators=[MaxValueValidator(50)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_goal_per_course")]

    def __str__(self) -> str:
        return f"Goal of {self.user_id} in {self.course_id}"


class NotificationsSeen(models.Model):
    """When the person last marked their notifications read: replies are computed when read and have no row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notifications_seen"
    )
    seen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} read up to {self.seen_at:%Y-%m-%d %H:%M}"


class SummaryEmail(models.Model):
    """A notification summary sent to a person for one period; the constraint makes sending it twice impossible."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summary_emails")
    period = models.CharField(max_length=10)
    period_start = models.DateField(help_text="The UTC day (daily) or the Monday of the week (weekly).")
    sent_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "period", "period_start"], name="one_summary_per_period")
        ]
        indexes = [models.Index(fields=["user", "-sent_at"], name="summary_latest")]

    def __str__(self) -> str:
        return f"{self.period} summary for {self.user_id} ({self.period_start})"
