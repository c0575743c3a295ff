"""Home timeline and notifications."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from network import services
from network.selectors import followed_tags, notifications_for
from network.selectors import home_timeline as timeline_for
from posts.reading import fold_ahead


def _user(request: HttpRequest) -> User:
    """The signed-in person (views call this only behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


@login_required
def home_timeline(request: HttpRequest) -> HttpResponse:
    """What the people and tags you follow published or shared, newest activity first; "Older" pages on."""
    cursor = request.GET.get("after") or None
    timeline = timeline_for(_user(request), cursor=cursor)
    fold_ahead([item.artifact for item in timeline.items], request.user)  # what the viewer has not reached
    context: dict[str, Any] = {"timeline": timeline}
    if request.headers.get("HX-Request") == "true" and cursor:
        return render(request, "network/timeline_partials.html#timeline-page", context)
    context["tags"] = followed_tags(_user(request))
    return render(request, "network/home.html", context)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    return render(request, "network/notifications.html", {"items": notifications_for(_user(request))})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=_user(request))
    messages.success(request, "All notifications marked read.")
    return redirect("network:notifications")
