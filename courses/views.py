"""Pages for running a course: the course list, joining, and the facilitator's pages."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from courses.models import Course


def course_list(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/list.html", {"courses": Course.objects.listed()})


def course_create(request: HttpRequest) -> HttpResponse:
    raise Http404


def join(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def leave(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def manage(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def members(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def book_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    raise Http404


def week_edit(request: HttpRequest, slug: str, number: int | None = None) -> HttpResponse:
    raise Http404


def prompt_edit(request: HttpRequest, slug: str, number: int, prompt: int | None = None) -> HttpResponse:
    raise Http404


def prompt_delete(request: HttpRequest, slug: str, number: int, prompt: int) -> HttpResponse:
    raise Http404


def live_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    raise Http404


def live_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    raise Http404


def live_question(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    raise Http404
