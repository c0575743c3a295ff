"""Reports from participants about a post or a comment, and the facilitators' verdicts on them (and on what
the content checks held: a report with no reporter, reason "held", the check's words as its note)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from courses.models import Course
from posts.models import Artifact, Comment


class Reason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    HARASSMENT = "harassment", "Harassment or a personal attack"
    PRIVACY = "privacy", "Shares someone's private information"
    OFF_TOPIC = "off_topic", "Off topic for this course"
    OTHER = "other", "Something else"
    HELD = "held", "Held for review"


class Verdict(models.TextChoices):
    OPEN = "", "Waiting for a facilitator"
    KEPT = "kept", "Kept: nothing wrong"
    REMOVED = "removed", "Removed"
    SPAM = "spam", "Spam: kept hidden"


class Report(models.Model):
    # Empty for what the content checks held (moderation.checks): nobody reported it.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="reports_made"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="reports")
    artifact = models.ForeignKey(Artifact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What was reported, as it read then (the item may be edited or removed later).
    excerpt = models.CharField(max_length=500)
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True, default=Verdict.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["course", "verdict", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "artifact"], condition=Q(verdict="", comment__isnull=True), name="report_post_once"
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"], condition=Q(verdict=""), name="report_comment_once"
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.reason})"
