"""Participants' blogs registered in a course (Feed) and the entries harvested from them (Entry).

A harvested entry becomes a learning artifact of the blog's owner in the course (posts.Artifact, origin
"harvested"); the Entry row keeps what the harvester needs to recognise the entry next time.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from courses.models import Course
from posts.models import Artifact

MIN_INTERVAL = dt.timedelta(minutes=30)
DEFAULT_INTERVAL = dt.timedelta(hours=1)
MAX_INTERVAL = dt.timedelta(hours=24)
MAX_BACKOFF = dt.timedelta(hours=48)


class FeedStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a facilitator's approval"
    ACTIVE = "active", "Gathered"
    REJECTED = "rejected", "Not approved"
    PAUSED = "paused", "Paused"


class FeedQuerySet(models.QuerySet["Feed"]):
    def due(self, now: dt.datetime | None = None) -> "FeedQuerySet":
        return self.filter(status=FeedStatus.ACTIVE, next_check_at__lte=now or timezone.now())


class Feed(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="feeds")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feeds")
    url = models.URLField("feed address", max_length=1000)
    site_url = models.URLField("blog address", max_length=1000, blank=True)
    title = models.CharField("blog name", max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=FeedStatus.choices, default=FeedStatus.ACTIVE)
    take_all = models.BooleanField(
        "take every post", default=False, help_text="Off: only posts tagged with the course hashtag are gathered."
    )
    # The schedule: each feed carries its own.
    next_check_at = models.DateTimeField(default=timezone.now)
    interval = models.DurationField(default=DEFAULT_INTERVAL)
    failures = models.PositiveIntegerField(default=0, help_text="Failed checks in a row.")
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_new_entry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    warnings = models.CharField(max_length=300, blank=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    failure_notified = models.BooleanField(default=False)
    leased_at = models.DateTimeField(
        null=True, blank=True, help_text="Handed to a worker; cleared when its result is stored."
    )
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = FeedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "url"], name="feed_once_per_course")]
        indexes = [models.Index(fields=["status", "next_check_at"], name="feed_due")]

    def __str__(self) -> str:
        return self.title or self.url

    @property
    def display_name(self) -> str:
        return self.title or self.site_url or self.url

    @property
    def state_in_words(self) -> str:
        """What the owner and the facilitators read about the feed."""
        if self.status != FeedStatus.ACTIVE:
            return str(self.get_status_display())  # type: ignore[attr-defined]
        if self.failures:
            return f"Failing ({self.failures} checks in a row): {self.last_error}"
        if self.last_success_at is None:
            return "Registered; not checked yet"
        return "Working"


class Entry(models.Model):
    """One entry of a feed, stored once per (feed, guid); an updated entry is updated in place."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=500)
    artifact = models.OneToOneField(
        Artifact, on_delete=models.SET_NULL, null=True, blank=True, related_name="harvested_entry"
    )
    link = models.URLField(max_length=1000, blank=True)
    title = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="Hash of what we store, to tell an update from a re-read.")
    taken = models.BooleanField(default=False, help_text="Became a learning artifact in the course.")
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feed", "guid"], name="entry_once_per_feed")]
        indexes = [models.Index(fields=["feed", "-published_at"], name="entry_feed_recent")]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return self.title or self.guid


class DigestSubscription(models.Model):
    """A member's opt-in to The Daily, a course's morning email; `last_sent_on` makes a rerun send nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscriptions")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="digest_subscriptions")
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_on = models.DateField(null=True, blank=True, help_text="The day (UTC) of the last digest sent.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="digest_once_per_course")]

    def __str__(self) -> str:
        return f"{self.user_id} gets The Daily of {self.course_id}"
