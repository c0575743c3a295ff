"""Reporting a post or comment, and the facilitators' moderation queue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from core.exceptions import ActionError, NotAllowed
from courses.models import Course
from courses.selectors import can_facilitate
from moderation import services
from moderation.forms import ReportForm
from moderation.models import Report
from moderation.selectors import decided, held, held_one, queue
from posts.models import Artifact, Comment
from posts.selectors import artifact_for, comment_for


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _report_page(request: HttpRequest, *, artifact: Artifact, comment: Comment | None) -> HttpResponse:
    user = _user(request)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if comment is not None:
                    services.report_comment(reporter=user, comment=comment, reason=data["reason"], note=data["note"])
                else:
                    services.report_artifact(reporter=user, artifact=artifact, reason=data["reason"], note=data["note"])
            except NotAllowed:
                raise Http404("No such thing") from None
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Thank you. The course's facilitators will look at it.")
                return redirect(comment.get_absolute_url() if comment is not None else artifact.get_absolute_url())
    context = {"form": form, "artifact": artifact, "comment": comment}
    return render(request, "moderation/report.html", context, status=status)


@login_required
def report_artifact(request: HttpRequest, pk: int) -> HttpResponse:
    artifact = artifact_for(pk, request.user)
    if artifact is None:
        raise Http404("No such artifact")
    return _report_page(request, artifact=artifact, comment=None)


@login_required
def report_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = comment_for(pk, request.user)
    if comment is None or comment.removed_at is not None:
        raise Http404("No such comment")
    return _report_page(request, artifact=comment.artifact, comment=comment)


@login_required
def moderation_queue(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    if not can_facilitate(course, request.user):
        raise PermissionDenied("Only this course's facilitators see its reports.")
    context = {
        "course": course,
        "held": held(course),
        "items": queue(course),
        "decided": decided(course),
        "login_url": settings.LOGIN_URL,
    }
    return render(request, "moderation/queue.html", context)


@login_required
@require_POST
def decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = get_object_or_404(Report.objects.select_related("course", "comment", "artifact"), pk=pk, course__slug=slug)
    try:
        closed = services.decide(report=report, actor=_user(request), verdict=request.POST.get("verdict", ""))
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Decided ({closed} report{'s' if closed != 1 else ''} closed).")
    return redirect("moderation:queue", slug=slug)


@login_required
@require_POST
def decide_held(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    if not can_facilitate(course, request.user):
        raise PermissionDenied("Only this course's facilitators decide on held posts and comments.")
    item = held_one(course, kind, pk)
    if item is None:
        messages.error(request, "That is no longer waiting for a facilitator.")
        return redirect("moderation:queue", slug=slug)
    verdict = request.POST.get("verdict", "")
    try:
        services.decide_held(held=item, actor=_user(request), verdict=verdict, seen=request.POST.get("seen") or None)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        done = "Approved: it is published now." if verdict == "kept" else "Kept hidden."
        messages.success(request, done)
    return redirect("moderation:queue", slug=slug)
