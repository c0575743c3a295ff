"""Pages for running a course: the course list, joining, and the facilitator's pages."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from core.exceptions import ActionError
from core.urls_safety import safe_next
from courses import selectors, services
from courses.calendar import live_session_ics
from courses.forms import (
    BookForm,
    CourseForm,
    LiveQuestionForm,
    LiveSessionForm,
    PromptForm,
    ReadingProgressForm,
    WeekForm,
)
from courses.models import Book, Course, Enrollment, LiveQuestion, LiveSession, MemberRole, Prompt, Week

MEMBERS_PER_PAGE = 100


def _signed_in(request: HttpRequest) -> User:
    """The signed-in person (views using this are behind login_required)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _facilitated_course(request: HttpRequest, slug: str) -> Course:
    """The course, if the signed-in person may manage it; 404 if missing, 403 otherwise."""
    course = get_object_or_404(Course, slug=slug)
    if not selectors.can_facilitate(course, request.user):
        raise PermissionDenied("Only this course's facilitators can change it.")
    return course


def _week_page(week: Week) -> HttpResponse:
    return redirect("posts:week", slug=week.course.slug, number=week.number)


def course_list(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/list.html", {"courses": selectors.course_list(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None, initial={"start_date": timezone.localdate(), "hashtag": "#"})
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(creator=_signed_in(request), **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{course.title} is ready. Add its books and weeks next.")
            return redirect("courses:manage", slug=course.slug)
    return render(request, "courses/course_form.html", {"form": form})


@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(course.get_absolute_url())
    try:
        services.join(course=course, user=_signed_in(request))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Welcome to {course.title}! Posts tagged {course.display_hashtag} gather here.")
    return redirect(safe_next(request, course.get_absolute_url()))


@require_POST
@login_required
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    try:
        services.leave(course=course, user=_signed_in(request))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"You have left {course.title}. Your posts stay yours.")
    return redirect(safe_next(request, course.get_absolute_url()))


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    course = _facilitated_course(request, slug)
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.update_course(course=course, actor=_signed_in(request), **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "The course settings are saved.")
            return redirect("courses:manage", slug=course.slug)
    # A refused form may have written typed values (even a new slug) onto `course`; links use the stored row.
    stored = Course.objects.get(pk=course.pk)
    context = {
        "course": stored,
        "form": form,
        "books": stored.books.all(),
        "weeks": selectors.weeks_with_detail(stored),
        "member_total": selectors.member_count(stored),
    }
    return render(request, "courses/manage.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HttpRequest, slug: str) -> HttpResponse:
    course = _facilitated_course(request, slug)
    if request.method == "POST":
        member_id = request.POST.get("member", "")
        if not member_id.isdigit():
            raise Http404("No such member")
        enrollment = get_object_or_404(Enrollment, course=course, pk=int(member_id))
        role = request.POST.get("role", "")
        try:
            services.set_role(course=course, actor=_signed_in(request), user=enrollment.user, role=role)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            label = MemberRole(role).label.lower()
            messages.success(request, f"{enrollment.user.name} is now a {label}.")
        # Back to the page of the list the change was made on.
        back = {key: request.POST[key] for key in ("find", "page") if request.POST.get(key)}
        return redirect(reverse("courses:members", args=[course.slug]) + (f"?{urlencode(back)}" if back else ""))
    find = request.GET.get("find", "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL in text
    # A page at a time: a 5,000-person course listed whole was half a second and a form a member.
    page = Paginator(selectors.members_of(course, find), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"course": course, "members": page, "find": find, "roles": MemberRole}
    return render(request, "courses/members.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def book_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    course = _facilitated_course(request, slug)
    book = get_object_or_404(Book, course=course, pk=pk) if pk is not None else None
    form = BookForm(request.POST or None, instance=book or Book(course=course))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_book(course=course, actor=_signed_in(request), book=book, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{saved.title} is saved.")
            return redirect("courses:manage", slug=course.slug)
    return render(request, "courses/book_form.html", {"course": course, "book": book, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def week_edit(request: HttpRequest, slug: str, number: int | None = None) -> HttpResponse:
    course = _facilitated_course(request, slug)
    week = get_object_or_404(Week, course=course, number=number) if number is not None else None
    books = list(course.books.all())
    chapters = {r.book_id: r.chapters for r in week.readings.all()} if week else {}
    form = WeekForm(
        request.POST or None,
        instance=week or Week(course=course),
        books=books,
        chapters=chapters,
        initial=_new_week_initial(course) if week is None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_week(
                course=course,
                actor=_signed_in(request),
                week=week,
                readings=form.readings(),
                **form.week_fields(),
            )
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Week {saved.number} is saved.")
            return _week_page(saved)
    stored = Week.objects.select_related("live_session").get(pk=week.pk) if week else None
    context = {
        "course": course,
        "week": stored,
        "form": form,
        "prompts": stored.prompts.all() if stored else [],
        "live_session": LiveSession.objects.filter(week=stored).first() if stored else None,
    }
    return render(request, "courses/week_form.html", context)


def _new_week_initial(course: Course) -> dict[str, object]:
    """A new week follows the last one: next number, starting the day after it ends."""
    last = course.weeks.order_by("-number").first()
    starts = last.ends_on + dt.timedelta(days=1) if last else course.start_date
    return {"number": (last.number + 1) if last else 1, "starts_on": starts, "ends_on": starts + dt.timedelta(days=6)}


@login_required
@require_http_methods(["GET", "POST"])
def prompt_edit(request: HttpRequest, slug: str, number: int, prompt: int | None = None) -> HttpResponse:
    course = _facilitated_course(request, slug)
    week = get_object_or_404(Week, course=course, number=number)
    existing = get_object_or_404(Prompt, week=week, number=prompt) if prompt is not None else None
    form = PromptForm(request.POST or None, instance=existing or Prompt(week=week))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_prompt(week=week, actor=_signed_in(request), prompt=existing, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Prompt {saved.number} of week {week.number} is saved.")
            return _week_page(week)
    return render(
        request, "courses/prompt_form.html", {"course": course, "week": week, "prompt": existing, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def prompt_delete(request: HttpRequest, slug: str, number: int, prompt: int) -> HttpResponse:
    """GET asks to confirm; only POST deletes."""
    course = _facilitated_course(request, slug)
    week = get_object_or_404(Week, course=course, number=number)
    existing = get_object_or_404(Prompt, week=week, number=prompt)
    if request.method == "POST":
        try:
            services.delete_prompt(prompt=existing, actor=_signed_in(request))
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Prompt {prompt} of week {week.number} is deleted.")
        return redirect("courses:week_edit", slug=course.slug, number=week.number)
    return render(request, "courses/prompt_delete.html", {"course": course, "week": week, "prompt": existing})


@login_required
@require_http_methods(["GET", "POST"])
def live_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    course = _facilitated_course(request, slug)
    week = get_object_or_404(Week, course=course, number=number)
    session = LiveSession.objects.filter(week=week).first()
    user = _signed_in(request)
    form = LiveSessionForm(request.POST or None, instance=session or LiveSession(week=week), time_zone=user.time_zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_live_session(week=week, actor=user, starts_at=form.starts_at(), **form.session_fields())
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"The live session of week {week.number} is saved.")
            return _week_page(week)
    return render(request, "courses/live_form.html", {"course": course, "week": week, "session": session, "form": form})


def _live_page(request: HttpRequest, session: LiveSession, form: LiveQuestionForm) -> HttpResponse:
    course = session.week.course
    member = selectors.is_member(course, request.user)
    facilitator = selectors.can_facilitate(course, request.user)
    context = {
        "course": course,
        "week": session.week,
        "session": session,
        "ends_at": session.ends_at,
        "is_member": member,
        "can_facilitate": facilitator,
        # Questions name their authors, so only the course's own people see them.
        "questions": selectors.live_questions(session, request.user) if member or facilitator else [],
        "voting_open": timezone.now() < session.ends_at,
        "question_total": session.questions.count(),
        "open_for_questions": timezone.now() < session.starts_at,
        "form": form,
    }
    return render(request, "courses/live.html", context)


def _session(slug: str, number: int) -> LiveSession:
    return get_object_or_404(
        LiveSession.objects.select_related("week__course"), week__course__slug=slug, week__number=number
    )


@require_http_methods(["GET", "HEAD"])
def live_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _live_page(request, _session(slug, number), LiveQuestionForm())


def _question(slug: str, number: int, pk: int) -> LiveQuestion:
    return get_object_or_404(
        LiveQuestion.objects.select_related("session__week__course", "author"),
        session__week__course__slug=slug,
        session__week__number=number,
        pk=pk,
    )


@require_POST
def live_vote(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """Vote for a question sent in ahead, or take the vote back (one each)."""
    page = reverse("courses:live", kwargs={"slug": slug, "number": number})
    if not request.user.is_authenticated:
        return redirect_to_login(page)
    question = _question(slug, number, pk)
    try:
        now_voting = services.toggle_question_vote(question=question, voter=_signed_in(request))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your vote is counted." if now_voting else "Your vote is taken back.")
    return redirect(f"{page}#question-{question.pk}")


@require_POST
def live_answered(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """A facilitator marks a question answered during the show, or takes the mark back."""
    page = reverse("courses:live", kwargs={"slug": slug, "number": number})
    if not request.user.is_authenticated:
        return redirect_to_login(page)
    question = _question(slug, number, pk)
    answered = request.POST.get("answered") == "1"
    try:
        services.mark_answered(question=question, actor=_signed_in(request), answered=answered)
    except ActionError as exc:
        raise Http404("No such question") from exc  # only facilitators know this action exists
    messages.success(request, "Marked answered." if answered else "No longer marked answered.")
    return redirect(f"{page}#question-{question.pk}")


@require_http_methods(["GET", "HEAD"])
def live_ics(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The session as a calendar file (as public as its page: time, title and links, no questions)."""
    session = _session(slug, number)
    page_url = request.build_absolute_uri(reverse("courses:live", kwargs={"slug": slug, "number": number}))
    body = live_session_ics(session, page_url=page_url, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-week-{number}-live-session.ics"'
    return response


@require_POST
def live_question(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    session = _session(slug, number)
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("courses:live", kwargs={"slug": slug, "number": number}))
    form = LiveQuestionForm(request.POST)
    if form.is_valid():
        try:
            services.ask_live_question(session=session, author=_signed_in(request), text=form.cleaned_data["text"])
        except ActionError as exc:
            form.add_error("text", exc.message)
        else:
            messages.success(request, "Your question is sent. The facilitators will see it before the session.")
            return redirect("courses:live", slug=slug, number=number)
    return _live_page(request, session, form)


@require_POST
def reading_progress(request: HttpRequest, slug: str, book: int) -> HttpResponse:
    """Say where you are in one of the course's books; a refused form comes back with what was typed. Back to
    the course page, or to a local `next` (the book page)."""
    course = get_object_or_404(Course, slug=slug)
    found = get_object_or_404(Book, pk=book, course=course)
    back = f"{course.get_absolute_url()}#book-{found.pk}"
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    form = ReadingProgressForm(request.POST)
    if form.is_valid():
        try:
            services.set_reading_progress(book=found, user=_signed_in(request), **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Saved: where you are in {found.title}.")
            return redirect(safe_next(request, back))
    return render(request, "courses/reading_progress.html", {"course": course, "book": found, "form": form})
