"""Request middleware: a scope for values read once per request, the viewer's time zone, no caching of
signed-in pages, request size, the media origin."""

import zoneinfo
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.utils import timezone

from core.scope import request_scope


class RequestScopeMiddleware:
    """What a request reads once about its viewer is kept for that request only (`core.scope`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            return self.get_response(request)


class TimezoneMiddleware:
    """Show times in the signed-in person's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tz_name = getattr(request.user, "time_zone", "") if request.user.is_authenticated else ""
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name)) if tz_name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages for a signed-in person must not be kept by shared or browser caches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than MAX_REQUEST_BYTES before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            body = render_to_string("413.html", {"limit_mb": round(limit / (1024 * 1024), 1)})
            return HttpResponse(body, status=413)
        return self.get_response(request)


class MediaOriginMiddleware:
    """U1: when MEDIA_URL names an origin of its own (`https://usercontent.example.net/media/`), that host
    serves the images and nothing else: any other path there, and any image it does not serve, is a bare 404,
    so a page of the site (its forms, its scripts) never runs on the origin that holds people's uploads, and
    the site's pages are never read from it. Hosts are compared as Django validates them (case, a trailing
    dot and the port set aside). Without such a MEDIA_URL, or with one on the site's own host, this does
    nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        media = urlsplit(settings.MEDIA_URL)
        self.domain = split_domain_port(media.netloc)[0] if media.netloc else ""
        if self.domain and self.domain == split_domain_port(urlsplit(settings.SITE_URL).netloc)[0]:
            self.domain = ""  # one host serves both
        self.prefix = media.path or "/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.domain or split_domain_port(request.get_host())[0] != self.domain:
            return self.get_response(request)
        if not request.path.startswith(self.prefix):
            return _bare_not_found()
        response = self.get_response(request)
        return _bare_not_found() if response.status_code == 404 else response


def _bare_not_found() -> HttpResponse:
    return HttpResponseNotFound("Not found", content_type="text/plain; charset=utf-8")
