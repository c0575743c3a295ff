"""Live-session questions, blogs gathered into a course (feeds), comments edited or removed, and insights."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from accounts.models import User
from api.models import Scope
from api.rest.base import ApiError, readable_by, require
from api.rest.courses import _course, _week
from api.rest.schemas import CommentOut, ErrorOut, InSchema, PersonOut
from courses import services as course_services
from courses.models import LiveQuestion, LiveSession
from courses.selectors import can_facilitate, is_member, live_questions
from insights.selectors import personal_dashboard
from posts import services as post_services
from posts.composer import request_client
from posts.selectors import comment_for
from syndication import services as feed_services
from syndication.models import Feed

router = Router(tags=["live sessions, feeds, comments, insights"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# Questions sent in ahead of a live session


class QuestionOut(Schema):
    id: int
    text: str
    author: PersonOut
    votes: int
    voted: bool = Field(description="Whether you voted for it.")
    answered: bool


class QuestionIn(InSchema):
    text: str = Field(min_length=1, max_length=500)


def _session(request: HttpRequest, slug: str, number: int) -> LiveSession:
    week = _week(_course(slug), number)
    session = getattr(week, "live_session", None)
    if session is None:
        raise ApiError(404, "not_found", f"Week {number} has no live session.")
    return session


def _members_only(request: HttpRequest, session: LiveSession) -> User:
    who = require(request, Scope.READ)
    course = session.week.course
    if not (is_member(course, who) or can_facilitate(course, who)):
        raise ApiError(403, "forbidden", "Members of the course can read the questions sent in.")
    return who


def _question_out(q: LiveQuestion) -> QuestionOut:
    return QuestionOut(
        id=q.pk,
        text=q.text,
        author=PersonOut.of(q.author),
        votes=getattr(q, "vote_count", 0),
        voted=bool(getattr(q, "voted", False)),
        answered=q.answered_at is not None,
    )


@router.get("/courses/{slug}/weeks/{number}/live/questions", response={200: list[QuestionOut], **ERRORS})
def list_questions(request: HttpRequest, slug: str, number: int) -> list[QuestionOut]:
    """The questions sent in ahead: not yet answered first, then the most votes (members only)."""
    session = _session(request, slug, number)
    return [_question_out(q) for q in live_questions(session, _members_only(request, session))]


@router.post("/courses/{slug}/weeks/{number}/live/questions", response={201: QuestionOut, **ERRORS})
def ask(request: HttpRequest, slug: str, number: int, data: QuestionIn) -> Status[QuestionOut]:
    session = _session(request, slug, number)
    question = course_services.ask_live_question(session=session, author=require(request, Scope.WRITE), text=data.text)
    return Status(201, _question_out(question))


def _question(request: HttpRequest, slug: str, number: int, pk: int) -> LiveQuestion:
    session = _session(request, slug, number)
    _members_only(request, session)
    question = session.questions.select_related("session__week__course", "author").filter(pk=pk).first()
    if question is None:
        raise ApiError(404, "not_found", "No such question.")
    return question


@router.post("/courses/{slug}/weeks/{number}/live/questions/{pk}/vote", response={200: dict[str, bool], **ERRORS})
def vote(request: HttpRequest, slug: str, number: int, pk: int) -> dict[str, bool]:
    """Vote for a question, or take your vote back (one each); says whether you now vote for it."""
    question = _question(request, slug, number, pk)
    return {"voted": course_services.toggle_question_vote(question=question, voter=require(request, Scope.WRITE))}


class AnsweredIn(InSchema):
    answered: bool = True


@router.post("/courses/{slug}/weeks/{number}/live/questions/{pk}/answered", response={204: None, **ERRORS})
def answered(request: HttpRequest, slug: str, number: int, pk: int, data: AnsweredIn) -> Status[None]:
    """A facilitator marks a question answered during the show (or not)."""
    question = _question(request, slug, number, pk)
    course_services.mark_answered(question=question, actor=require(request, Scope.FACILITATE), answered=data.answered)
    return Status(204, None)


# Blogs gathered into a course


class FeedOut(Schema):
    id: int
    course: str
    owner: str
    url: str
    site_url: str
    title: str
    status: str
    take_all: bool
    failures: int
    last_checked_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str

    @staticmethod
    def of(feed: Feed) -> "FeedOut":
        return FeedOut(
            id=feed.pk,
            course=feed.course.slug,
            owner=feed.owner.username,
            url=feed.url,
            site_url=feed.site_url,
            title=feed.title,
            status=feed.status,
            take_all=feed.take_all,
            failures=feed.failures,
            last_checked_at=feed.last_checked_at,
            last_success_at=feed.last_success_at,
            last_error=feed.last_error,
        )


class FeedIn(InSchema):
    url: str = Field(min_length=1, max_length=1000, description="The feed's address (RSS or Atom).")
    title: str = Field("", max_length=200)
    site_url: str = Field("", max_length=1000)


@router.post("/courses/{slug}/feeds", response={201: FeedOut, **ERRORS})
def register_feed(request: HttpRequest, slug: str, data: FeedIn) -> Status[FeedOut]:
    """Gather your blog's posts tagged with the course hashtag into the course."""
    me = require(request, Scope.WRITE)
    feed = feed_services.register_feed(
        course=_course(slug), owner=me, actor=me, url=data.url, title=data.title, site_url=data.site_url
    )
    return Status(201, FeedOut.of(feed))


