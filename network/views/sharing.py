"""Opening through our tracked link, and sharing with a note."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from core.exceptions import ActionError
from network import services
from network.forms import ShareForm
from network.selectors import share_advice, visible_share
from network.services import ShareLimitReached
from posts import views as posts_views
from posts.models import Artifact, Visibility
from posts.selectors import artifact_for


def _user(request: HttpRequest) -> User:
    """The signed-in person (views call this only behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _artifact(request: HttpRequest, pk: int) -> Artifact:
    """An artifact the viewer may see; hidden and missing give the same 404."""
    artifact = artifact_for(pk, request.user)
    if artifact is None:
        raise Http404("No such artifact")
    return artifact


def _original(artifact: Artifact) -> str | None:
    """The artifact's original address, only when it is an http(s) URL."""
    if artifact.url and urlsplit(artifact.url).scheme in {"http", "https"}:
        return artifact.url
    return None


def open_target(artifact: Artifact) -> str:
    """Where "open it" leads: the original through /go/ for links and videos, else the artifact's page."""
    if _original(artifact):
        return reverse("network:go", args=[artifact.pk])
    return artifact.get_absolute_url()


def _read_by_the_person(request: HttpRequest) -> bool:
    """Whether this GET is the person opening the page, not something another site made their browser load
    (an <img>, an <iframe>, a script's fetch), which must not count as reading it. Browsers say which
    (Sec-Fetch-Dest); an older browser that does not is taken at its word."""
    return request.headers.get("Sec-Fetch-Dest", "document") == "document"


def go(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the signed-in viewer opened the artifact, then send them to the original.

    A GET on purpose: it is followed from ordinary links and only records a read (an idempotent fact about
    the viewer, like a page view); it changes nothing anyone else sees. `?via=<share id>` credits the share
    the viewer came from when they may see it. Anonymous visitors are redirected without recording anything,
    and so is a load another site's page caused (`_read_by_the_person`).
    """
    artifact = _artifact(request, pk)
    if isinstance(request.user, User) and _read_by_the_person(request):
        via = visible_share(request.GET.get("via"), artifact=artifact, viewer=request.user)
        services.record_open(user=request.user, artifact=artifact, via_share=via)
    return redirect(_original(artifact) or artifact.get_absolute_url())


def artifact_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The artifact page (posts:artifact) at the same path: viewing a native artifact's page counts as opening it.

    Recorded only for signed-in viewers who may see it, and only on GET; then posts renders the page of the
    artifact read here (hidden and missing give the same 404).
    """
    artifact = _artifact(request, pk)
    if request.method == "GET" and isinstance(request.user, User) and _read_by_the_person(request):
        services.record_open(user=request.user, artifact=artifact)
    return posts_views.show_artifact(request, artifact)


def _share_page(
    request: HttpRequest, artifact: Artifact, form: ShareForm, *, status: int = 200, refused: str | None = None
) -> HttpResponse:
    advice = share_advice(_user(request), artifact)
    context = {
        "artifact": artifact,
        "course": artifact.course,
        "advice": advice,
        "form": form,
        "open_url": open_target(artifact),
        "refused": refused,
    }
    return render(request, "network/share.html", context, status=status)


@login_required
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """The share dialog as a page: open it first, then share with an optional note (one person, one item)."""
    artifact = _artifact(request, pk)
    if artifact.visibility == Visibility.DRAFT:
        raise Http404("No such artifact")
    user = _user(request)
    if request.method != "POST":
        return _share_page(request, artifact, ShareForm())
    form = ShareForm(request.POST)
    if not form.is_valid():
        return _share_page(request, artifact, form, status=400)
    try:
        services.share(sharer=user, artifact=artifact, note=form.cleaned_data["note"])
    except ShareLimitReached as exc:
        form.add_error(None, exc.message)
        return _share_page(request, artifact, form, status=429, refused=exc.message)
    except ActionError as exc:
        form.add_error(None, exc.message)
        return _share_page(request, artifact, form, status=409, refused=exc.message)
    messages.success(request, "Shared with the people who follow you.")
    return redirect(artifact)


@login_required
@require_POST
def unshare(request: HttpRequest, pk: int) -> HttpResponse:
    artifact = _artifact(request, pk)
    services.unshare(sharer=_user(request), artifact=artifact)
    messages.success(request, "No longer shared.")
    return redirect("network:share", pk=artifact.pk)
