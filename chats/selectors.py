"""Reads for course chats: which chats a viewer may read, and a chat's page (questions, answers, links, people)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet

from accounts.models import User
from chats.links import urls_in
from chats.models import Chat, ChatMode, ChatQuestion, ChatVisibility, LinkTitle
from courses.models import Course
from courses.selectors import Viewer, can_facilitate, is_member
from posts.models import Artifact, Comment
from posts.selectors import Thread, threads_of

# How often an open chat page asks for what is new (seconds): every few seconds while a live chat is on.
LIVE_POLL_SECONDS = 5
SLOW_POLL_SECONDS = 60
# A live chat counts as on from a little before its start to a while after its last question.
LIVE_BEFORE = dt.timedelta(minutes=15)
LIVE_AFTER = dt.timedelta(hours=1)


def _readable(viewer: Viewer, course: Course) -> Q:
    if is_member(course, viewer):
        return Q()
    return Q(visibility=ChatVisibility.PUBLIC)


def chats_of(course: Course, viewer: Viewer) -> QuerySet[Chat]:
    """The course's chats the viewer may read (course-only chats are for its members), newest first."""
    return Chat.objects.filter(course=course).filter(_readable(viewer, course)).select_related("week")


def chat_for(course: Course, pk: int, viewer: Viewer) -> Chat | None:
    """The chat, or None when it is missing or not the viewer's to read (the two look the same)."""
    return chats_of(course, viewer).select_related("course", "created_by").filter(pk=pk).first()


@dataclass
class QuestionBlock:
    """A released question with its answers (top comments) and their replies, as the viewer may see them."""

    question: ChatQuestion
    artifact: Artifact
    threads: list[Thread]

    @property
    def answer_count(self) -> int:
        return sum(1 for t in self.threads if t.comment.removed_at is None and not t.blocked and not t.filtered)


@dataclass
class SharedLink:
    url: str
    title: str
    shared_by: User
    comment: Comment


@dataclass
class ChatPage:
    chat: Chat
    blocks: list[QuestionBlock]
    waiting: list[ChatQuestion]  # not released yet, in order (their words are for facilitators only)
    links: list[SharedLink]
    participants: list[User]
    version: str
    poll_seconds: int | None

    @property
    def next_release(self) -> dt.datetime | None:
        times = [q.release_at for q in self.waiting if q.release_at is not None]
        return min(times) if times else None


def chat_version(chat: Chat) -> str:
    """A fingerprint of everything the chat page shows that others can change: released questions, and
    answers posted, edited or removed. An open page asks with it and gets nothing back when it is the same."""
    released = ChatQuestion.objects.filter(chat=chat).released().count()
    answers = Comment.objects.filter(artifact__chat_question__chat=chat).aggregate(
        n=Count("id"), last=Max("id"), edited=Max("edited_at"), removed=Max("removed_at")
    )
    stamp = lambda value: value.timestamp() if value else 0  # noqa: E731
    return f"{released}.{answers['n']}.{answers['last'] or 0}.{stamp(answers['edited'])}.{stamp(answers['removed'])}"


def poll_seconds(chat: Chat, questions: list[ChatQuestion], now: dt.datetime) -> int | None:
    """How often an open page should look for news, or None when nothing is expected soon."""
    if chat.mode == ChatMode.SLOW:
        return SLOW_POLL_SECONDS
    times = [q.release_at or q.released_at for q in questions]
    last = max([t for t in times if t is not None] + [chat.starts_at])
    waiting_by_hand = any(q.released_at is None and q.release_at is None for q in questions)
    if chat.starts_at - LIVE_BEFORE <= now and (waiting_by_hand or now <= last + LIVE_AFTER):
        return LIVE_POLL_SECONDS
    return None


def _shown_comments(blocks: list[QuestionBlock]) -> list[Comment]:
    """Every answer and reply the viewer can see (not removed, blocked or filtered out), oldest first."""
    shown = [
        comment
        for block in blocks
        for thread in block.threads
        for comment in ([] if thread.hidden else [thread.comment]) + thread.replies
        if comment.removed_at is None
    ]
    return sorted(shown, key=lambda c: (c.created_at, c.pk))


def _links(comments: list[Comment]) -> list[SharedLink]:
    """Every address in the answers the viewer can see, in the order shared, each once, with its title and the
    answer that shared it first."""
    first: dict[str, Comment] = {}
    for comment in comments:
        for url in urls_in(comment.body):
            first.setdefault(url, comment)
    titles = dict(LinkTitle.objects.filter(url__in=list(first)).values_list("url", "title"))
    return [SharedLink(url, titles.get(url, ""), c.author, c) for url, c in first.items()]


def _participants(comments: list[Comment]) -> list[User]:
    """Who answered or replied (as far as the viewer can see), in the order they first took part."""
    people: dict[int, User] = {}
    for comment in comments:
        people.setdefault(comment.author_id, comment.author)
    return list(people.values())


def chat_page(chat: Chat, viewer: Viewer, now: dt.datetime) -> ChatPage:
    """The chat as the viewer sees it: released questions they may see (the one visibility rule, through
    each question's artifact), their answer threads (blocks and keyword filters applied), links and people."""
    questions = list(ChatQuestion.objects.filter(chat=chat))
    released_ids = [q.artifact_id for q in questions if q.released_at is not None and q.artifact_id is not None]
    visible = {
        a.pk: a
        for a in Artifact.objects.visible_to(viewer).filter(pk__in=released_ids).select_related("course", "author")
    }
    threads = threads_of(list(visible), viewer)
    blocks = [
        QuestionBlock(q, visible[q.artifact_id], threads[q.artifact_id]) for q in questions if q.artifact_id in visible
    ]
    waiting = [q for q in questions if q.released_at is None]
    shown = _shown_comments(blocks)
    if not can_facilitate(chat.course, viewer):
        for question in waiting:
            question.text = ""  # not out yet: nobody but the facilitators reads it
    return ChatPage(
        chat=chat,
        blocks=blocks,
        waiting=waiting,
        links=_links(shown),
        participants=_participants(shown),
        version=chat_version(chat),
        poll_seconds=poll_seconds(chat, questions, now),
    )
