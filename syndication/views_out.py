"""Pages out of the site: the course blogroll as OPML, and The Daily on the web with its opt-in and opt-out."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from core.exceptions import NotAllowed
from courses.models import Course
from courses.selectors import is_member
from syndication import services_digest
from syndication.digest import build_digest, digest_window, utc_day
from syndication.models import DigestSubscription
from syndication.opml import course_blogroll_opml


@require_safe
def blogroll(request: HttpRequest, slug: str) -> HttpResponse:
    """The course's gathered blogs as an OPML download; courses are public, and so is their blogroll."""
    course = get_object_or_404(Course, slug=slug)
    response = HttpResponse(course_blogroll_opml(course), content_type="text/x-opml; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{course.slug}-blogroll.opml")
    return response


def _day(value: str | None, today: dt.date) -> dt.date:
    """The day asked for; a malformed or future date shows today's."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return today
    return min(day, today)


@require_safe
def daily(request: HttpRequest, slug: str) -> HttpResponse:
    """The Daily on the web (?date=YYYY-MM-DD for an earlier one), as the viewer may see it."""
    course = get_object_or_404(Course, slug=slug)
    now = timezone.now()
    today = utc_day(now)
    day = _day(request.GET.get("date"), today)
    since, until = digest_window(day, now)
    viewer = request.user
    member = is_member(course, viewer)
    subscribed = member and DigestSubscription.objects.filter(user=_user(request), course=course).exists()
    context = {
        "course": course,
        "digest": build_digest(course, since=since, now=until, viewer=viewer),
        "is_member": member,
        "subscribed": subscribed,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today else None,
    }
    return render(request, "syndication/digest.html", context)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
@require_POST
def daily_subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    try:
        services_digest.subscribe(user=_user(request), course=course)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, f"You will get The Daily of {course.title} by email each morning.")
    return redirect("syndication_out:daily", slug=course.slug)


@login_required
@require_POST
def daily_stop(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    services_digest.unsubscribe(user=_user(request), course=course)
    messages.success(request, f"You will no longer get The Daily of {course.title} by email.")
    return redirect("syndication_out:daily", slug=course.slug)


# The link in each email works without logging in: the signed token is the credential. Mail clients send
# the RFC 8058 one-click POST with no cookie and no CSRF token, so this view is CSRF-exempt; a GET (which
# link scanners make) only shows a confirm button.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def daily_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = services_digest.read_unsubscribe_token(token)
    if found is None:
        raise Http404("No such link")
    user, course = found
    context = {"course": course, "done": False}
    if request.method == "POST":
        services_digest.unsubscribe(user=user, course=course)
        context["done"] = True
    return render(request, "syndication/digest_unsubscribe.html", context)
