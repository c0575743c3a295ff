"""What the REST API reads and writes: pydantic schemas, built from the models by small functions."""

import datetime as dt
from typing import Annotated

from django.conf import settings
from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, StrictInt, field_validator

from accounts.models import User
from courses.models import Course, LiveSession, Prompt, Week
from posts.models import Artifact, Comment


def _text_only(value: object) -> object:
    """Dates and times come as ISO 8601 text (a bare number is not read as a timestamp)."""
    if not isinstance(value, str | dt.date):
        raise ValueError("write it as ISO 8601 text, e.g. 2027-01-11 or 2027-01-11T19:00:00-07:00")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_text_only)]
IsoDateTime = Annotated[dt.datetime, BeforeValidator(_text_only)]


class InSchema(Schema):
    """What a client sends: no text may hold a NUL character (PostgreSQL's text cannot store one, and no
    person types one), refused as any other invalid field (422)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("Text may not contain a NUL character.")
        return value


class ErrorDetail(Schema):
    code: str = Field(description="A short code for programs: not_found, invalid, forbidden, open_first …")
    message: str = Field(description="What went wrong, in words for a person.")


class ErrorOut(Schema):
    error: ErrorDetail


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class PersonOut(Schema):
    handle: str
    name: str
    bio: str
    url: str

    @staticmethod
    def of(user: User) -> "PersonOut":
        return PersonOut(handle=user.username, name=user.name, bio=user.bio, url=absolute(user.get_absolute_url()))


class CourseOut(Schema):
    slug: str
    title: str
    hashtag: str
    description: str
    start_date: dt.date
    joining_open: bool
    norm_posts: int
    norm_comments: int
    norm_shares: int
    comment_window_days: int
    url: str

    @staticmethod
    def of(course: Course) -> "CourseOut":
        return CourseOut(
            slug=course.slug,
            title=course.title,
            hashtag=course.display_hashtag,
            description=course.description,
            start_date=course.start_date,
            joining_open=course.joining_open,
            norm_posts=course.norm_posts,
            norm_comments=course.norm_comments,
            norm_shares=course.norm_shares,
            comment_window_days=course.comment_window_days,
            url=absolute(course.get_absolute_url()),
        )


class CourseIn(InSchema):
    slug: str = Field(min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    title: str = Field(min_length=1, max_length=150)
    hashtag: str = Field(pattern=r"^#?[A-Za-z][A-Za-z0-9_]{1,39}$", description="e.g. #IMMOOC")
    description: str = Field("", max_length=10_000)
    start_date: IsoDate
    joining_open: StrictBool = True
    norm_posts: StrictInt = Field(1, ge=0, le=50)
    norm_comments: StrictInt = Field(3, ge=0, le=50)
    norm_shares: StrictInt = Field(3, ge=0, le=50)
    comment_window_days: StrictInt = Field(14, ge=1, le=3650)


class CoursePatch(InSchema):
    title: str | None = Field(None, min_length=1, max_length=150)
    hashtag: str | None = Field(None, pattern=r"^#?[A-Za-z][A-Za-z0-9_]{1,39}$")
    description: str | None = Field(None, max_length=10_000)
    start_date: IsoDate | None = None
    joining_open: StrictBool | None = None
    norm_posts: StrictInt | None = Field(None, ge=0, le=50)
    norm_comments: StrictInt | None = Field(None, ge=0, le=50)
    norm_shares: StrictInt | None = Field(None, ge=0, le=50)
    comment_window_days: StrictInt | None = Field(None, ge=1, le=3650)


class PromptOut(Schema):
    number: int
    kind: str
    text: str
    tag: str = Field(description="Tag a response with it to answer the prompt, e.g. immooc-w3-p2.")

    @staticmethod
    def of(prompt: Prompt) -> "PromptOut":
        return PromptOut(number=prompt.number, kind=prompt.kind, text=prompt.text, tag=prompt.tag)


class PromptIn(InSchema):
    kind: str = Field("blog", description="blog, video or image")
    text: str = Field(min_length=1, max_length=2000)


class LiveSessionOut(Schema):
    title: str
    starts_at: dt.datetime
    duration_minutes: int
    join_url: str
    recording_url: str
    show_notes: str

    @staticmethod
    def of(session: LiveSession) -> "LiveSessionOut":
        return LiveSessionOut(
            title=session.title,
            starts_at=session.starts_at,
            duration_minutes=session.duration_minutes,
            join_url=session.join_url,
            recording_url=session.recording_url,
            show_notes=session.show_notes,
        )


class LiveSessionIn(InSchema):
    title: str = Field("", max_length=150)
    starts_at: IsoDateTime = Field(description="With its time zone, e.g. 2026-09-14T19:00:00-06:00.")
    duration_minutes: StrictInt = Field(60, ge=1, le=600)
    join_url: str = Field("", max_length=500)
    recording_url: str = Field("", max_length=500)
    show_notes: str = Field("", max_length=5000)


class WeekOut(Schema):
    number: int
    title: str
    theme_question: str
    starts_on: dt.date
    ends_on: dt.date
    prompts: list[PromptOut]
    live_session: LiveSessionOut | None
    url: str

    @staticmethod
    def of(week: Week) -> "WeekOut":
        session = getattr(week, "live_session", None)
        return WeekOut(
            number=week.number,
            title=week.title,
            theme_question=week.theme_question,
            starts_on=week.starts_on,
            ends_on=week.ends_on,
            prompts=[PromptOut.of(p) for p in week.prompts.all()],
            live_session=LiveSessionOut.of(session) if session is not None else None,
            url=absolute(week.get_absolute_url()),
        )


class WeekIn(InSchema):
    number: StrictInt = Field(ge=1, le=52)
    title: str = Field(min_length=1, max_length=150)
    theme_question: str = Field("", max_length=300)
    starts_on: IsoDate
    ends_on: IsoDate


class ArtifactOut(Schema):
    id: int
    kind: str
    title: str
    body: str = Field(description="The author's Markdown (empty for a post gathered from a blog).")
    html: str = Field(description="The text as sanitised HTML.")
    url: str = Field(description="The link, video or original blog post, if any.")
    visibility: str
    course: str
    author: PersonOut
    prompt: str | None = Field(description="The prompt's tag, when it answers one.")
    tags: list[str]
    published_at: dt.datetime
    page: str = Field(description="The artifact's page on the site.")
    filtered_by: str = Field(
        "", description="The phrase of your keyword filter that folds it behind a warning; empty when none does."
    )

    @staticmethod
    def of(artifact: Artifact) -> "ArtifactOut":
        return ArtifactOut(
            id=artifact.pk,
            kind=artifact.kind,
            title=artifact.title,
            body=artifact.body if not artifact.harvested else "",
            html=artifact.body_html,
            url=artifact.url,
            visibility=artifact.visibility,
            course=artifact.course.slug,
            author=PersonOut.of(artifact.author),
            prompt=artifact.prompt.tag if artifact.prompt_id and artifact.prompt else None,
            tags=sorted(t.name for t in artifact.tags.all()),
            published_at=artifact.published_at,
            page=absolute(artifact.get_absolute_url()),
            filtered_by=getattr(artifact, "filtered_by", ""),
        )


class ArtifactIn(InSchema):
    course: str = Field(description="The course's slug.")
    kind: str = Field("post", description="post, video, image, link or quote")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=50_000, description="Markdown.")
    url: str = Field("", max_length=1000)
    visibility: str = Field("public", description="public, course or draft")
    tags: list[str] = Field(default_factory=list, max_length=20)
    prompt: str | None = Field(None, description="A prompt's tag, e.g. immooc-w1-p1.")


class ArtifactPatch(InSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, max_length=50_000)
    url: str | None = Field(None, max_length=1000)
    visibility: str | None = None
    tags: list[str] | None = Field(None, max_length=20)


class CommentOut(Schema):
    id: int
    artifact: int
    parent: int | None
    author: PersonOut
    body: str
    html: str
    tone: str = Field(description="support, question, challenge or neutral")
    created_at: dt.datetime
    edited: bool
    filtered_by: str = Field(
        "", description="The phrase of your keyword filter that folds it behind a warning; empty when none does."
    )

    @staticmethod
    def of(comment: Comment) -> "CommentOut":
        return CommentOut(
            id=comment.pk,
            artifact=comment.artifact_id,
            parent=comment.parent_id,
            author=PersonOut.of(comment.author),
            body=comment.body,
            html=comment.body_html,
            tone=comment.tone,
            created_at=comment.created_at,
            edited=comment.edited_at is not None,
            filtered_by=getattr(comment, "filtered_by", ""),
        )


class CommentIn(InSchema):
    body: str = Field(min_length=1, max_length=10_000)
    parent: StrictInt | None = Field(None, description="The comment this replies to.")


class ShareIn(InSchema):
    note: str = Field("", max_length=500, description="Why it is worth reading.")


class ShareOut(Schema):
    artifact: int
    note: str
    created_at: dt.datetime


class MuteIn(InSchema):
    days: StrictInt | None = Field(None, ge=1, le=365, description="Empty: until you unmute.")


class NotificationOut(Schema):
    kind: str
    at: dt.datetime
    actor: PersonOut | None
    text: str
    link: str
    filtered_by: str = Field(
        "", description="The phrase of your keyword filter that folds it behind a warning; empty when none does."
    )
