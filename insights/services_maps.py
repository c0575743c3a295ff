"""Drawing a course's network map and keeping the drawing: layout and measures are the expensive part (seconds
for thousands of people), so a drawing is stored with the fingerprint of the data it was drawn from and
redrawn only when that changes. Small courses are drawn on the spot; big ones by the task worker, which also
redraws every course's season map after the nightly rollup."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Length
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from courses.models import Course, Week
from insights import maps
from insights.models import CourseMap
from insights.network_map import NetworkMap, build_graph, layout, measures, render_svg

DRAW_NOW_LIMIT = 400  # people: drawing takes well under a second below this
# A drawing longer than this (characters of SVG) is not put in the page but served on its own (`map_svg`) and shown
# as an image: 5,000 people and their 160,000 connections draw 12 MB, which the page would read, copy and send on
# every visit.
INLINE_MAP_CHARS = 400_000


@dataclass
class MapView:
    ready: bool
    people: int
    drawing: NetworkMap | None = None
    measures: list[list[str]] = field(default_factory=list)
    drawn_at: dt.datetime | None = None
    svg_chars: int = 0  # the drawing's length; over INLINE_MAP_CHARS the page links the SVG instead

    @property
    def inline(self) -> bool:
        return self.svg_chars <= INLINE_MAP_CHARS


def _view(stored: CourseMap) -> MapView:
    # Our own renderer's and template's output, escaped when it was drawn. A drawing stored before the table
    # was kept rendered has only its rows (loaded on demand: the page query leaves them out).
    table = SafeString(stored.table_html) if stored.table_html else None
    chars = getattr(stored, "svg_chars", None)
    chars = len(stored.svg) if chars is None else chars
    drawing = NetworkMap(
        svg=SafeString(stored.svg if chars <= INLINE_MAP_CHARS else ""),
        summary=stored.summary,
        columns=stored.columns,
        rows=[] if table else stored.rows,
        caption=stored.caption,
        table_html=table,
    )
    return MapView(True, stored.people, drawing, stored.measures, stored.drawn_at, chars)


def draw_course_map(course: Course, week: Week | None = None) -> CourseMap:
    """Draw the map from the rollups now and keep it (replacing an older drawing of the same window)."""
    version = maps.data_version(course, week)
    graph = build_graph(*maps.network_data(course, week))
    caption = f"The network of {course.title}, {maps.map_window_text(week)}"
    drawn = render_svg(graph, layout(graph), id=f"network-map-{week.number if week else 0}", caption=caption)
    with transaction.atomic():
        stored, _ = CourseMap.objects.update_or_create(
            course=course,
            week_number=week.number if week else 0,
            defaults={
                "version": version,
                "people": graph.number_of_nodes(),
                "svg": str(drawn.svg),
                "summary": drawn.summary,
                "caption": drawn.caption,
                "columns": drawn.columns,
                "rows": drawn.rows,
                "measures": [list(row) for row in measures(graph)],
                "table_html": render_to_string("insights/chart_table.html", {"chart": drawn}),
                "drawn_at": timezone.now(),
            },
        )
    return stored


def stored_svg(course: Course, week: Week | None = None) -> str | None:
    """The kept drawing of the course (and week) as SVG, current or not; None before the first drawing."""
    return (
        CourseMap.objects.filter(course=course, week_number=week.number if week else 0)
        .values_list("svg", flat=True)
        .first()
    )


def course_map(course: Course, week: Week | None = None) -> MapView:
    """The current drawing for the course (and week), drawing it now for a small course; for a big one,
    the worker is asked to draw it and the view says so (the page offers to check again)."""
    version = maps.data_version(course, week)
    stored = (
        CourseMap.objects.filter(course=course, week_number=week.number if week else 0)
        .defer("rows", "svg")  # the SVG is read only when it goes in the page
        .annotate(svg_chars=Length("svg"))
        .first()
    )
    if stored is not None and stored.version == version:
        return _view(stored)
    people = course.enrollments.count()
    if people <= DRAW_NOW_LIMIT:
        return _view(draw_course_map(course, week))
    return MapView(False, people)  # the caller asks the worker to draw it (insights.tasks.draw_map)
