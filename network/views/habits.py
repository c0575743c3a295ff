"""Consistency over time: weekly goal, streak, next step; who to follow."""

from django.http import Http404, HttpRequest, HttpResponse


def who_to_follow(request: HttpRequest) -> HttpResponse:
    raise Http404


def my_week(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def goal_edit(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404
