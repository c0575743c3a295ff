"""Following people and tags, and blocking."""

from django.http import Http404, HttpRequest, HttpResponse


def connect(request: HttpRequest, username: str) -> HttpResponse:
    raise Http404


def follow(request: HttpRequest, username: str) -> HttpResponse:
    raise Http404


def unfollow(request: HttpRequest, username: str) -> HttpResponse:
    raise Http404


def block(request: HttpRequest, username: str) -> HttpResponse:
    raise Http404


def unblock(request: HttpRequest, username: str) -> HttpResponse:
    raise Http404


def follow_tag(request: HttpRequest, name: str) -> HttpResponse:
    raise Http404


def unfollow_tag(request: HttpRequest, name: str) -> HttpResponse:
    raise Http404
