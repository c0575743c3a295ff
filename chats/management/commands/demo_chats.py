"""Add course chats to the demo season: one held last week (its archive), a slow chat under way, one to come.

Run after `demo`; it does nothing when the demo course already has chats (or there is no demo course).
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from chats import services
from chats.models import ChatMode, ChatQuestion, ChatVisibility, LinkTitle
from network.management import demo_content as content
from network.management.commands.demo import demo_course, demo_users
from posts.services import add_comment

HELD = [
    "What does “innovation” mean in your classroom right now?",
    "Which idea from chapters 1–2 made you stop and think?",
    "What is one small thing you will try this week?",
]
HELD_ANSWERS = [
    [
        ("maria", "Letting my fifth graders pick how they show what they learned. Small, but new for us."),
        ("devon", "Giving teachers time to visit each other's rooms. https://example.org/learning-walks"),
        ("aisha", "Asking more questions than I answer."),
    ],
    [
        ("kenji", "“Innovation is a way of thinking.” I had filed it under gadgets."),
        ("maria", "The part about isolation being the enemy of improvement."),
    ],
    [
        ("priya", "A genius hour on Friday afternoons. https://example.org/genius-hour-starter"),
        ("liam", "Blogging with my class, once a week."),
    ],
]
# (question number, answer index): a reply to that answer.
REPLIES = {(1, 1): ("maria", "How do you fit the visits into the timetable?")}
SLOW = [
    "Who is in your learning network this season, and how did you find them?",
    "Share a post from someone else that changed your mind this week.",
    "What question would you ask George Couros?",
    "What will you keep doing after the course ends?",
]
SLOW_ANSWERS = [
    [("amara", "Mostly people from this course. Three of them teach grade 5 like me.")],
    [("sofia", "Maria's post on student choice. https://example.org/student-choice")],
]
TITLES = {
    "https://example.org/learning-walks": "Learning walks: visiting each other's classrooms",
    "https://example.org/genius-hour-starter": "A genius hour starter kit",
    "https://example.org/student-choice": "Student choice in grade 5",
}


class Command(BaseCommand):
    help = "Add the demo chats to the demo course (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        course = demo_course()
        if course is None or course.chats.exists():
            return
        people = {user.username: user for user in demo_users()}
        george = people[content.FACILITATOR]
        now = timezone.now().replace(second=0, microsecond=0)
        evening = now.replace(hour=19, minute=0)
        with transaction.atomic():
            held = services.schedule_chat(
                course=course,
                actor=george,
                plan=services.ChatPlan(
                    title="Week 2 chat: what innovation looks like",
                    starts_at=evening - dt.timedelta(days=6),
                    mode=ChatMode.LIVE,
                    interval=10,
                    visibility=ChatVisibility.PUBLIC,
                    questions=HELD,
                ),
            )
            slow = services.schedule_chat(
                course=course,
                actor=george,
                plan=services.ChatPlan(
                    title="Slow chat: a question a day",
                    starts_at=now - dt.timedelta(days=1, minutes=5),
                    mode=ChatMode.SLOW,
                    interval=1,
                    visibility=ChatVisibility.COURSE,
                    questions=SLOW,
                ),
            )
            services.schedule_chat(
                course=course,
                actor=george,
                plan=services.ChatPlan(
                    title="Week 3 chat: relationships first",
                    starts_at=evening + dt.timedelta(days=1),
                    mode=ChatMode.LIVE,
                    interval=10,
                    visibility=ChatVisibility.PUBLIC,
                    questions=["Who made school matter for you, and how?", "How do you build trust in week one?"],
                ),
            )
            services.release_due(now=now)
            self._answer(held.questions.all(), HELD_ANSWERS, people)
            self._answer(slow.questions.all(), SLOW_ANSWERS, people)
            for url, title in TITLES.items():
                LinkTitle.objects.get_or_create(url=url, defaults={"title": title})

    def _answer(self, questions: Any, answers: list[list[tuple[str, str]]], people: dict[str, User]) -> None:
        question: ChatQuestion
        for question, said in zip(questions, answers, strict=False):
            if question.artifact is None:
                continue
            for index, (handle, body) in enumerate(said):
                comment = add_comment(artifact=question.artifact, author=people[handle], body=body)
                reply = REPLIES.get((question.number, index)) if answers is HELD_ANSWERS else None
                if reply is not None:
                    add_comment(artifact=question.artifact, author=people[reply[0]], body=reply[1], parent=comment)
