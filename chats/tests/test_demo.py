"""The demo season's chats: one held (with answers, a reply and titled links), a slow one under way, one to come."""

import pytest
from django.core.management import call_command

from chats.models import Chat, ChatQuestion
from posts.models import Comment

pytestmark = pytest.mark.django_db


def test_demo_chats_are_added_once_to_the_demo_course() -> None:
    call_command("demo", "--if-empty", stdout=None)
    call_command("demo_chats")
    held, slow, coming = (Chat.objects.get(title__startswith=prefix) for prefix in ("Week 2", "Slow", "Week 3"))
    assert held.questions.released().count() == 3
    assert slow.questions.released().count() == 2  # a question a day, started a day ago
    assert not coming.questions.released().exists()
    answers = Comment.objects.filter(artifact__chat_question__chat=held)
    assert answers.filter(parent__isnull=True).count() == 7
    assert answers.filter(parent__isnull=False).count() == 1
    call_command("demo_chats")
    assert Chat.objects.count() == 3
    assert ChatQuestion.objects.count() == 9


def test_without_the_demo_course_nothing_is_added() -> None:
    call_command("demo_chats")
    assert not Chat.objects.exists()
