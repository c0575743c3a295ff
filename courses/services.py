"""Writes for courses: seasons, books, weeks, prompts, live sessions and membership."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from core.exceptions import Invalid, NotAllowed
from courses.models import (
    Book,
    Course,
    Enrollment,
    LiveQuestion,
    LiveQuestionVote,
    LiveSession,
    MemberRole,
    Prompt,
    Reading,
    ReadingProgress,
    ReadingStatus,
    Week,
)
from courses.selectors import can_facilitate, is_member


def _validated(obj: Any, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages)) from None


# Course addresses that other pages use under /courses/.
RESERVED_SLUGS = frozenset({"new"})


def _check_slug(course: Course) -> None:
    if course.slug.lower() in RESERVED_SLUGS:
        raise Invalid(f"“{course.slug}” is used by the site itself. Please choose another web address name.")


def _require_facilitator(course: Course, actor: User) -> None:
    if not can_facilitate(course, actor):
        raise NotAllowed("Only this course's facilitators can change it.")


@transaction.atomic
def create_course(*, creator: User, **fields: Any) -> Course:
    """Create a season with its creator as first facilitator. Raises Invalid on bad fields or a taken slug."""
    course = Course(**fields)
    course.hashtag = "#" + course.hashtag.lstrip("#")
    _check_slug(course)
    _validated(course)
    course.save()
    Enrollment.objects.create(course=course, user=creator, role=MemberRole.FACILITATOR)
    return course


@transaction.atomic
def update_course(*, course: Course, actor: User, **fields: Any) -> Course:
    _require_facilitator(course, actor)
    for name, value in fields.items():
        setattr(course, name, value)
    course.hashtag = "#" + course.hashtag.lstrip("#")
    _check_slug(course)
    _validated(course)
    course.save()
    return course


def join(*, course: Course, user: User) -> Enrollment:
    """Join a course as a participant. Raises NotAllowed when joining is closed."""
    existing = Enrollment.objects.filter(course=course, user=user).first()
    if existing:
        return existing
    if not course.joining_open:
        raise NotAllowed("Joining this course is closed. Ask a facilitator to add you.")
    try:
        with transaction.atomic():
            return Enrollment.objects.create(course=course, user=user, role=MemberRole.PARTICIPANT)
    except IntegrityError:
        return Enrollment.objects.get(course=course, user=user)


@transaction.atomic
def leave(*, course: Course, user: User) -> None:
    """Leave a course. The last facilitator cannot leave (the course would have no one to run it)."""
    enrollment = Enrollment.objects.select_for_update().filter(course=course, user=user).first()
    if enrollment is None:
        return
    if enrollment.role == MemberRole.FACILITATOR and course.enrollments.facilitators().count() == 1:
        raise NotAllowed("You are this course's only facilitator. Add another facilitator before you leave.")
    enrollment.delete()


@transaction.atomic
def set_role(*, course: Course, actor: User, user: User, role: str) -> Enrollment:
    """Make a member a facilitator or participant (adding them if needed)."""
    _require_facilitator(course, actor)
    if role not in MemberRole.values:
        raise Invalid("Unknown role.")
    enrollment, _ = Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": role})
    if enrollment.role != role:
        if enrollment.role == MemberRole.FACILITATOR and course.enrollments.facilitators().count() == 1:
            raise NotAllowed("A course needs at least one facilitator.")
        enrollment.role = role
        enrollment.save(update_fields=["role"])
    return enrollment


@transaction.atomic
def save_book(*, course: Course, actor: User, book: Book | None = None, **fields: Any) -> Book:
    _require_facilitator(course, actor)
    if book is None:
        position = (course.books.aggregate(m=Max("position"))["m"] or 0) + 1
        book = Book(course=course, position=position)
    elif book.course_id != course.pk:
        raise NotAllowed("That book belongs to another course.")
    for name, value in fields.items():
        setattr(book, name, value)
    _validated(book)
    book.save()
    return book


@transaction.atomic
def save_week(
    *,
    course: Course,
    actor: User,
    week: Week | None = None,
    readings: list[tuple[Book, str]] | None = None,
    **fields: Any,
) -> Week:
    """Create or change a week; `readings` (book, chapters) replaces the week's readings when given."""
    _require_facilitator(course, actor)
    if week is None:
        week = Week(course=course)
    elif week.course_id != course.pk:
        raise NotAllowed("That week belongs to another course.")
    for name, value in fields.items():
        setattr(week, name, value)
    if week.starts_on and week.ends_on and week.ends_on < week.starts_on:
        raise Invalid("A week must end on or after the day it starts.")
    if course.weeks.filter(number=week.number).exclude(pk=week.pk).exists():
        raise Invalid(f"This course already has a week {week.number}.")
    _validated(week, exclude=["course"])
    week.save()
    if readings is not None:
        week.readings.all().delete()
        for book, chapters in readings:
            if book.course_id != course.pk:
                raise NotAllowed("That book belongs to another course.")
            if chapters.strip():
                Reading.objects.create(week=week, book=book, chapters=chapters.strip())
    return week


