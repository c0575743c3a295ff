"""Shared views: friendly error pages, local media serving, and the staff page of failed background jobs."""

import enum
import re
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_safe

from core import selectors, services
from core.exceptions import ActionError

# Only names core.images generated: folders of [a-z0-9_-], then a uuid hex and our extension.
MEDIA_NAME = re.compile(r"(?:[a-z0-9_-]+/)+[0-9a-f]{32}\.(jpg|png|webp)")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
FILENAME_MAX = 100


def content_disposition(name: str, *, attachment: bool = False) -> str:
    """A Content-Disposition naming a file, RFC 6266 style: a plain ASCII `filename` for old clients and the
    exact name as `filename*=UTF-8''…` (percent-encoded, RFC 8187).

    The name is reduced to a base name first: no folders (`../../x` is `x`), no control, format or
    bidirectional-override characters (NUL, U+202E), at most FILENAME_MAX characters; what is left is
    only ever a label for a download, never a path."""
    base = re.split(r"[/\\]", name)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] not in "CZ" or c == " ").strip(" .")
    if len(base) > FILENAME_MAX:
        stem, dot, extension = base.rpartition(".")
        keep = extension if dot and 0 < len(extension) <= 10 else ""
        base = (stem if keep else base)[: FILENAME_MAX - len(keep) - 1].rstrip(" .") + (f".{keep}" if keep else "")
    base = base or "download"
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", base)
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(base, safe='')}"


class Audience(enum.Enum):
    """Who may fetch an uploaded file, as its owning app decides."""

    EVERYONE = "everyone"  # public: shared caches may keep it for MEDIA_PUBLIC_MAX_AGE seconds
    VIEWER = "viewer"  # only some people, this one among them: never stored, varies by cookie and token


# A media reader: given the request and the file's name under MEDIA_ROOT, who may fetch it, or None when this
# viewer may not (or no row owns the file any more). Apps above core provide them; config/urls.py maps each
# upload folder to its app's reader, so core decides nothing about artifacts, people or uploads itself.
MediaReader = Callable[[HttpRequest, str], Audience | None]


@require_safe
def media(request: HttpRequest, path: str, *, readers: Mapping[str, MediaReader]) -> FileResponse:
    """Serve an uploaded image we re-encoded to whoever its owning app's reader allows; anything else (a
    name we did not generate, a folder with no reader, a file nobody owns, a viewer who may not see it)
    is the same 404."""
    match = MEDIA_NAME.fullmatch(path)
    if match is None:
        raise Http404("No such file")
    reader = readers.get(path.rpartition("/")[0])
    audience = reader(request, path) if reader is not None else None
    if audience is None:
        raise Http404("No such file")
    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / path).resolve()
    if root not in full.parents or not full.is_file():
        raise Http404("No such file")
    response = FileResponse(full.open("rb"), content_type=CONTENT_TYPES[match.group(1)])
    # An image needs nothing else; should a browser ever render it as a document, it can run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    if audience is Audience.EVERYONE:
        # Not "immutable": a post made private or deleted must drop out of shared caches within this delay.
        response["Cache-Control"] = f"public, max-age={settings.MEDIA_PUBLIC_MAX_AGE}"
    else:
        response["Cache-Control"] = "private, no-store"
        patch_vary_headers(response, ("Cookie", "Authorization"))
    # Named by its generated name (what the person uploaded was called is never kept); RFC 6266 encoded.
    response["Content-Disposition"] = content_disposition(full.name)
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)


@login_required
@require_http_methods(["GET", "POST"])
def failed_jobs(request: HttpRequest) -> HttpResponse:
    """Staff: background jobs that failed (D4), each to run again or dismiss. Anyone else: 404."""
    if not request.user.is_staff:
        raise Http404("No such page")
    if request.method == "POST":
        job_id = int(request.POST["job"]) if request.POST.get("job", "").isdigit() else 0
        actor = f"@{request.user.get_username()}"
        try:
            if request.POST.get("decision") == "run":
                job = services.run_again(job_id=job_id, actor_name=actor)
                messages.success(request, f"{job.name} was queued again.")
            elif request.POST.get("decision") == "dismiss":
                job = services.dismiss(job_id=job_id, actor_name=actor)
                messages.success(request, f"{job.name} was dismissed.")
        except ActionError as exc:
            messages.error(request, exc.message)
        return redirect("failed_jobs")
    return render(
        request,
        "core/failed_jobs.html",
        {"failures": selectors.open_failures(), "resolved": selectors.recently_resolved()},
    )
