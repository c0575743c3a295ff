"""Courses, their weeks, prompts and live sessions, and joining them."""

from django.http import HttpRequest
from ninja import Router, Status

from api.models import Scope
from api.rest.base import ApiError, readable_by, require
from api.rest.schemas import (
    CourseIn,
    CourseOut,
    CoursePatch,
    ErrorOut,
    LiveSessionIn,
    LiveSessionOut,
    PromptIn,
    PromptOut,
    WeekIn,
    WeekOut,
)
from courses import services
from courses.models import Course, Week
from courses.selectors import course_list, role_in, weeks_with_detail

router = Router(tags=["courses"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _course(slug: str) -> Course:
    course = Course.objects.filter(slug=slug).first()
    if course is None:
        raise ApiError(404, "not_found", "No such course.")
    return course


def _week(course: Course, number: int) -> Week:
    week = weeks_with_detail(course).filter(number=number).first()
    if week is None:
        raise ApiError(404, "not_found", f"{course.title} has no week {number}.")
    return week


@router.get("/courses", response={200: list[CourseOut], **ERRORS})
def list_courses(request: HttpRequest) -> list[CourseOut]:
    """Every course, newest season first."""
    return [CourseOut.of(c) for c in course_list(readable_by(request))[:200]]


@router.post("/courses", response={201: CourseOut, **ERRORS})
def create_course(request: HttpRequest, data: CourseIn) -> Status[CourseOut]:
    """Start a course; you are its first facilitator. Needs the facilitate scope."""
    course = services.create_course(creator=require(request, Scope.FACILITATE), **data.dict())
    return Status(201, CourseOut.of(course))


@router.get("/courses/{slug}", response={200: CourseOut, **ERRORS})
def get_course(request: HttpRequest, slug: str) -> CourseOut:
    readable_by(request)
    return CourseOut.of(_course(slug))


@router.patch("/courses/{slug}", response={200: CourseOut, **ERRORS})
def update_course(request: HttpRequest, slug: str, data: CoursePatch) -> CourseOut:
    """Change a course you facilitate."""
    actor = require(request, Scope.FACILITATE)
    course = services.update_course(
        course=_course(slug), actor=actor, **data.dict(exclude_unset=True, exclude_none=True)
    )
    return CourseOut.of(course)


@router.post("/courses/{slug}/enrollment", response={200: dict[str, str], **ERRORS})
def join(request: HttpRequest, slug: str) -> dict[str, str]:
    """Join the course as a participant (or see your role if you are in it)."""
    enrollment = services.join(course=_course(slug), user=require(request, Scope.WRITE))
    return {"role": enrollment.role}


@router.delete("/courses/{slug}/enrollment", response={204: None, **ERRORS})
def leave(request: HttpRequest, slug: str) -> Status[None]:
    services.leave(course=_course(slug), user=require(request, Scope.WRITE))
    return Status(204, None)


@router.get("/courses/{slug}/weeks", response={200: list[WeekOut], **ERRORS})
def list_weeks(request: HttpRequest, slug: str) -> list[WeekOut]:
    """The course's weeks with their prompts and live sessions."""
    readable_by(request)
    return [WeekOut.of(w) for w in weeks_with_detail(_course(slug))]


@router.post("/courses/{slug}/weeks", response={201: WeekOut, **ERRORS})
def create_week(request: HttpRequest, slug: str, data: WeekIn) -> Status[WeekOut]:
    course = _course(slug)
    week = services.save_week(course=course, actor=require(request, Scope.FACILITATE), **data.dict())
    return Status(201, WeekOut.of(_week(course, week.number)))


@router.put("/courses/{slug}/weeks/{number}", response={200: WeekOut, **ERRORS})
def update_week(request: HttpRequest, slug: str, number: int, data: WeekIn) -> WeekOut:
    course = _course(slug)
    actor = require(request, Scope.FACILITATE)
    week = services.save_week(course=course, actor=actor, week=_week(course, number), **data.dict())
    return WeekOut.of(_week(course, week.number))


@router.post("/courses/{slug}/weeks/{number}/prompts", response={201: PromptOut, **ERRORS})
def create_prompt(request: HttpRequest, slug: str, number: int, data: PromptIn) -> Status[PromptOut]:
    """Add the week's next prompt (numbered automatically)."""
    actor = require(request, Scope.FACILITATE)
    prompt = services.save_prompt(week=_week(_course(slug), number), actor=actor, **data.dict())
    return Status(201, PromptOut.of(prompt))


@router.put("/courses/{slug}/weeks/{number}/live", response={200: LiveSessionOut, **ERRORS})
def save_live_session(request: HttpRequest, slug: str, number: int, data: LiveSessionIn) -> LiveSessionOut:
    """Create or change the week's live session."""
    actor = require(request, Scope.FACILITATE)
    session = services.save_live_session(week=_week(_course(slug), number), actor=actor, **data.dict())
    return LiveSessionOut.of(session)


@router.get("/courses/{slug}/role", response={200: dict[str, str | None], **ERRORS})
def my_role(request: HttpRequest, slug: str) -> dict[str, str | None]:
    """Your role in the course: participant, facilitator, or null."""
    return {"role": role_in(_course(slug), readable_by(request))}
