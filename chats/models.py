"""Course chats in the Q1/A1 format: a facilitator schedules questions, participants answer A1…An.

A question is released at its minute (or by hand) as an artifact of the course written by the
chat's facilitator, so its answers are ordinary comments on it: tone labels, mutes, blocks, the
nudges, notifications, search and the insights all apply to chat answers as to any reply. Until it
is released a question is only a row here, seen by nobody but the facilitators.
"""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Week
from posts.models import Artifact, Visibility

MAX_QUESTIONS = 30


class ChatMode(models.TextChoices):
    LIVE = "live", "Live: questions a few minutes apart, for an hour together"
    SLOW = "slow", "Slow: one question a day or a week, answered any time"


class ChatVisibility(models.TextChoices):
    PUBLIC = Visibility.PUBLIC.value, "Public — anyone can read it"
    COURSE = Visibility.COURSE.value, "Course members only"


class Chat(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chats")
    week = models.ForeignKey(Week, on_delete=models.SET_NULL, null=True, blank=True, related_name="chats")
    title = models.CharField(max_length=150)
    starts_at = models.DateTimeField(help_text="Stored in UTC; shown in each viewer's own time zone.")
    mode = models.CharField(max_length=8, choices=ChatMode.choices, default=ChatMode.LIVE)
    # Live: minutes between questions (0 = each released by hand). Slow: days between questions (1 or 7).
    interval = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(120)])
    visibility = models.CharField(max_length=10, choices=ChatVisibility.choices, default=ChatVisibility.PUBLIC)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["course", "-starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("chats:chat", kwargs={"slug": self.course.slug, "pk": self.pk})

    @property
    def by_hand(self) -> bool:
        return self.mode == ChatMode.LIVE and self.interval == 0

    def release_time(self, number: int) -> dt.datetime | None:
        """When question `number` is released: None when the facilitator releases each by hand."""
        if self.by_hand:
            return None
        step = dt.timedelta(days=self.interval) if self.mode == ChatMode.SLOW else dt.timedelta(minutes=self.interval)
        return self.starts_at + (number - 1) * step


class ChatQuestionQuerySet(models.QuerySet["ChatQuestion"]):
    def released(self) -> "ChatQuestionQuerySet":
        return self.filter(released_at__isnull=False, artifact__isnull=False)

    def due(self, now: dt.datetime) -> "ChatQuestionQuerySet":
        return self.filter(released_at__isnull=True, release_at__lte=now)


class ChatQuestion(models.Model):
    chat = models.ForeignKey(Chat, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_QUESTIONS)])
    text = models.CharField(max_length=500)
    release_at = models.DateTimeField(null=True, blank=True, help_text="Empty: released by hand.")
    released_at = models.DateTimeField(null=True, blank=True)
    # The question as the course sees it once released; its answers are the comments on it.
    artifact = models.OneToOneField(
        Artifact, on_delete=models.SET_NULL, null=True, blank=True, related_name="chat_question"
    )

    objects = ChatQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["chat", "number"], name="chat_question_number_once")]
        # The minute's sweep finds what is due without reading released questions.
        indexes = [models.Index(fields=["release_at"], condition=Q(released_at__isnull=True), name="chat_question_due")]

    def __str__(self) -> str:
        return f"Q{self.number}: {self.text[:60]}"

    @property
    def label(self) -> str:
        return f"Q{self.number}"

    @property
    def answer_label(self) -> str:
        return f"A{self.number}"


class LinkTitle(models.Model):
    """The title of a page someone linked to in a chat answer, looked up once through the guarded fetch
    client. `error` says why there is none (the page could not be fetched, or has no title)."""

    url = models.URLField(max_length=1000, unique=True)
    title = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title or self.url
