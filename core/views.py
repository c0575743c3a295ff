"""Shared views: friendly error pages and local media serving."""

import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

# Only names core.images generated: folders of [a-z0-9_-], then a uuid hex and our extension.
MEDIA_NAME = re.compile(r"(?:[a-z0-9_-]+/)+[0-9a-f]{32}\.(jpg|png|webp)")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@require_safe
def media(request: HttpRequest, path: str) -> FileResponse:
    """Serve an uploaded image we re-encoded; any other path is a 404."""
    match = MEDIA_NAME.fullmatch(path)
    if match is None:
        raise Http404("No such file")
    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / path).resolve()
    if root not in full.parents or not full.is_file():
        raise Http404("No such file")
    response = FileResponse(full.open("rb"), content_type=CONTENT_TYPES[match.group(1)])
    # An image needs nothing else; should a browser ever render it as a document, it can run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Disposition"] = "inline"
    return response


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
