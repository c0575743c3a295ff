"""Pages for learning artifacts: course page, stream, prompts, artifacts and comments."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.models import User
from courses.models import Course
from courses.selectors import current_week
from posts.selectors import course_stream, person_artifacts


def home(request: HttpRequest) -> HttpResponse:
    courses = Course.objects.listed()[:20]
    return render(request, "posts/home.html", {"courses": courses})


def course_home(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    week = current_week(course)
    page = course_stream(course=course, viewer=request.user)
    return render(request, "posts/course.html", {"course": course, "week": week, "page": page})


def person(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    page = person_artifacts(person=person, viewer=request.user, cursor=request.GET.get("after"))
    return render(request, "posts/person.html", {"person": person, "page": page})


def stream(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def publish(request: HttpRequest, slug: str) -> HttpResponse:
    raise Http404


def week(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    raise Http404


def prompt(request: HttpRequest, slug: str, number: int, prompt: int) -> HttpResponse:
    raise Http404


def artifact(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def artifact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def artifact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def tag(request: HttpRequest, name: str) -> HttpResponse:
    raise Http404
