"""Writes for course chats: scheduling, releasing questions (at their minute or by hand), link titles."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from chats.links import page_title
from chats.models import MAX_QUESTIONS, Chat, ChatMode, ChatQuestion, ChatVisibility, LinkTitle
from core.exceptions import Invalid, NotAllowed
from core.fetch import FetchError, fetch_one
from courses.models import Course, Week
from courses.selectors import can_facilitate
from posts.models import Artifact, Kind
from posts.services import publish

log = logging.getLogger(__name__)

TITLE_FETCH_BYTES = 512 * 1024
TITLE_FETCH_SECONDS = 10.0


@dataclass(frozen=True)
class ChatPlan:
    """What a facilitator asks for: the chat's details and its questions, in order."""

    title: str
    starts_at: dt.datetime
    mode: str
    interval: int
    visibility: str
    questions: list[str]
    week: Week | None = None


def _check(course: Course, actor: User, plan: ChatPlan) -> None:
    if not can_facilitate(course, actor):
        raise NotAllowed("Only this course's facilitators can schedule chats.")
    if not plan.title.strip():
        raise Invalid("Give the chat a title.")
    if plan.mode not in ChatMode.values:
        raise Invalid("Choose a live chat or a slow chat.")
    if plan.visibility not in ChatVisibility.values:
        raise Invalid("Choose who can read the chat.")
    if plan.mode == ChatMode.SLOW and plan.interval not in (1, 7):
        raise Invalid("A slow chat releases one question a day or one a week.")
    if plan.mode == ChatMode.LIVE and not 0 <= plan.interval <= 120:
        raise Invalid("Release live questions 1 to 120 minutes apart, or 0 to release each by hand.")
    if plan.week is not None and plan.week.course_id != course.pk:
        raise Invalid("That week belongs to another course.")
    if not plan.questions:
        raise Invalid("Write at least one question, one per line.")
    if len(plan.questions) > MAX_QUESTIONS:
        raise Invalid(f"A chat has at most {MAX_QUESTIONS} questions; this one has {len(plan.questions)}.")
    for number, text in enumerate(plan.questions, start=1):
        if not text.strip():
            raise Invalid(f"Q{number} is empty.")
        if len(text) > 500:
            raise Invalid(f"Q{number} is longer than 500 characters; please shorten it.")


@transaction.atomic
def schedule_chat(*, course: Course, actor: User, plan: ChatPlan) -> Chat:
    """Schedule a chat with its questions, each released at its time (or by hand when the interval is 0)."""
    _check(course, actor, plan)
    chat = Chat.objects.create(
        course=course,
        week=plan.week,
        title=plan.title.strip(),
        starts_at=plan.starts_at,
        mode=plan.mode,
        interval=plan.interval,
        visibility=plan.visibility,
        created_by=actor,
    )
    ChatQuestion.objects.bulk_create(
        ChatQuestion(chat=chat, number=n, text=text.strip(), release_at=chat.release_time(n))
        for n, text in enumerate(plan.questions, start=1)
    )
    return chat


@transaction.atomic
def update_chat(*, chat: Chat, actor: User, plan: ChatPlan) -> Chat:
    """Change a chat. Questions already out keep their words (answers reply to them); the rest are
    rewritten and their release times follow the new start and interval."""
    _check(chat.course, actor, plan)
    chat = Chat.objects.select_for_update().get(pk=chat.pk)
    existing = {q.number: q for q in chat.questions.all()}
    for number, question in existing.items():
        if question.released_at is None:
            continue
        if number > len(plan.questions) or plan.questions[number - 1].strip() != question.text:
            raise Invalid(f"Q{number} is already out, so it stays as it is: “{question.text}”.")
    for name in ("title", "starts_at", "mode", "interval", "visibility", "week"):
        value = getattr(plan, name)
        setattr(chat, name, value.strip() if isinstance(value, str) and name == "title" else value)
    chat.save()
    ChatQuestion.objects.filter(chat=chat, released_at__isnull=True, number__gt=len(plan.questions)).delete()
    for number, text in enumerate(plan.questions, start=1):
        current = existing.get(number)
        if current is None:
            ChatQuestion.objects.create(
                chat=chat, number=number, text=text.strip(), release_at=chat.release_time(number)
            )
        else:  # only if it is still waiting: a release in the meantime wins
            ChatQuestion.objects.filter(pk=current.pk, released_at__isnull=True).update(
                text=text.strip(), release_at=chat.release_time(number)
            )
    # Questions already out follow the chat's visibility (a chat made members-only hides them too).
    Artifact.objects.filter(chat_question__chat=chat).exclude(visibility=chat.visibility).update(
        visibility=chat.visibility
    )
    return chat


