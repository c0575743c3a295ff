"""A course is one season: books, weeks mapped to chapters, prompts, live sessions, members."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.links import link

hashtag_validator = RegexValidator(
    r"^#?[A-Za-z][A-Za-z0-9_]{1,39}$", "A hashtag is a letter followed by letters, digits or underscores, e.g. #IMMOOC."
)


class HabitMode(models.TextChoices):
    OFF = "off", "Off"
    NUDGE = "nudge", "Nudge"
    REQUIRE = "require", "Require"


class CourseQuerySet(models.QuerySet["Course"]):
    def listed(self) -> "CourseQuerySet":
        return self.order_by("-start_date", "title")


class Course(models.Model):
    title = models.CharField(max_length=150)
    slug = models.SlugField(max_length=60, unique=True, help_text="Used in the course's web address.")
    hashtag = models.CharField(max_length=40, validators=[hashtag_validator], help_text="e.g. #IMMOOC")
    description = models.TextField(blank=True)
    start_date = models.DateField()
    joining_open = models.BooleanField(default=True, help_text="Anyone signed in may join.")
    norm_posts = models.PositiveSmallIntegerField("posts a week", default=1, validators=[MaxValueValidator(50)])
    norm_comments = models.PositiveSmallIntegerField("comments a week", default=3, validators=[MaxValueValidator(50)])
    norm_shares = models.PositiveSmallIntegerField("shares a week", default=3, validators=[MaxValueValidator(50)])
    comment_window_days = models.PositiveSmallIntegerField(
        "days comments stay open",
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Counted from each post's publication.",
    )
    # The three habits' mechanisms, each off, nudge, or (read-before-share only) require.
    read_before_share = models.CharField(
        max_length=8,
        choices=HabitMode.choices,
        default=HabitMode.REQUIRE,
        help_text="Share only what you opened: require it, just remind, or turn it off.",
    )
    giving_balance = models.CharField(
        max_length=8,
        choices=HabitMode.choices[:2],
        default=HabitMode.NUDGE,
        help_text="Point it out when someone's own work dominates what they share.",
    )
    tone_nudge = models.CharField(
        max_length=8,
        choices=HabitMode.choices[:2],
        default=HabitMode.NUDGE,
        help_text='Offer "seek first to understand" when a reply reads as a challenge.',
    )
    relationship_nudge = models.CharField(
        max_length=8,
        choices=HabitMode.choices[:2],
        default=HabitMode.NUDGE,
        help_text="Tell someone when their last five replies to one person were all challenges.",
    )
    own_share_threshold = models.FloatField(
        "own-work share threshold",
        default=1 / 3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Nudge above this fraction of own work among a person's shares (default one in three).",
    )
    daily_share_limit = models.PositiveSmallIntegerField(
        "shares per person a day", default=25, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    # Blogs gathered into the course (syndication).
    require_feed_approval = models.BooleanField(
        "approve blogs first",
        default=False,
        help_text="A facilitator approves each blog before its posts are gathered.",
    )
    show_full_posts = models.BooleanField(
        "show gathered posts in full",
        default=False,
        help_text="Off: the course shows an excerpt and links to the author's blog, where the reading happens.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CourseQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(comment_window_days__gte=1), name="course_window_positive")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return link("posts:course", slug=self.slug)

    @property
    def tag(self) -> str:
        """The hashtag as a tag: no '#', lower case."""
        return self.hashtag.lstrip("#").lower()

    @property
    def display_hashtag(self) -> str:
        return "#" + self.hashtag.lstrip("#")

    @property
    def norm_text(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (
            f"{n(self.norm_posts, 'post')}, {n(self.norm_comments, 'comment')}, {n(self.norm_shares, 'share')} a week"
        )


class Book(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=200)
    author = models.CharField(max_length=200)
    link = models.URLField(blank=True, max_length=300)
    pages = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5000)],
        help_text="Optional: how many pages it has, so a reader's percent can be turned into a page.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.author})"


class ReadingStatus(models.TextChoices):
    WANT = "want", "Want to read"
    READING = "reading", "Reading"
    FINISHED = "finished", "Finished"


class ReadingProgress(models.Model):
    """Where a participant is in one of the course's books (the course page shows where everyone is)."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="progress")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading_progress")
    status = models.CharField(max_length=10, choices=ReadingStatus.choices, default=ReadingStatus.READING)
    percent = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    page = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(5000)])
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["book", "user"], name="reading_progress_once")]
        # Where everyone is in a book (courses.selectors.where_everyone_is) counted from the index alone.
        indexes = [models.Index(fields=["book", "status", "percent"], name="reading_progress_where")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.book_id}: {self.status}"


