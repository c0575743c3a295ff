"""Daily rollups: per-person, per-network, per-course and reply/share-edge counts for one UTC day."""

from django.conf import settings
from django.db import models

from courses.models import Course, Week


def _count(help_text: str = "") -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0, help_text=help_text)


class PersonDay(models.Model):
    """One person's activity in one course on one UTC day; a row exists only when some count is non-zero."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_days")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="person_days")
    day = models.DateField()
    posted = _count("Artifacts published that day, harvested ones included; drafts never count.")
    harvested = _count("Of `posted`, those gathered from the person's blog.")
    comments_given = _count("Comments and replies written (not removed), own threads included.")
    comments_on_others = _count("Of `comments_given`, those on other people's artifacts (what weekly goals count).")
    given_support = _count()
    given_question = _count()
    given_challenge = _count()
    given_neutral = _count()
    comments_received = _count("Comments by others on their artifacts or replying to their comments, each once.")
    received_support = _count()
    received_question = _count()
    received_challenge = _count()
    received_neutral = _count()
    shares_own = _count("Shares of their own artifacts.")
    shares_others = _count("Shares of other people's artifacts.")
    shares_received = _count("Shares by others of their artifacts.")
    share_opens = _count("Opens first made that day through one of their shares, by someone else.")
    conversed_with = _count("Distinct other people they replied to or were replied to by.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course", "day"], name="person_day_once")]
        indexes = [
            models.Index(fields=["course", "day"], name="person_day_course"),
            models.Index(fields=["user", "day"], name="person_day_user"),
            # Refilling a day deletes it first: without this, that delete scans the whole table.
            models.Index(fields=["day"], name="person_day_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id} on {self.day}"


class NetworkDay(models.Model):
    """A person's network on a day it changed (a follow either way, or a first conversation with someone).

    Totals are as of the end of the day, computed from all history rather than carried from an earlier row.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_days")
    day = models.DateField()
    new_followers = _count()
    followers_total = _count()
    following_total = _count()
    mutuals_total = _count("People who follow them and whom they follow.")
    conversed_total = _count("Distinct people ever conversed with, across courses.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="network_day_once")]
        indexes = [models.Index(fields=["day"], name="network_day_day")]

    def __str__(self) -> str:
        return f"Network of {self.user_id} on {self.day}"


class CourseDay(models.Model):
    """A course's day: one row when anything happened or someone joined."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="course_days")
    day = models.DateField()
    members_total = _count("Members at the end of the day.")
    new_members = _count()
    active_people = _count("Distinct people who posted, commented or shared in the course.")
    posted = _count("Artifacts published, harvested ones included; drafts never count.")
    harvested = _count()
    comments = _count()
    comments_support = _count()
    comments_question = _count()
    comments_challenge = _count()
    comments_neutral = _count()
    shares_own = _count()
    shares_others = _count()
    new_connections = _count("Follows made that day between two members of the course.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "day"], name="course_day_once")]
        indexes = [models.Index(fields=["day"], name="course_day_day")]

    def __str__(self) -> str:
        return f"{self.course_id} on {self.day}"


# A course's weekly norm is at most 50 of each (courses.models), so counts from 50 up share the last bucket.
NORM_CAP = 50


def _histogram() -> list[int]:
    return [0] * (NORM_CAP + 1)


class CourseWeek(models.Model):
    """A course week's spread of effort, as far as the rollups have counted: `posts[n]` is how many people
    posted exactly n times that week (the last bucket: NORM_CAP or more); likewise comments written and
    shares of others' work. The norm table reads one row per week however big the course, and stays right
    when a facilitator changes the norm. Recomputed from PersonDay whenever a day of the week is filled."""

    week = models.OneToOneField(Week, on_delete=models.CASCADE, related_name="rollup")
    active_people = _count("People with any post, comment or share in the course that week.")
    posts = models.JSONField(default=_histogram)
    comments = models.JSONField(default=_histogram)
    shares = models.JSONField(default=_histogram)

    def __str__(self) -> str:
        return f"Week {self.week_id}"

    def reached(self, kind: str, norm: int) -> int:
        """How many active people reached `norm` of this kind (posts, comments or shares) that week."""
        buckets: list[int] = getattr(self, kind)
        return sum(buckets[min(norm, NORM_CAP) :])


class MemberActivity(models.Model):
    """The last UTC day, as far as the rollups have counted, that a person posted or commented in a course:
    who has gone quiet is read from here (one indexed range per course) instead of from every day's rows."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="member_activity")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="course_activity")
    last_active_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="member_activity_once")]
        indexes = [models.Index(fields=["course", "last_active_on"], name="member_activity_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id}: {self.last_active_on}"


class CourseEdgeDay(models.Model):
    """Source replied to or shared target's work in the course that day (never an edge to oneself)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="edge_days")
    day = models.DateField()
    source = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    replies = _count("Comments on target's artifacts plus replies to target's comments.")
    shares = _count("Shares of target's artifacts.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "day", "source", "target"], name="course_edge_day_once")
        ]
        indexes = [
            models.Index(fields=["day"], name="course_edge_day_day"),
            # "Whom had they talked with before?" over a person's whole history, from either side, read
            # from the index alone.
            models.Index(fields=["source", "target", "day", "replies"], name="course_edge_source"),
            models.Index(fields=["target", "source", "day", "replies"], name="course_edge_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} in {self.course_id} on {self.day}"


class FilledDay(models.Model):
    """A UTC day the rollups have counted (written in the same transaction as its rows). Reads that take a
    person's history from the rollups count the days missing here from the source tables instead, so a
    partial backfill never shows a wrong number, only a slower page."""

    day = models.DateField(unique=True)
    filled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Filled {self.day}"


class CourseMap(models.Model):
    """A drawn course network map (the whole season, or one week) and the fingerprint of the rollups it was
    drawn from: kept until that data changes, because laying out thousands of people takes seconds."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="network_maps")
    week_number = models.PositiveSmallIntegerField(default=0, help_text="0 for the whole season.")
    version = models.CharField(max_length=64)
    people = models.PositiveIntegerField(default=0)
    svg = models.TextField()
    summary = models.TextField()
    caption = models.CharField(max_length=300)
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    measures = models.JSONField(default=list)
    table_html = models.TextField(blank=True, help_text="The data table, rendered when drawn (a row per person).")
    drawn_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "week_number"], name="course_map_once")]

    def __str__(self) -> str:
        return f"Map of {self.course_id}, week {self.week_number or 'all'}"
