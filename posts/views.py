"""Pages for learning artifacts: home, course page, weeks, prompts, tags, artifacts and comments."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from core.exceptions import ActionError, NotAllowed
from core.images import ImageRejected
from core.text import normalize_tag
from courses.forms import ReadingProgressForm
from courses.models import Course, ReadingProgress
from courses.selectors import (
    can_facilitate,
    courses_of,
    current_week,
    facilitators,
    role_in,
    weeks_with_detail,
    where_everyone_is,
)
from posts import services
from posts.composer import HELD_MESSAGE, ReplyComposers, composer_id, post_comment, request_client
from posts.forms import ArtifactForm, CommentBodyForm, CommentForm, ToneForm, split_tags
from posts.models import Artifact, Comment, Kind, Tone, Visibility
from posts.reading import book_of, book_quotes, fold_ahead, reached_in
from posts.selectors import (
    Thread,
    ToneNudge,
    artifact_for,
    comment_for,
    course_stream,
    muted_ids,
    prompt_of,
    prompt_responses,
    tag_artifacts,
    thread_cursor,
    thread_cursor_for,
    thread_page,
    week_of,
    week_overview,
)

PAGE_PARTIAL = "posts/partials.html#artifact-page"
EDIT_HELD_MESSAGE = (
    "Your changes are saved and waiting for a facilitator: links from new accounts, and comments that look "
    "like advertising, are checked before anyone else sees them."
)
LATEST_ON_COURSE_PAGE = 5


def _course(slug: str) -> Course:
    return get_object_or_404(Course, slug=slug)


def _user(request: HttpRequest) -> User:
    """The signed-in person (views call this only behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _cursor(request: HttpRequest) -> str | None:
    return request.GET.get("after") or None


def _list_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page with a paginated artifact list; htmx asking for the next page gets only the list partial."""
    fold_ahead(context["page"].items, request.user)
    if request.headers.get("HX-Request") == "true" and _cursor(request):
        return render(request, PAGE_PARTIAL, context)
    return render(request, template, context)


def _course_context(request: HttpRequest, course: Course) -> dict[str, Any]:
    return {
        "course": course,
        "role": role_in(course, request.user),
        "is_facilitator": can_facilitate(course, request.user),
    }


def home(request: HttpRequest) -> HttpResponse:
    my_courses = list(courses_of(request.user)) if isinstance(request.user, User) else []
    return render(request, "posts/home.html", {"courses": Course.objects.listed()[:20], "my_courses": my_courses})


def course_home(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(slug)
    weeks = list(weeks_with_detail(course))
    week = current_week(course, weeks=weeks)
    context = _course_context(request, course)
    books = list(course.books.all())
    where = where_everyone_is(books, request.user)
    context.update(
        overview=week_overview(course=course, week=week, viewer=request.user) if week else None,
        weeks=weeks,
        books=books,
        # A member's form for each book, its fields' ids the book's own (a page of several books had the same
        # ids once a book) and the reader's answer filled in, as on the book's page.
        book_progress=[
            (book, where[book.pk], _progress_form(where[book.pk].mine, f"book{book.pk}") if context["role"] else None)
            for book in books
        ],
        facilitators=list(facilitators(course)),
        page=course_stream(course=course, viewer=request.user, limit=LATEST_ON_COURSE_PAGE),
    )
    fold_ahead(context["page"].items, request.user)
    return render(request, "posts/course.html", context)


def week(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    course = _course(slug)
    this_week = week_of(course, number)
    if this_week is None:
        raise Http404("No such week")
    context = _course_context(request, course)
    context.update(
        overview=week_overview(course=course, week=this_week, viewer=request.user),
        weeks=list(course.weeks.order_by("number")),
        page=course_stream(course=course, viewer=request.user, week=this_week, cursor=_cursor(request)),
    )
    return _list_page(request, "posts/week.html", context)


def prompt(request: HttpRequest, slug: str, number: int, prompt: int) -> HttpResponse:
    course = _course(slug)
    found = prompt_of(course, number, prompt)
    if found is None:
        raise Http404("No such prompt")
    page = prompt_responses(prompt=found, viewer=request.user, cursor=_cursor(request))
    return _list_page(request, "posts/prompt.html", {"course": course, "prompt": found, "page": page})


def tag(request: HttpRequest, name: str) -> HttpResponse:
    tag_name = normalize_tag(name)
    if not tag_name:
        raise Http404("No such tag")
    page = tag_artifacts(name=tag_name, viewer=request.user, cursor=_cursor(request))
    return _list_page(request, "posts/tag.html", {"tag_name": tag_name, "page": page})


def _progress_form(mine: ReadingProgress | None, ids: str = "") -> ReadingProgressForm:
    """The form to say where you are in a book, filled in with where you said you were; `ids` prefixes its
    fields' ids (not their names), for a page with a form for each of several books."""
    initial = {"status": mine.status, "percent": mine.percent, "page": mine.page} if mine else None
    return ReadingProgressForm(initial=initial, auto_id=f"id_{ids}_%s" if ids else "id_%s")


def book(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A course book: where everyone is, the viewer's own progress, and its quotes and notes in page order,
    those beyond where the viewer is folded. Another course's book is as missing as a missing one."""
    course = _course(slug)
    found = book_of(course, pk)
    if found is None:
        raise Http404("No such book")
    where = where_everyone_is([found], request.user)[found.pk]
    mine = where.mine
    reached = reached_in(found, mine)
    page = book_quotes(book=found, viewer=request.user, cursor=_cursor(request))
    fold_ahead(page.items, request.user, reached)
    context = _course_context(request, course)
    context.update(
        book=found,
        where=where,
        knows_where=found.pk in reached,
        progress_form=_progress_form(mine),
        page=page,
    )
    if request.headers.get("HX-Request") == "true" and _cursor(request):
        return render(request, "posts/book.html#quotes", context)
    return render(request, "posts/book.html", context)


# Publishing and editing artifacts


def _uploaded_image(form: ArtifactForm) -> bytes | None:
    upload = form.cleaned_data.get("image")
    return upload.read() if upload else None


@login_required
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(slug)
    user = _user(request)
    if role_in(course, user) is None:
        return render(request, "posts/join_first.html", {"course": course}, status=403)
    initial: dict[str, Any] = {}
    wanted = request.GET.get("prompt", "")
    if wanted.isdigit():
        initial["prompt"] = int(wanted)
    # "Share a quote or note" on a book page comes with the kind and the book chosen.
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    if request.GET.get("book", "").isdigit():
        initial["book"] = int(request.GET["book"])
    form = ArtifactForm(request.POST or None, request.FILES or None, course=course, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            artifact = services.publish(
                author=user,
                course=course,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                url=data["url"],
                image=_uploaded_image(form),
                image_alt=data["image_alt"],
                prompt=data["prompt"],
                visibility=data["visibility"],
                tags=split_tags(data["tags"]),
                book=data["book"],
                chapter=data["chapter"],
                page=data["page"],
                passage=data["passage"],
                client=request_client(request),
            )
        except ImageRejected as exc:
            form.add_error("image", exc.message)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if artifact.held:
                messages.info(request, HELD_MESSAGE.replace("Your comment", "Your post"))
            else:
                messages.success(
                    request, "Saved as a private draft." if artifact.visibility == Visibility.DRAFT else "Published."
                )
            return redirect(artifact)
    return render(request, "posts/artifact_form.html", {"course": course, "form": form, "artifact": None})


def _own_artifact(request: HttpRequest, pk: int) -> Artifact:
    artifact = artifact_for(pk, request.user)
    if artifact is None:
        raise Http404("No such artifact")
    return artifact


@login_required
def artifact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    artifact = _own_artifact(request, pk)
    user = _user(request)
    if artifact.author_id != user.pk:
        raise PermissionDenied("Only the author can edit this.")
    form = ArtifactForm(
        request.POST or None,
        request.FILES or None,
        course=artifact.course,
        has_image=bool(artifact.image),
        initial=ArtifactForm.initial_for(artifact),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            artifact = services.edit_artifact(
                artifact=artifact,
                actor=user,
                image=_uploaded_image(form),
                tags=split_tags(data["tags"]),
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                url=data["url"],
                image_alt=data["image_alt"].strip(),
                prompt=data["prompt"],
                visibility=data["visibility"],
                book=data["book"],
                chapter=data["chapter"],
                page=data["page"],
                passage=data["passage"],
                client=request_client(request),
            )
        except ImageRejected as exc:
            form.add_error("image", exc.message)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            if artifact.held:
                messages.info(request, EDIT_HELD_MESSAGE)
            else:
                messages.success(request, "Your changes are saved.")
            return redirect(artifact)
        artifact = _own_artifact(request, pk)  # the failed edit changed the instance in memory
    return render(request, "posts/artifact_form.html", {"course": artifact.course, "form": form, "artifact": artifact})


@login_required
def artifact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    artifact = _own_artifact(request, pk)
    user = _user(request)
    if artifact.author_id != user.pk and not can_facilitate(artifact.course, user):
        raise PermissionDenied("Only the author or a facilitator can delete this.")
    if request.method == "POST":
        course = artifact.course
        try:
            services.delete_artifact(artifact=artifact, actor=user)
        except ActionError as exc:
            raise PermissionDenied(exc.message) from None
        messages.success(request, "Deleted.")
        return redirect(course)
    return render(request, "posts/artifact_delete.html", {"artifact": artifact})


# The artifact page and its comments


def _artifact_page(
    request: HttpRequest,
    artifact: Artifact,
    *,
    composer: CommentForm | None = None,
    composer_parent: int | None = None,
    nudge: ToneNudge | None = None,
    status: int = 200,
) -> HttpResponse:
    """The artifact with its comments. `composer` (for the top form, or for the reply form of the thread
    `composer_parent`) keeps what was typed; `nudge` turns it into the "seek first to understand" step."""
    viewer = request.user
    is_facilitator = can_facilitate(artifact.course, viewer)
    comments_open = artifact.comments_open()
    can_comment = comments_open and viewer.is_authenticated and artifact.visibility != Visibility.DRAFT
    # A page of the threads: the one asked for, or the one holding the reply that was refused.
    cursor = request.GET.get("comments") or None
    if composer is not None and composer_parent is not None:
        cursor = thread_cursor(artifact.pk, composer_parent)
    page = thread_page(artifact, viewer, cursor)
    # Each thread with its reply composer's HTML (none where nobody may reply) and whether it opens: the one
    # that kept what was typed (with the nudge, when it is that step), or the blank one.
    threads: list[tuple[Thread, str, bool]] = []
    replies = ReplyComposers(request, artifact)
    for thread in page.threads:
        if not can_comment or thread.comment.removed_at is not None or thread.blocked or thread.comment.held:
            threads.append((thread, "", False))
        elif composer is not None and composer_parent == thread.comment.pk:
            threads.append((thread, replies.kept(composer, nudge), True))
        else:
            threads.append((thread, replies.for_thread(thread.comment.pk), False))
    top_form = composer if composer is not None and composer_parent is None else CommentForm(auto_id=composer_id(None))
    context = {
        "artifact": artifact,
        "course": artifact.course,
        "threads": threads,
        "thread_page": page,
        "comment_form": top_form,
        "failed_parent": composer_parent,
        "nudge": nudge,
        "comments_open": comments_open,
        "can_comment": can_comment,
        "is_facilitator": is_facilitator,
        "can_edit": viewer.is_authenticated and artifact.author_id == viewer.pk and not artifact.harvested,
        "can_delete": viewer.is_authenticated and (artifact.author_id == viewer.pk or is_facilitator),
        "muted_ids": muted_ids(viewer),
        "tone_choices": Tone.choices,
        "here": request.path,
    }
    return render(request, "posts/artifact.html", context, status=status)


def artifact(request: HttpRequest, pk: int) -> HttpResponse:
    return show_artifact(request, _own_artifact(request, pk))


def show_artifact(request: HttpRequest, found: Artifact) -> HttpResponse:
    """The artifact page of one the viewer may see (read by `artifact_for`), for a view that read it already."""
    fold_ahead([found], request.user)  # a page beyond where the viewer is in its book opens folded
    return _artifact_page(request, found)


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Post a comment or reply. One that reads as a challenge first gets the "seek first to understand"
    step (when the course turns it on): the same composer, the text kept, rewordings and "Post as is"."""
    artifact = _own_artifact(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(artifact.get_absolute_url(), settings.LOGIN_URL)
    composed = post_comment(request, artifact, _user(request))
    if composed.comment is not None:
        if composed.comment.held:
            messages.info(request, HELD_MESSAGE)
        else:
            messages.success(request, "Your comment is posted.")
        return redirect(composed.comment)
    if composed.closed:
        messages.error(request, composed.closed)
    return _artifact_page(
        request,
        artifact,
        composer=composed.form,
        composer_parent=composed.thread_id,
        nudge=composed.nudge,
        status=composed.status,
    )


def comment_at(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment's address: on to the page of its artifact's threads that holds it, at the comment. A comment
    the viewer may not see gives the same 404 as a missing one."""
    comment = comment_for(pk, request.user)
    if comment is None:
        raise Http404("No such comment")
    cursor = thread_cursor_for(comment)
    query = f"?{urlencode({'comments': cursor})}" if cursor else ""
    return redirect(f"{comment.artifact.get_absolute_url()}{query}#comment-{comment.pk}")


@login_required
@require_POST
def comment_tone(request: HttpRequest, pk: int) -> HttpResponse:
    """The writer corrects the tone label on their own comment."""
    comment = _comment(request, pk)
    form = ToneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose support, question, challenge or neutral.")
        return redirect(comment)
    try:
        services.correct_tone(comment=comment, actor=_user(request), tone=form.cleaned_data["tone"])
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Thanks: your comment is now labelled {comment.get_tone_display()}.")
    return redirect(comment)


def _comment(request: HttpRequest, pk: int) -> Comment:
    comment = comment_for(pk, request.user)
    if comment is None or comment.removed_at is not None:
        raise Http404("No such comment")
    return comment


@login_required
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    user = _user(request)
    if comment.author_id != user.pk:
        raise PermissionDenied("You can only edit your own comments.")
    artifact = comment.artifact
    form = CommentBodyForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.edit_comment(
                comment=comment, actor=user, body=form.cleaned_data["body"], client=request_client(request)
            )
        except services.CommentsClosed as exc:
            messages.error(request, exc.message)
            status = 403
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except ActionError as exc:
            form.add_error("body", exc.message)
            status = 400
        else:
            if comment.held:
                messages.info(request, EDIT_HELD_MESSAGE)
            else:
                messages.success(request, "Your comment is updated.")
            return redirect(comment)
    comments_open = artifact.comments_open()
    if not comments_open:
        status = 403
    context = {"comment": comment, "artifact": artifact, "form": form, "comments_open": comments_open}
    return render(request, "posts/comment_edit.html", context, status=status)


@login_required
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    user = _user(request)
    artifact = comment.artifact
    if comment.author_id != user.pk and not can_facilitate(artifact.course, user):
        raise PermissionDenied("You can only delete your own comments.")
    if request.method == "POST":
        try:
            services.remove_comment(comment=comment, actor=user)
        except ActionError as exc:
            raise PermissionDenied(exc.message) from None
        messages.success(request, "The comment is removed.")
        return redirect(f"{artifact.get_absolute_url()}#comments")
    return render(request, "posts/comment_delete.html", {"comment": comment, "artifact": artifact})