class Week(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="weeks")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(52)])
    title = models.CharField(max_length=150)
    theme_question = models.CharField(max_length=300, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="week_number_unique_in_course"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="week_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Week {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return link("posts:week", slug=self.course.slug, number=self.number)

    def contains(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def span(self) -> tuple[dt.datetime, dt.datetime]:
        """The week as a range of instants, [its first day's midnight, the midnight after its last day), in the
        current time zone: what happened on its days there (a midnight a change of clocks skips is the change's
        instant)."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.starts_on, dt.time.min, tzinfo=zone)
        return start, dt.datetime.combine(self.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


class Reading(models.Model):
    """Which chapters of which book a week reads."""

    week = models.ForeignKey(Week, on_delete=models.CASCADE, related_name="readings")
    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="readings")
    chapters = models.CharField(max_length=300, help_text="e.g. Chapters 1–2: What Is Innovation?")

    class Meta:
        ordering = ["book__position", "id"]

    def __str__(self) -> str:
        return f"{self.book.title}: {self.chapters}"


class PromptKind(models.TextChoices):
    BLOG = "blog", "Blog post"
    VIDEO = "video", "Video"
    IMAGE = "image", "Image"


class Prompt(models.Model):
    week = models.ForeignKey(Week, on_delete=models.CASCADE, related_name="prompts")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])
    kind = models.CharField(max_length=10, choices=PromptKind.choices, default=PromptKind.BLOG)
    text = models.TextField(max_length=2000)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["week", "number"], name="prompt_number_unique_in_week")]

    def __str__(self) -> str:
        return f"Week {self.week.number}, prompt {self.number}"

    def get_absolute_url(self) -> str:
        return link("posts:prompt", slug=self.week.course.slug, number=self.week.number, prompt=self.number)

    @property
    def tag(self) -> str:
        """The tag that marks a response, e.g. immooc-w3-p2."""
        return f"{self.week.course.tag}-w{self.week.number}-p{self.number}"


class LiveSession(models.Model):
    week = models.OneToOneField(Week, on_delete=models.CASCADE, related_name="live_session")
    title = models.CharField(max_length=150, blank=True, help_text="e.g. a guest's name and topic.")
    starts_at = models.DateTimeField(help_text="Stored in UTC; shown in each viewer's own time zone.")
    duration_minutes = models.PositiveSmallIntegerField(default=60, validators=[MaxValueValidator(600)])
    join_url = models.URLField("join link", blank=True, max_length=500)
    recording_url = models.URLField("recording link", blank=True, max_length=500)
    show_notes = models.TextField(
        blank=True, max_length=5000, help_text="After the show: what was discussed, and the links mentioned."
    )

    def __str__(self) -> str:
        return self.title or f"Live session, week {self.week.number}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class LiveQuestion(models.Model):
    """A question a participant sends in ahead of the live session."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_questions")
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True, help_text="Marked answered by a facilitator.")

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class LiveQuestionVote(models.Model):
    """One participant's vote for a question sent in ahead (one each, so the show takes the most wanted first)."""

    question = models.ForeignKey(LiveQuestion, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_question_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "voter"], name="live_question_vote_once")]

    def __str__(self) -> str:
        return f"{self.voter_id} for {self.question_id}"


class MemberRole(models.TextChoices):
    PARTICIPANT = "participant", "Participant"
    FACILITATOR = "facilitator", "Facilitator"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def facilitators(self) -> "EnrollmentQuerySet":
        return self.filter(role=MemberRole.FACILITATOR)


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=12, choices=MemberRole.choices, default=MemberRole.PARTICIPANT)
    joined_at = models.DateTimeField(default=timezone.now)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="one_enrollment_per_person")]
        indexes = [
            models.Index(fields=["user", "course"]),
            # A course's facilitators (its page, its moderation) among thousands of participants.
            models.Index(fields=["course", "role"], name="enrollment_course_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.course_id} ({self.role})"