@transaction.atomic
def save_prompt(*, week: Week, actor: User, prompt: Prompt | None = None, **fields: Any) -> Prompt:
    """Create or change a numbered prompt; a new prompt takes the next free number."""
    _require_facilitator(week.course, actor)
    if prompt is None:
        number = (week.prompts.aggregate(m=Max("number"))["m"] or 0) + 1
        prompt = Prompt(week=week, number=number)
    elif prompt.week_id != week.pk:
        raise NotAllowed("That prompt belongs to another week.")
    for name, value in fields.items():
        setattr(prompt, name, value)
    if week.prompts.filter(number=prompt.number).exclude(pk=prompt.pk).exists():
        raise Invalid(f"Week {week.number} already has a prompt {prompt.number}.")
    _validated(prompt, exclude=["week"])
    prompt.save()
    return prompt


@transaction.atomic
def delete_prompt(*, prompt: Prompt, actor: User) -> None:
    _require_facilitator(prompt.week.course, actor)
    prompt.delete()


@transaction.atomic
def save_live_session(*, week: Week, actor: User, starts_at: dt.datetime, **fields: Any) -> LiveSession:
    """Create or change the week's live session (`starts_at` must be time-zone aware)."""
    _require_facilitator(week.course, actor)
    if starts_at.tzinfo is None:
        raise Invalid("The live session's time needs a time zone.")
    session = LiveSession.objects.filter(week=week).first() or LiveSession(week=week)
    session.starts_at = starts_at
    for name, value in fields.items():
        setattr(session, name, value)
    _validated(session, exclude=["week"])
    session.save()
    return session


def ask_live_question(*, session: LiveSession, author: User, text: str) -> LiveQuestion:
    """Send a question ahead of a live session. Members only; refused once the session has started."""
    if not is_member(session.week.course, author):
        raise NotAllowed("Join the course to send in a question.")
    if timezone.now() >= session.starts_at:
        raise Invalid("This session has already started; questions sent ahead are closed.")
    text = text.strip()
    if not text:
        raise Invalid("Please write your question.")
    if len(text) > 500:
        raise Invalid("Please keep your question under 500 characters.")
    return LiveQuestion.objects.create(session=session, author=author, text=text)


@transaction.atomic
def toggle_question_vote(*, question: LiveQuestion, voter: User) -> bool:
    """Vote for a question sent in ahead, or take the vote back; returns whether the person now votes for it.
    Members only, one vote each, not for your own question, and only until the session ends."""
    session = question.session
    if not is_member(session.week.course, voter):
        raise NotAllowed("Join the course to vote for questions.")
    if question.author_id == voter.pk:
        raise Invalid("That is your own question: votes are for other people's.")
    if timezone.now() >= session.ends_at:
        raise Invalid("The session is over, so voting is closed.")
    removed, _ = LiveQuestionVote.objects.filter(question=question, voter=voter).delete()
    if removed:
        return False
    try:
        with transaction.atomic():
            LiveQuestionVote.objects.create(question=question, voter=voter)
    except IntegrityError:  # a second click that raced the first: the vote is there once
        pass
    return True


def mark_answered(*, question: LiveQuestion, actor: User, answered: bool = True) -> LiveQuestion:
    """A facilitator marks a question answered during the show (or takes the mark back)."""
    _require_facilitator(question.session.week.course, actor)
    question.answered_at = timezone.now() if answered else None
    question.save(update_fields=["answered_at"])
    return question


def set_reading_progress(
    *, book: Book, user: User, status: str, percent: int | None = None, page: int | None = None
) -> ReadingProgress:
    """Say where you are in a course book: want to read, reading (with a page or a percent, both optional)
    or finished. Members only."""
    if not is_member(book.course, user):
        raise NotAllowed("Join the course to share where you are in its books.")
    if status not in ReadingStatus.values:
        raise Invalid("Choose want to read, reading or finished.")
    if percent is not None and not 0 <= percent <= 100:
        raise Invalid("A percent is between 0 and 100.")
    if page is not None and not 1 <= page <= 5000:
        raise Invalid("A page number is between 1 and 5,000.")
    if status == ReadingStatus.FINISHED:
        percent = 100
    elif status == ReadingStatus.WANT:
        percent = page = None
    progress, _ = ReadingProgress.objects.update_or_create(
        book=book,
        user=user,
        defaults={"status": status, "percent": percent, "page": page, "updated_at": timezone.now()},
    )
    return progress
