"""Learning artifacts (post, video, image, link), their tags, and comments."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Block, Mute, User
from accounts.selectors import apart
from core.arrays import one_of
from core.links import link
from core.video import Video
from courses.models import Book, Course, Enrollment, MemberRole, Prompt
from courses.selectors import memberships


class Kind(models.TextChoices):
    POST = "post", "Post"
    VIDEO = "video", "Video"
    IMAGE = "image", "Image"
    LINK = "link", "Link"
    QUOTE = "quote", "Quote or note"


BOOK_MAX_PAGE = 5000
PASSAGE_MAX = 2000


class Origin(models.TextChoices):
    NATIVE = "native", "Posted here"
    HARVESTED = "harvested", "Gathered from the author's blog"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public — anyone can see it"
    COURSE = "course", "Course members only"
    DRAFT = "draft", "Private draft — only you"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    def __str__(self) -> str:
        return f"#{self.name}"

    def get_absolute_url(self) -> str:
        return link("posts:tag", name=self.name)


def facilitated_courses(viewer: User) -> "models.QuerySet[Enrollment, Any]":
    """The ids of the courses the viewer facilitates, as a subquery."""
    return Enrollment.objects.filter(user_id=viewer.pk, role=MemberRole.FACILITATOR).values("course_id")


def held_seen_q(viewer: User | AnonymousUser, via: str = "", course: str = "course_id") -> Q:
    """Which held items the viewer may see: none when signed out; their own, and those in the courses they
    facilitate (site staff: all). Items not held pass. `course` is the path from the row to its course."""
    return _held_seen(viewer, via, course, memberships(viewer) if viewer.is_authenticated else None)  # type: ignore[arg-type]


def _held_seen(
    viewer: User | AnonymousUser, via: str, course: str, known: tuple[frozenset[int], frozenset[int]] | None
) -> Q:
    not_held = Q(**{f"{via}held_reason": ""})
    if not viewer.is_authenticated:
        return not_held
    if viewer.is_staff:
        return Q()
    seen = not_held | Q(**{f"{via}author_id": viewer.pk})
    if known is None:
        return seen | Q(**{f"{via}{course}__in": facilitated_courses(viewer)})  # type: ignore[arg-type]
    return seen | one_of(f"{via}{course}", known[1]) if known[1] else seen


def visible_q(viewer: User | AnonymousUser, via: str = "") -> Q:
    """The one visibility rule, as a condition: public to all, course-only to members, drafts to their author,
    nothing across a block either way, and an item held for a facilitator (moderation) only to its author
    and the course's facilitators.

    `via` is the path to the artifact from the rows being filtered ("artifact__" for comments), so a query
    that starts from a person's own rows (their replies, their mentions) checks each row's artifact as it
    joins it, instead of listing every artifact the person may see first.
    """
    if not viewer.is_authenticated:
        return Q(**{f"{via}visibility": Visibility.PUBLIC, f"{via}held_reason": ""})
    author = f"{via}author_id"
    course_only = Q(**{f"{via}visibility": Visibility.COURSE})
    # In a request, the viewer's courses and the people on the other side of a block are values read once
    # (`memberships`, `accounts.selectors.apart`), and a part that cannot match (no courses, no blocks) is left
    # out; elsewhere they are subqueries. The same rule either way.
    known, away = memberships(viewer), apart(viewer)  # type: ignore[arg-type]
    reach = Q(**{f"{via}visibility": Visibility.PUBLIC}) | Q(**{author: viewer.pk})
    if known is None:
        reach |= course_only & Q(**{f"{via}course_id__in": viewer.enrollments.values("course_id")})  # type: ignore[union-attr]
    elif known[0]:
        reach |= course_only & one_of(f"{via}course_id", known[0])
    rule = reach & _held_seen(viewer, via, "course_id", known)
    # A block hides both people from each other, everywhere.
    if away is None:
        return rule & ~(
            Q(**{f"{author}__in": Block.objects.filter(blocker_id=viewer.pk).values("blocked_id")})
            | Q(**{f"{author}__in": Block.objects.filter(blocked_id=viewer.pk).values("blocker_id")})
        )
    return rule & ~one_of(author, away.blocked) if away.blocked else rule


class ArtifactQuerySet(models.QuerySet["Artifact"]):
    def visible_to(self, viewer: User | AnonymousUser) -> "ArtifactQuerySet":
        """The one visibility rule (`visible_q`): public to all, course-only to members, drafts to their author."""
        return self.filter(visible_q(viewer))

    def unmuted_for(self, viewer: User | AnonymousUser, now: dt.datetime | None = None) -> "ArtifactQuerySet":
        """Lists and timelines leave out people the viewer has muted (their pages stay reachable)."""
        return self.filter(unmuted_q(viewer, now=now))

    def published(self) -> "ArtifactQuerySet":
        """Out for everyone it is meant for: not a draft, not held for a facilitator (the writer finds a held
        post on their own page, the facilitators in the moderation queue)."""
        return self.filter(published_q())


def unmuted_q(viewer: User | AnonymousUser, via: str = "", now: dt.datetime | None = None) -> Q:
    """`ArtifactQuerySet.unmuted_for` as a condition: not by someone the viewer has muted; `via` is the path to the
    artifact ("artifact__" from shares)."""
    if not viewer.is_authenticated:
        return Q()
    author = f"{via}author_id"
    away = apart(viewer) if now is None else None  # in a request, the muted people's ids, read once
    if away is not None:
        return ~one_of(author, away.muted) if away.muted else Q()
    return ~Q(**{f"{author}__in": Mute.objects.active(now).filter(muter_id=viewer.pk).values("muted_id")})


def published_q(via: str = "") -> Q:
    """`ArtifactQuerySet.published` as a condition; `via` is the path to the artifact ("artifact__" from shares)."""
    return ~Q(**{f"{via}visibility": Visibility.DRAFT}) & Q(**{f"{via}held_reason": ""})


def image_path(instance: "Artifact", filename: str) -> str:
    return f"artifacts/{filename}"


class Artifact(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="artifacts")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="artifacts")
    prompt = models.ForeignKey(Prompt, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.POST)
    title = models.CharField(max_length=200)
    body = models.TextField("text", blank=True, max_length=50_000, help_text="Markdown.")
    body_html = models.TextField(blank=True, editable=False)
    url = models.URLField(blank=True, max_length=1000)
    video_provider = models.CharField(max_length=10, blank=True, editable=False)
    video_id = models.CharField(max_length=20, blank=True, editable=False)
    image = models.ImageField(upload_to=image_path, blank=True, width_field="image_width", height_field="image_height")
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_alt = models.CharField("image description", max_length=500, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    # Harvested from the author's blog (syndication): the original stays where the reading happens.
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.NATIVE)
    source_name = models.CharField("blog name", max_length=200, blank=True)
    excerpt = models.TextField(blank=True, editable=False, help_text="Plain-text opening of a harvested post.")
    tags = models.ManyToManyField(Tag, blank=True, related_name="artifacts")
    # Reading together: anchored to a page or chapter of a course book (any kind may be; a quote must be).
    # Readers who have not reached the page yet see it folded (posts.reading).
    book = models.ForeignKey(Book, on_delete=models.SET_NULL, null=True, blank=True, related_name="quotes")
    chapter = models.CharField(max_length=120, blank=True)
    page = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(BOOK_MAX_PAGE)]
    )
    passage = models.TextField("quoted passage", blank=True, max_length=PASSAGE_MAX, help_text="The book's words.")
    # Held for a facilitator (moderation): why, in words; empty when it is not held. While held, only its
    # author and the course's facilitators see it (`visible_q`), and nobody is notified of it.
    held_reason = models.CharField(max_length=200, blank=True, default="")
    published_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ArtifactQuerySet.as_manager()

    # The phrase of the viewer's warning filter that a list's artifact matches (`posts.selectors.filter_keeper`), set
    # on the artifact read for that viewer; none otherwise. A default here, so a Django template asking for it finds
    # it: a missing attribute makes the template engine list the object's attributes (`dir`), 0.35 ms a timeline.
    filtered_by: str = ""

    class Meta:
        indexes = [
            models.Index(fields=["course", "-published_at", "-id"], name="artifact_course_stream"),
            models.Index(fields=["author", "-published_at", "-id"], name="artifact_author_stream"),
            models.Index(fields=["prompt", "-published_at", "-id"], name="artifact_prompt_stream"),
            # Lists that walk everything newest first and stop after a page (a much-used tag's list); the author
            # last, so the home timeline of someone following many people walks it without reading the table.
            models.Index(fields=["-published_at", "-id", "author"], name="artifact_newest"),
            # A book's quotes and notes in page order (the book page).
            models.Index(fields=["book", "page", "id"], name="artifact_book_pages"),
            # What waits for a facilitator (the moderation queue): only held rows are in it.
            models.Index(fields=["course", "created_at"], condition=~Q(held_reason=""), name="artifact_held"),
            # Who may fetch an image (the media view asks by file name): only rows with an image are in it.
            models.Index(fields=["image"], condition=~Q(image=""), name="artifact_image"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="image") | ~Q(image=""), name="image_artifact_has_image"),
            models.CheckConstraint(
                condition=Q(kind__in=["post", "image", "quote"]) | ~Q(url=""), name="video_and_link_have_url"
            ),
            models.CheckConstraint(
                condition=Q(page__isnull=True) | Q(page__gte=1, page__lte=BOOK_MAX_PAGE), name="artifact_page_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return link("posts:artifact", pk=self.pk)

    def tag_list(self) -> list[Tag]:
        """The artifact's tags, as `tags.all()` gives them: those loaded with it (the cards, a prefetch) without
        making the related manager (`artifact.tags` makes one each time it is read, ~10 µs: twice a card, a
        twentieth of a list page), else read from the database."""
        loaded = getattr(self, "_prefetched_objects_cache", {}).get("tags")
        return list(loaded if loaded is not None else self.tags.all())

    @property
    def held(self) -> bool:
        return bool(self.held_reason)

    @property
    def harvested(self) -> bool:
        return self.origin == Origin.HARVESTED

    @property
    def video(self) -> Video | None:
        if self.video_provider and self.video_id:
            return Video(self.video_provider, self.video_id)
        return None

    @property
    def comments_close_at(self) -> dt.datetime:
        return self.published_at + dt.timedelta(days=self.course.comment_window_days)

    def comments_open(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) < self.comments_close_at


class Tone(models.TextChoices):
    SUPPORT = "support", "Support"
    QUESTION = "question", "Question"
    CHALLENGE = "challenge", "Challenge"
    NEUTRAL = "neutral", "Neutral"


def shown_comment_q(via: str = "") -> Q:
    """Comments that count for everyone: not removed and not held for a facilitator. Counts, notifications,
    mentions and rollups read these; a thread shows a held comment to its writer and the facilitators only
    (`CommentQuerySet.seen_by`)."""
    return Q(**{f"{via}removed_at__isnull": True, f"{via}held_reason": ""})


def comment_seen_q(viewer: User | AnonymousUser) -> Q:
    """`CommentQuerySet.seen_by` as a condition (for a statement that reads other comments too)."""
    return held_seen_q(viewer, course="artifact__course_id")


# The two people a comment answers, kept on it and each indexed with its time (Comment.artifact_author, parent_author).
ADDRESSEES = ("artifact_author", "parent_author")


def addressed_to_q(person: User) -> Q:
    """Comments addressed to the person: on their work, or answering their comment (a thread's top comment)."""
    return Q(artifact_author=person) | Q(parent_author=person)


class CommentQuerySet(models.QuerySet["Comment"]):
    def shown(self) -> "CommentQuerySet":
        return self.filter(shown_comment_q())

    def seen_by(self, viewer: User | AnonymousUser) -> "CommentQuerySet":
        """Leave out the held comments the viewer may not see (all but their own and, for a facilitator,
        those in their courses). The artifact's own visibility is `visible_q(viewer, via="artifact__")`."""
        return self.filter(comment_seen_q(viewer))


class Comment(models.Model):
    """A reply on an artifact, threaded one level deep (a reply to a reply joins its parent's thread)."""

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(editable=False)
    tone = models.CharField(max_length=10, choices=Tone.choices, default=Tone.NEUTRAL)
    tone_predicted = models.CharField(max_length=10, choices=Tone.choices, default=Tone.NEUTRAL, editable=False)
    tone_corrected = models.BooleanField(default=False, help_text="The writer changed the classifier's label.")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Held for a facilitator (moderation): why, in words; empty when it is not held. See Artifact.held_reason.
    held_reason = models.CharField(max_length=200, blank=True, default="")
    # Whom the comment answers, copied from its artifact and its parent when it is written (`save`; neither ever
    # changes): a person's replies are then two index ranges, newest first (notifications), instead of every comment
    # on all their work gathered and sorted (13,000 for a prolific author at 1M: 90 ms).
    artifact_author = models.ForeignKey(  # indexed with the time below (Meta), not alone
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False
    )
    parent_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+", editable=False, db_index=False
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["artifact", "created_at"]),
            models.Index(fields=["author", "created_at"]),
            models.Index(fields=["created_at"], name="comment_day"),  # the nightly rollup reads one day
            # What waits for a facilitator (the moderation queue): only held rows are in it.
            models.Index(fields=["created_at"], condition=~Q(held_reason=""), name="comment_held"),
            models.Index(fields=["artifact_author", "created_at"], name="comment_to_artifact_author"),
            models.Index(fields=["parent_author", "created_at"], name="comment_to_parent_author"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(parent=models.F("id")), name="comment_not_own_parent")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.artifact_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:  # whom it answers (bulk loads set these themselves: network.scale)
            self.artifact_author_id = self.artifact.author_id
            self.parent_author_id = self.parent.author_id if self.parent is not None else None
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The comment's address (`posts.views.comment_at`), which goes on to the page of threads holding it."""
        return link("posts:comment", pk=self.pk)

    @property
    def held(self) -> bool:
        return bool(self.held_reason)


class Mention(models.Model):
    """A person @mentioned in an artifact's text or in a comment, recorded when the text is written or edited.

    Notifications read these rows (an index lookup per person) instead of searching every text for `@handle`.
    `comment` is empty for a mention in the artifact itself. `created_at` is when the mention was made: the
    comment's time, or the artifact's publication. Who may see it is decided when read, by the one visibility
    rule, so a mention in a draft or a course-only post reaches no one who cannot see it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions")
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="mentions")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="mentions")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "comment"], condition=Q(comment__isnull=False), name="mention_once_per_comment"
            ),
            models.UniqueConstraint(
                fields=["user", "artifact"], condition=Q(comment__isnull=True), name="mention_once_per_artifact"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.comment_id or self.artifact_id}"


class ChangedDay(models.Model):
    """A past UTC day whose activity changed after the fact: a comment removed or re-toned, a post deleted,
    made a draft or published with an old date (a blog post gathered late), a share withdrawn. Rollups of
    that day (insights) are stale from `changed_at` until the day is counted again."""

    day = models.DateField(unique=True)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} changed at {self.changed_at}"
