"""Course services: who may change what, and what they refuse."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from core.exceptions import Invalid, NotAllowed
from courses import services
from courses.models import Course, MemberRole
from courses.tests.factories import BookFactory, CourseFactory, LiveSessionFactory, WeekFactory


@pytest.mark.django_db
def test_create_course_makes_the_creator_facilitator_and_adds_the_hash(outsider: User) -> None:
    course = services.create_course(
        creator=outsider, title="Season 5", slug="season-5", hashtag="IMMOOC", start_date=dt.date(2026, 9, 7)
    )
    assert course.hashtag == "#IMMOOC"
    assert course.enrollments.get().role == MemberRole.FACILITATOR


@pytest.mark.django_db
def test_create_course_refuses_a_reserved_slug(outsider: User) -> None:
    with pytest.raises(Invalid, match="used by the site itself"):
        services.create_course(creator=outsider, title="New", slug="new", hashtag="#new", start_date=dt.date.today())
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_participant_cannot_update_course(maria: User, course: Course) -> None:
    with pytest.raises(NotAllowed):
        services.update_course(course=course, actor=maria, title="Mine now")
    course.refresh_from_db()
    assert course.title == "Innovator's Mindset MOOC"


@pytest.mark.django_db
def test_participant_cannot_edit_week_of_course(maria: User, course: Course) -> None:
    week = course.weeks.get(number=1)
    with pytest.raises(NotAllowed):
        services.save_week(course=course, actor=maria, week=week, title="Changed")
    week.refresh_from_db()
    assert week.title == "What is innovation?"


@pytest.mark.django_db
def test_save_week_refuses_a_book_of_another_course(george: User, course: Course) -> None:
    foreign = BookFactory.create(course=CourseFactory.create())
    week = course.weeks.get(number=1)
    with pytest.raises(NotAllowed):
        services.save_week(course=course, actor=george, week=week, readings=[(foreign, "Chapter 1")])
    assert not week.readings.exists()


@pytest.mark.django_db
def test_save_week_refuses_a_week_of_another_course(george: User, course: Course) -> None:
    foreign = WeekFactory.create(course=CourseFactory.create(), title="Theirs")
    with pytest.raises(NotAllowed):
        services.save_week(course=course, actor=george, week=foreign, title="Mine")
    foreign.refresh_from_db()
    assert foreign.title == "Theirs"


@pytest.mark.django_db
def test_new_prompts_take_the_next_number(george: User, course: Course) -> None:
    week = course.weeks.get(number=1)
    prompt = services.save_prompt(week=week, actor=george, kind="image", text="Share a picture.")
    assert prompt.number == 2


@pytest.mark.django_db
def test_participant_cannot_delete_a_prompt(maria: User, course: Course) -> None:
    prompt = course.weeks.get(number=1).prompts.get()
    with pytest.raises(NotAllowed):
        services.delete_prompt(prompt=prompt, actor=maria)
    assert course.weeks.get(number=1).prompts.exists()


@pytest.mark.django_db
def test_live_session_needs_an_aware_time(george: User, course: Course) -> None:
    with pytest.raises(Invalid):
        services.save_live_session(week=course.weeks.get(number=1), actor=george, starts_at=dt.datetime(2030, 1, 1, 9))


@pytest.mark.django_db
def test_participant_cannot_change_live_session(maria: User, course: Course) -> None:
    week = course.weeks.get(number=1)
    LiveSessionFactory.create(week=week, title="Original")
    with pytest.raises(NotAllowed):
        services.save_live_session(week=week, actor=maria, starts_at=timezone.now(), title="Changed")
    week.live_session.refresh_from_db()
    assert week.live_session.title == "Original"


@pytest.mark.django_db
def test_question_ahead_needs_membership_and_a_session_not_started(maria: User, outsider: User, course: Course) -> None:
    session = LiveSessionFactory.create(week=course.weeks.get(number=1))
    question = services.ask_live_question(session=session, author=maria, text="  How do I start?  ")
    assert question.text == "How do I start?"
    with pytest.raises(NotAllowed):
        services.ask_live_question(session=session, author=outsider, text="Me too?")
    session.starts_at = timezone.now() - dt.timedelta(minutes=1)
    session.save()
    with pytest.raises(Invalid):
        services.ask_live_question(session=session, author=maria, text="Late")


@pytest.mark.django_db
def test_participant_cannot_promote_themself(maria: User, course: Course) -> None:
    with pytest.raises(NotAllowed):
        services.set_role(course=course, actor=maria, user=maria, role=MemberRole.FACILITATOR)
    assert course.enrollments.get(user=maria).role == MemberRole.PARTICIPANT
