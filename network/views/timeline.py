"""Home timeline and notifications."""

from django.http import Http404, HttpRequest, HttpResponse


def home_timeline(request: HttpRequest) -> HttpResponse:
    raise Http404


def notifications(request: HttpRequest) -> HttpResponse:
    raise Http404


def mark_read(request: HttpRequest) -> HttpResponse:
    raise Http404
