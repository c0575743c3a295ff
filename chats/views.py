"""Pages for course chats: the list, the facilitator's form, and the chat itself (live, and its archive)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from accounts.models import User
from chats import services
from chats.forms import ChatForm
from chats.links import urls_in
from chats.models import Chat, ChatQuestion
from chats.selectors import QuestionBlock, chat_for, chat_page, chat_version, chats_of
from chats.tasks import look_up_titles
from core.exceptions import ActionError, NotAllowed
from courses.models import Course
from courses.selectors import can_facilitate, is_member
from posts.composer import HELD_MESSAGE, Composed, ReplyComposers, composer_id, post_comment
from posts.forms import CommentForm
from posts.models import Tone
from posts.selectors import Thread, muted_ids


def _course(slug: str) -> Course:
    return get_object_or_404(Course, slug=slug)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _chat(request: HttpRequest, slug: str, pk: int) -> Chat:
    chat = chat_for(_course(slug), pk, request.user)
    if chat is None:
        raise Http404("No such chat")
    return chat


def chat_list(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(slug)
    now = timezone.now()
    chats = list(chats_of(course, request.user))
    context = {
        "course": course,
        "upcoming": [c for c in chats if c.starts_at > now][::-1],
        "past": [c for c in chats if c.starts_at <= now],
        "can_facilitate": can_facilitate(course, request.user),
    }
    return render(request, "chats/list.html", context)


@login_required
def chat_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    """Schedule a chat, or change one (facilitators only)."""
    course = _course(slug)
    user = _user(request)
    if not can_facilitate(course, user):
        raise PermissionDenied("Only this course's facilitators can schedule chats.")
    chat = get_object_or_404(Chat, course=course, pk=pk) if pk is not None else None
    form = ChatForm(request.POST or None, time_zone=user.time_zone, weeks=course.weeks.all(), chat=chat)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if chat is None:
                    chat = services.schedule_chat(course=course, actor=user, plan=form.plan())
                    messages.success(request, "The chat is scheduled.")
                else:
                    chat = services.update_chat(chat=chat, actor=user, plan=form.plan())
                    messages.success(request, "The chat is updated.")
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(chat)
    return render(request, "chats/chat_form.html", {"course": course, "chat": chat, "form": form}, status=status)


@dataclass
class BlockView:
    """A released question on the page, with its composers: the answer form, and each thread's reply form."""

    block: QuestionBlock
    threads: list[tuple[Thread, CommentForm | None, SafeString | str]]
    answer_form: CommentForm
    action: str
    can_answer: bool
    composed: Composed | None

    @property
    def open(self) -> bool:
        return self.block.artifact.comments_open()


def _block_view(request: HttpRequest, chat: Chat, block: QuestionBlock, composed: Composed | None) -> BlockView:
    number = block.question.number
    prefix = f"q{number}_"
    action = reverse("chats:answer", kwargs={"slug": chat.course.slug, "pk": chat.pk, "number": number})
    can_answer = request.user.is_authenticated and block.artifact.comments_open()
    replies = ReplyComposers(request, block.artifact, action=action, prefix=prefix)
    threads: list[tuple[Thread, CommentForm | None, SafeString | str]] = []
    for thread in block.threads:
        if not can_answer or thread.comment.removed_at is not None or thread.blocked or thread.held:
            threads.append((thread, None, ""))
        elif composed is not None and composed.thread_id == thread.comment.pk:
            composed.form.fields["body"].label = "Your reply"
            threads.append((thread, composed.form, ""))
        else:
            threads.append((thread, None, replies.for_thread(thread.comment.pk)))
    if composed is not None and composed.thread_id is None:
        answer_form = composed.form
    else:
        answer_form = CommentForm(auto_id=composer_id(None, prefix))
    answer_form.fields["body"].label = f"Your answer ({block.question.answer_label})"
    answer_form.fields["body"].help_text = "Markdown works; links you share are listed with the chat."
    return BlockView(block, threads, answer_form, action, can_answer, composed)


def _chat_page(
    request: HttpRequest, chat: Chat, *, failed: tuple[int, Composed] | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    page = chat_page(chat, request.user, now)
    blocks = [
        _block_view(request, chat, block, failed[1] if failed and failed[0] == block.question.number else None)
        for block in page.blocks
    ]
    context = {
        "course": chat.course,
        "chat": chat,
        "page": page,
        "blocks": blocks,
        "now": now,
        "is_member": is_member(chat.course, request.user),
        "is_facilitator": can_facilitate(chat.course, request.user),
        "muted_ids": muted_ids(request.user),
        "tone_choices": Tone.choices,
        "here": request.path,
    }
    if request.headers.get("HX-Request") == "true" and request.method == "GET":
        return render(request, "chats/chat.html#live", context, status=status)
    return render(request, "chats/chat.html", context, status=status)


def chat_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The chat: released questions with their answers, who took part and the links shared. An open page
    asks again every few seconds while the chat is on (htmx); without JavaScript, reloading shows the same."""
    chat = _chat(request, slug, pk)
    services.release_due(chat=chat)
    if request.headers.get("HX-Request") == "true" and request.GET.get("v") == chat_version(chat):
        return HttpResponse(status=204)  # nothing new: the page stays as it is
    return _chat_page(request, chat)


def _question(chat: Chat, number: int) -> ChatQuestion:
    return get_object_or_404(ChatQuestion.objects.select_related("artifact"), chat=chat, number=number)


@require_POST
def answer(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    """Answer a question (A1 under Q1), or reply to an answer: a comment on the question, with every
    rule of comments (tone label and nudges, blocks, the comment window); what was typed is kept."""
    chat = _chat(request, slug, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(chat.get_absolute_url())
    question = _question(chat, number)
    if question.artifact is None:
        raise Http404("That question is not out yet")
    composed = post_comment(request, question.artifact, _user(request), prefix=f"q{number}_")
    if composed.comment is not None:
        urls = urls_in(composed.comment.body) if not composed.comment.held else []
        if urls:
            transaction.on_commit(lambda: look_up_titles.enqueue(urls))
        if composed.comment.held:
            messages.info(request, HELD_MESSAGE)
        else:
            what = "reply" if composed.comment.parent_id else question.answer_label
            messages.success(request, f"Your {what} is posted.")
        return redirect(f"{chat.get_absolute_url()}#comment-{composed.comment.pk}")
    if composed.closed:
        messages.error(request, composed.closed)
    return _chat_page(request, chat, failed=(number, composed), status=composed.status)


@require_POST
def release(request: HttpRequest, slug: str, pk: int, number: int) -> HttpResponse:
    """A facilitator releases a question now."""
    chat = _chat(request, slug, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(chat.get_absolute_url())
    question = _question(chat, number)
    try:
        services.release_question(question=question, actor=_user(request))
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{question.label} is out.")
    return redirect(f"{chat.get_absolute_url()}#question-{number}")
