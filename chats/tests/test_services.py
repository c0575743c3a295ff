"""Scheduling chats and releasing their questions: at their minute, a day or a week apart, or by hand."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from chats import services
from chats.models import Chat, ChatMode, ChatQuestion, ChatVisibility
from chats.tasks import release_due_questions
from core.exceptions import Invalid, NotAllowed
from courses.models import Course
from courses.tests.factories import CourseFactory, WeekFactory
from posts.models import Artifact, Comment, Visibility
from posts.services import add_comment

from .conftest import QUESTIONS, plan


def _times(chat: Chat) -> list[dt.datetime | None]:
    return list(chat.questions.values_list("release_at", flat=True))


def test_a_live_chat_releases_its_questions_minutes_apart(course: Course, george: User) -> None:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    chat = services.schedule_chat(course=course, actor=george, plan=plan(starts_at=start, interval=12))
    assert [q.number for q in chat.questions.all()] == [1, 2, 3]
    assert _times(chat) == [start, start + dt.timedelta(minutes=12), start + dt.timedelta(minutes=24)]


@pytest.mark.parametrize("days", [1, 7])
def test_a_slow_chat_releases_one_question_a_day_or_a_week(course: Course, george: User, days: int) -> None:
    start = timezone.now().replace(microsecond=0)
    chat = services.schedule_chat(
        course=course, actor=george, plan=plan(starts_at=start, mode=ChatMode.SLOW, interval=days)
    )
    assert _times(chat) == [start + dt.timedelta(days=days * n) for n in range(3)]


def test_interval_zero_means_the_facilitator_releases_each_by_hand(course: Course, george: User) -> None:
    chat = services.schedule_chat(course=course, actor=george, plan=plan(interval=0))
    assert _times(chat) == [None, None, None]
    assert services.release_due(now=timezone.now() + dt.timedelta(days=30)) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"questions": []}, "Write at least one question"),
        ({"questions": ["Fine?"] * 31}, "at most 30 questions; this one has 31"),
        ({"questions": ["Fine?", "  "]}, "Q2 is empty"),
        ({"questions": ["x" * 501]}, "Q1 is longer than 500 characters"),
        ({"mode": ChatMode.SLOW, "interval": 3}, "one question a day or one a week"),
        ({"interval": 500}, "1 to 120 minutes apart"),
        ({"title": "   "}, "Give the chat a title"),
        ({"visibility": Visibility.DRAFT}, "who can read the chat"),
    ],
)
def test_bad_plans_are_refused_with_what_to_fix(course: Course, george: User, changes: dict, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        services.schedule_chat(course=course, actor=george, plan=plan(**changes))
    assert not Chat.objects.exists()


def test_a_week_of_another_course_is_refused(course: Course, george: User) -> None:
    other_week = WeekFactory.create(course=CourseFactory.create())
    with pytest.raises(Invalid, match="another course"):
        services.schedule_chat(course=course, actor=george, plan=plan(week=other_week))


def test_only_facilitators_schedule_chats(course: Course, maria: User) -> None:
    with pytest.raises(NotAllowed):
        services.schedule_chat(course=course, actor=maria, plan=plan())


def test_a_question_is_released_at_its_minute_and_not_before(course: Course, george: User) -> None:
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=2)
    chat = services.schedule_chat(course=course, actor=george, plan=plan(starts_at=start))
    assert services.release_due(now=start - dt.timedelta(seconds=1)) == 0
    assert not Artifact.objects.exists()
    assert services.release_due(now=start) == 1
    q1, q2, _q3 = chat.questions.all()
    assert q1.released_at == start
    assert q1.artifact is not None
    assert q2.released_at is None
    assert q2.artifact is None
    assert services.release_due(now=start + dt.timedelta(minutes=25)) == 2
    assert services.release_due(now=start + dt.timedelta(minutes=26)) == 0  # each released once
    assert Artifact.objects.filter(course=course).count() == 3


def test_a_released_question_is_a_post_of_the_course_by_the_facilitator(chat: Chat, george: User) -> None:
    services.release_due()
    question = chat.questions.get(number=1)
    artifact = question.artifact
    assert artifact is not None
    assert artifact.author == george
    assert artifact.course == chat.course
    assert artifact.title == f"Q1: {QUESTIONS[0]}"
    assert QUESTIONS[0] in artifact.body_html
    assert chat.get_absolute_url() in artifact.body_html
    assert artifact.visibility == ChatVisibility.PUBLIC


def test_a_members_only_chat_releases_members_only_questions(course: Course, george: User) -> None:
    services.schedule_chat(
        course=course, actor=george, plan=plan(starts_at=timezone.now(), visibility=ChatVisibility.COURSE)
    )
    services.release_due()
    assert Artifact.objects.get().visibility == Visibility.COURSE


def test_answers_are_comments_on_the_question(chat: Chat, maria: User, devon: User) -> None:
    services.release_due()
    artifact = chat.questions.get(number=1).artifact
    assert artifact is not None
    answer = add_comment(artifact=artifact, author=maria, body="Trying new things with my class.")
    reply = add_comment(artifact=artifact, author=devon, body="What did you try first?", parent=answer)
    assert reply.parent == answer
    assert answer.tone
    assert reply.tone == "question"
    assert Comment.objects.filter(artifact=artifact).count() == 2


def test_the_minute_task_releases_due_questions_of_every_chat(course: Course, george: User) -> None:
    now = timezone.now()
    services.schedule_chat(course=course, actor=george, plan=plan(starts_at=now - dt.timedelta(minutes=11)))
    services.schedule_chat(course=course, actor=george, plan=plan(starts_at=now - dt.timedelta(minutes=1)))
    services.schedule_chat(course=course, actor=george, plan=plan(starts_at=now + dt.timedelta(minutes=1)))
    assert release_due_questions.call_local() == 3
    assert ChatQuestion.objects.filter(released_at__isnull=False).count() == 3


def test_a_question_whose_facilitator_left_does_not_stop_the_others(course: Course, george: User, maria: User) -> None:
    other = CourseFactory.create()
    services.schedule_chat(course=course, actor=george, plan=plan(starts_at=timezone.now()))
    later = services.schedule_chat(course=course, actor=george, plan=plan(starts_at=timezone.now()))
    Chat.objects.filter(pk=later.pk).update(course=other)  # george is not in `other`
    assert services.release_due() == 1
    assert not later.questions.filter(released_at__isnull=False).exists()  # nothing half-written


def test_facilitators_release_a_question_by_hand(chat: Chat, george: User, maria: User) -> None:
    q3 = chat.questions.get(number=3)
    with pytest.raises(NotAllowed):
        services.release_question(question=q3, actor=maria)
    services.release_question(question=q3, actor=george)
    assert q3.released_at is not None
    assert q3.artifact is not None
    with pytest.raises(Invalid, match="Q3 is already out"):
        services.release_question(question=q3, actor=george)
    assert Artifact.objects.count() == 1


def test_editing_keeps_released_questions_and_reschedules_the_rest(chat: Chat, george: User) -> None:
    services.release_due()  # Q1 is out
    start = timezone.now().replace(microsecond=0) + dt.timedelta(hours=3)
    services.update_chat(
        chat=chat, actor=george, plan=plan(starts_at=start, interval=5, questions=[QUESTIONS[0], "A new Q2?"])
    )
    q1, q2 = chat.questions.all()
    assert q1.released_at is not None
    assert (q2.text, q2.release_at) == ("A new Q2?", start + dt.timedelta(minutes=5))
    assert chat.questions.count() == 2


def test_a_released_question_cannot_be_reworded(chat: Chat, george: User) -> None:
    services.release_due()
    with pytest.raises(Invalid, match="Q1 is already out"):
        services.update_chat(chat=chat, actor=george, plan=plan(questions=["Something else?", *QUESTIONS[1:]]))
    services.release_question(question=chat.questions.get(number=3), actor=george)
    with pytest.raises(Invalid, match="Q3 is already out"):
        services.update_chat(chat=chat, actor=george, plan=plan(questions=QUESTIONS[:2]))
    assert list(chat.questions.values_list("text", flat=True)) == QUESTIONS


def test_making_a_chat_members_only_hides_the_questions_already_out(chat: Chat, george: User) -> None:
    services.release_due()
    services.update_chat(chat=chat, actor=george, plan=plan(starts_at=chat.starts_at, visibility=ChatVisibility.COURSE))
    assert set(Artifact.objects.values_list("visibility", flat=True)) == {Visibility.COURSE}


def test_an_edit_never_rewrites_a_question_released_meanwhile(chat: Chat, george: User, monkeypatch) -> None:
    real_time = Chat.release_time
    released: list[int] = []

    def release_during_the_edit(self: Chat, number: int) -> dt.datetime | None:
        if not released:  # Q2 comes out while the edit is writing the waiting questions
            released.append(number)
            services.release_question(question=ChatQuestion.objects.get(chat=self, number=2), actor=george)
        return real_time(self, number)

    monkeypatch.setattr(Chat, "release_time", release_during_the_edit)
    services.update_chat(
        chat=chat,
        actor=george,
        plan=plan(starts_at=chat.starts_at, questions=[*QUESTIONS[:1], "New Q2?", QUESTIONS[2]]),
    )
    assert chat.questions.get(number=2).text == QUESTIONS[1]
