"""Following people and tags, and blocking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from core.exceptions import ActionError
from network import services
from network.selectors import has_blocked, is_following, is_following_tag, person_blocked_viewer, visible_tag


def _user(request: HttpRequest) -> User:
    """The signed-in person (views call this only behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _person(request: HttpRequest, username: str) -> User:
    """Someone the viewer may connect with: a person who blocked the viewer looks missing (same 404)."""
    person = get_object_or_404(User, username=username, is_active=True)
    viewer = _user(request)
    if person_blocked_viewer(person, viewer) and not has_blocked(viewer, person):
        raise Http404("No such person")
    return person


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to a same-site `next` page, or the default."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(wanted)
    return HttpResponseRedirect(default)


@login_required
def connect(request: HttpRequest, username: str) -> HttpResponse:
    """Follow, unfollow, block or unblock someone, with where things stand now."""
    person = _person(request, username)
    viewer = _user(request)
    context = {
        "person": person,
        "is_self": person.pk == viewer.pk,
        "following": is_following(viewer, person),
        "follows_you": is_following(person, viewer),
        "blocked": has_blocked(viewer, person),
    }
    return render(request, "network/connect.html", context)


def _connect_url(person: User) -> str:
    return reverse("network:connect", args=[person.username])


@login_required
@require_POST
def follow(request: HttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    try:
        services.follow(follower=_user(request), followee=person)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"You follow {person.name}.")
    return _back(request, _connect_url(person))


@login_required
@require_POST
def unfollow(request: HttpRequest, username: str) -> HttpResponse:
    person = _person(request, username)
    services.unfollow(follower=_user(request), followee=person)
    messages.success(request, f"You no longer follow {person.name}.")
    return _back(request, _connect_url(person))


@login_required
@require_POST
def block(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username, is_active=True)
    try:
        services.block(blocker=_user(request), blocked=person)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"You blocked {person.name}. Neither of you will see the other.")
    return redirect("network:connect", username=person.username)


@login_required
@require_POST
def unblock(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username, is_active=True)
    services.unblock(blocker=_user(request), blocked=person)
    messages.success(request, f"You unblocked {person.name}.")
    return redirect("network:connect", username=person.username)


@login_required
@require_POST
def follow_tag(request: HttpRequest, name: str) -> HttpResponse:
    """Follow a tag the viewer can see in use; an unused or hidden one gives the same 404 as a missing one."""
    tag = visible_tag(name, request.user)
    if tag is None:
        raise Http404("No such tag")
    user = _user(request)
    if not is_following_tag(user, tag):
        try:
            services.follow_tag(user=user, name=tag.name)
        except ActionError as exc:
            messages.error(request, exc.message)
            return _back(request, tag.get_absolute_url())
    messages.success(request, f"You follow #{tag.name}.")
    return _back(request, tag.get_absolute_url())


@login_required
@require_POST
def unfollow_tag(request: HttpRequest, name: str) -> HttpResponse:
    services.unfollow_tag(user=_user(request), name=name)
    messages.success(request, f"You no longer follow #{name.lstrip('#').lower()}.")
    return _back(request, reverse("network:home"))
