"""The search page: results grouped by kind, or one kind a page at a time."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.search import Query, parse_query
from posts.reading import fold_ahead

from . import selectors
from .forms import SearchForm
from .selectors import Filters

PER_GROUP = 5
PER_PAGE = 20
MAX_PAGE = 50


def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict[str, object] = {"form": form, "groups": [], "searched": False}
    if form.is_bound and form.is_valid():
        query = parse_query(form.cleaned_data["q"])
        filters = form.filters()
        only = form.cleaned_data.get("type") or ""
        page = _page_number(request)
        context.update(searched=bool(query), query=query, only=only, page=page)
        if query:
            context["groups"] = _groups(request, query, filters, only, page)
    return render(request, "search/search.html", context)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4):
        return 1
    return min(max(int(raw), 1), MAX_PAGE)


def _link(request: HttpRequest, **changes: object) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params[key] = str(value)
    return "?" + urlencode(sorted(params.items()))


def _groups(request: HttpRequest, query: Query, filters: Filters, only: str, page: int) -> list[dict[str, object]]:
    viewer = request.user
    kinds = [only] if only else ["posts", "comments", "people", "tags"]
    limit = PER_PAGE if only else PER_GROUP
    offset = (page - 1) * PER_PAGE if only else 0
    labels = {"posts": "Posts", "comments": "Comments", "people": "People", "tags": "Tags"}
    groups = []
    for kind in kinds:
        if kind == "posts":
            results = selectors.artifacts(viewer=viewer, query=query, filters=filters, offset=offset, limit=limit)
            fold_ahead([hit.obj for hit in results.hits], viewer)  # what the viewer has not reached in a book
        elif kind == "comments":
            results = selectors.comments(viewer=viewer, query=query, filters=filters, offset=offset, limit=limit)
            fold_ahead([hit.obj.artifact for hit in results.hits], viewer)
        elif kind == "people":
            results = selectors.people(viewer=viewer, query=query, filters=filters, offset=offset, limit=limit)
        else:
            results = selectors.tags(viewer=viewer, query=query, filters=filters, limit=limit)
        groups.append(
            {
                "kind": kind,
                "label": labels[kind],
                "results": results,
                "more": _link(request, type=kind, page=1) if not only and results.has_more else "",
                "next": _link(request, page=page + 1) if only and results.has_more and page < MAX_PAGE else "",
                "previous": _link(request, page=page - 1) if only and page > 1 else "",
            }
        )
    return groups
