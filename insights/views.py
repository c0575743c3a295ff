"""The dashboards: a person's own (/me/insights/) and a course's, for its facilitators only."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify

from accounts.models import User
from courses.models import Course, Week
from courses.selectors import can_facilitate
from insights import maps, selectors, services_maps, tasks
from insights.network_map import build_graph, csv_files, graphml


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # behind login_required
    return request.user


@login_required
def me(request: HttpRequest) -> HttpResponse:
    dashboard = selectors.personal_dashboard(_user(request))
    return render(request, "insights/me.html", {"dashboard": dashboard})


def _facilitated(request: HttpRequest, slug: str) -> Course:
    """The course, for its facilitators; anyone else gets the same 404 as for a missing course (A2)."""
    course = get_object_or_404(Course, slug=slug)
    if not can_facilitate(course, request.user):
        raise Http404("No such course")
    return course


def _week(request: HttpRequest, course: Course) -> Week | None:
    raw = request.GET.get("week", "")
    if not raw:
        return None
    week = maps.week_of(course, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) <= 2 else None
    if week is None:
        raise Http404("No such week")
    return week


@login_required
def course(request: HttpRequest, slug: str) -> HttpResponse:
    course = _facilitated(request, slug)
    week = _week(request, course)
    dashboard = selectors.course_dashboard(course)
    drawn = services_maps.course_map(course, week)
    if not drawn.ready:
        week_number = week.number if week else 0
        transaction.on_commit(lambda: tasks.draw_map.enqueue(course.pk, week_number))
    return render(
        request,
        "insights/course.html",
        {
            "course": course,
            "dashboard": dashboard,
            "map": drawn,
            "week": week,
            "weeks": list(course.weeks.order_by("number")),
            "window": maps.map_window_text(week),
        },
    )


@login_required
def map_svg(request: HttpRequest, slug: str) -> HttpResponse:
    """The course's kept network drawing on its own, for a map too big to put in the page (shown there as an
    image). Facilitators only, as the page; 404 before the first drawing."""
    course = _facilitated(request, slug)
    svg = services_maps.stored_svg(course, _week(request, course))
    if svg is None:
        raise Http404("Not drawn yet")
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    # Opened on its own, it is a document of ours: nothing in it may run or load anything.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
def download(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """The map's data for Gephi and friends: GraphML, or the nodes and edges as CSV."""
    course = _facilitated(request, slug)
    week = _week(request, course)
    graph = build_graph(*maps.network_data(course, week))
    name = f"{slugify(course.slug)}-network" + (f"-week-{week.number}" if week else "")
    if kind == "graphml":
        response = HttpResponse(graphml(graph), content_type="application/graphml+xml")
        filename = f"{name}.graphml"
    else:
        nodes, edges = csv_files(graph)
        response = HttpResponse(nodes if kind == "nodes" else edges, content_type="text/csv; charset=utf-8")
        filename = f"{name}-{kind}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