def _feed(request: HttpRequest, pk: int, scope: str) -> tuple[Feed, User]:
    me = require(request, scope)
    feed = Feed.objects.select_related("course", "owner").filter(pk=pk).first()
    if feed is None or not (feed.owner_id == me.pk or can_facilitate(feed.course, me)):
        raise ApiError(404, "not_found", "No such blog.")  # someone else's blog is not yours to see
    return feed, me


@router.get("/me/feeds", response={200: list[FeedOut], **ERRORS})
def my_feeds(request: HttpRequest) -> list[FeedOut]:
    """Your blogs in every course, and whether each works."""
    me = require(request, Scope.READ)
    return [FeedOut.of(f) for f in Feed.objects.filter(owner=me).select_related("course", "owner")]


@router.get("/feeds/{pk}", response={200: FeedOut, **ERRORS})
def get_feed(request: HttpRequest, pk: int) -> FeedOut:
    return FeedOut.of(_feed(request, pk, Scope.READ)[0])


@router.post("/feeds/{pk}/check", response={202: dict[str, str], **ERRORS})
def check_feed(request: HttpRequest, pk: int) -> Status[dict[str, str]]:
    """Ask for the blog to be checked as soon as a worker is free."""
    feed, me = _feed(request, pk, Scope.WRITE)
    feed_services.check_now(feed=feed, actor=me)
    return Status(202, {"status": "queued"})


@router.delete("/feeds/{pk}", response={204: None, **ERRORS})
def remove_feed(request: HttpRequest, pk: int) -> Status[None]:
    feed, me = _feed(request, pk, Scope.WRITE)
    feed_services.remove_feed(feed=feed, actor=me)
    return Status(204, None)


# Comments: edit your own, remove


class CommentEdit(InSchema):
    body: str = Field(min_length=1, max_length=10_000)


def _comment(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    found = comment_for(pk, readable_by(request))
    if found is None or found.removed_at is not None:
        raise ApiError(404, "not_found", "No such comment.")
    return found


@router.patch("/comments/{pk}", response={200: CommentOut, **ERRORS})
def edit_comment(request: HttpRequest, pk: int, data: CommentEdit) -> CommentOut:
    """Edit your own comment while its thread is open."""
    comment = post_services.edit_comment(
        comment=_comment(request, pk),
        actor=require(request, Scope.WRITE),
        body=data.body,
        client=request_client(request),
    )
    return CommentOut.of(comment)


@router.delete("/comments/{pk}", response={204: None, **ERRORS})
def remove_comment(request: HttpRequest, pk: int) -> Status[None]:
    """Remove your own comment (or, as a facilitator, one in your course)."""
    post_services.remove_comment(comment=_comment(request, pk), actor=require(request, Scope.WRITE))
    return Status(204, None)


# Insights


class StreakOut(Schema):
    course: str
    weeks: int = Field(description="Weeks in a row with the weekly goal met.")


class InsightsOut(Schema):
    reflection: str = Field(description="A sentence about your week.")
    active_weeks: int
    opens: int = Field(description="How often others opened your work.")
    shares_received: int
    numbers: dict[str, int]
    streaks: list[StreakOut]


@router.get("/me/insights", response={200: InsightsOut, **ERRORS})
def my_insights(request: HttpRequest) -> InsightsOut:
    """The numbers behind your dashboard (the charts are on the site)."""
    board = personal_dashboard(require(request, Scope.READ), today=timezone.localdate())
    return InsightsOut(
        reflection=board.reflection,
        active_weeks=board.active_weeks,
        opens=board.opens_total,
        shares_received=board.shares_received_total,
        numbers=board.numbers,
        streaks=[StreakOut(course=s.course.slug, weeks=s.streak.weeks) for s in board.streaks],
    )
