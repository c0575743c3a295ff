"""Pages for running a course: the course list, joining, and the facilitator's pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from courses.models import Course


def course_list(request: HttpRequest) -> HttpResponse:
    return render(request, "courses/list.html", {"courses": Course.objects.listed()})