def _question_body(question: ChatQuestion) -> str:
    chat = question.chat
    address = settings.SITE_URL.rstrip("/") + chat.get_absolute_url()
    return (
        f"{question.text}\n\n"
        f"*{question.label} of the course chat [{chat.title}]({address}): answer there, or here, with "
        f"{question.answer_label}.*"
    )


def _release(question: ChatQuestion, now: dt.datetime) -> bool:
    """Release one question: claim it (only one process can), then publish it to the course. All or nothing."""
    with transaction.atomic():
        if not ChatQuestion.objects.filter(pk=question.pk, released_at__isnull=True).update(released_at=now):
            return False  # someone else released it
        chat = question.chat
        artifact = publish(
            author=chat.created_by,
            course=chat.course,
            kind=Kind.POST,
            title=f"{question.label}: {question.text}"[: Artifact._meta.get_field("title").max_length],
            body=_question_body(question),
            visibility=chat.visibility,
        )
        ChatQuestion.objects.filter(pk=question.pk).update(artifact=artifact)
    question.refresh_from_db()
    return True


def release_question(*, question: ChatQuestion, actor: User, now: dt.datetime | None = None) -> ChatQuestion:
    """A facilitator releases a question now, whatever its scheduled time."""
    if not can_facilitate(question.chat.course, actor):
        raise NotAllowed("Only this course's facilitators can release questions.")
    if question.released_at is not None:
        raise Invalid(f"{question.label} is already out.")
    if not _release(question, now or timezone.now()):
        raise Invalid(f"{question.label} is already out.")
    return question


def release_due(*, chat: Chat | None = None, now: dt.datetime | None = None) -> int:
    """Release every question whose time has come (of one chat, or of all); how many this call released.
    One that cannot be published (its facilitator left the course) is logged and the rest go on."""
    now = now or timezone.now()
    due = ChatQuestion.objects.due(now).select_related("chat__course", "chat__created_by").order_by("release_at")
    if chat is not None:
        due = due.filter(chat=chat)
    released = 0
    for question in due:
        try:
            released += _release(question, now)
        except NotAllowed:
            log.warning("chat question %s could not be released: its facilitator is not in the course", question.pk)
    return released


def look_up_titles(urls: list[str]) -> int:
    """Fetch the title of each address not looked up yet, through the guarded client; how many were new.
    A page that fails keeps its error and never stops the others."""
    known = set(LinkTitle.objects.filter(url__in=urls).values_list("url", flat=True))
    added = 0
    for url in dict.fromkeys(urls):
        if url in known:
            continue
        title, error = "", ""
        try:
            result = fetch_one(
                url,
                accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
                max_bytes=TITLE_FETCH_BYTES,
                timeout=TITLE_FETCH_SECONDS,
            )
        except FetchError as exc:
            error = exc.message[:200]
        else:
            charset = result.headers.get("content-type", "").partition("charset=")[2].strip(' "')
            title = page_title(result.body, charset) if "html" in result.content_type else ""
            error = "" if title else "The page has no title."
        _, created = LinkTitle.objects.get_or_create(url=url, defaults={"title": title, "error": error})
        added += created
    return added
