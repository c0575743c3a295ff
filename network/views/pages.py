"""The course stream and the person page: posts' artifact lists with the network's counts and follows."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from network.selectors import (
    balance_words,
    course_streaks,
    course_with_weeks,
    curation_reach,
    giving_balance,
    profile_of,
    shares_counted,
)
from posts.forms import StreamFilterForm
from posts.reading import fold_ahead
from posts.selectors import Page, course_stream, muted_ids, person_artifacts

PAGE_PARTIAL = "posts/partials.html#artifact-page"


def _cursor(request: HttpRequest) -> str | None:
    return request.GET.get("after") or None


def _list_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page with a paginated artifact list, its cards read with their share counts (the views here pass
    `counted=shares_counted()` to the selector); htmx asking for the next page gets only the list partial."""
    fold_ahead(context["page"].items, request.user)  # what the viewer has not reached in a course book
    context["show_shares"] = True
    if request.headers.get("HX-Request") == "true" and _cursor(request):
        return render(request, PAGE_PARTIAL, context)
    return render(request, template, context)


def stream(request: HttpRequest, slug: str) -> HttpResponse:
    """The course stream (filters, keyset pages, htmx) with each card's share and reply counts."""
    found = course_with_weeks(slug)
    if found is None:
        raise Http404("No such course")
    course, weeks = found
    filters = StreamFilterForm(request.GET, weeks=weeks).filters()
    # Shown unbound with only the filters in use: an ignored value is dropped, not flagged as an error.
    form = StreamFilterForm(initial=StreamFilterForm.initial_for(filters), weeks=weeks)
    page = course_stream(
        course=course, viewer=request.user, cursor=_cursor(request), counted=shares_counted(), **filters
    )
    return _list_page(request, "network/stream.html", {"course": course, "form": form, "page": page})


def person(request: HttpRequest, username: str) -> HttpResponse:
    """A person's profile and artifacts, with follows, the follow button and, on your own page, your giving.

    Someone who blocked the viewer gives the same 404 as a missing person.
    """
    viewer = request.user
    found = profile_of(username, viewer)
    if found is None:
        raise Http404("No such person")
    page: Page = person_artifacts(person=found, viewer=viewer, cursor=_cursor(request), counted=shares_counted())
    context: dict[str, Any] = {
        "person": found,
        "page": page,
        "is_muted": found.pk in muted_ids(viewer),
        "here": request.path,
        "is_self": viewer.is_authenticated and viewer.pk == found.pk,
    }
    if context["is_self"] and not _cursor(request):
        assert isinstance(viewer, User)
        context.update(
            balance_text=balance_words(giving_balance(viewer)),
            reach=curation_reach(viewer),
            streaks=course_streaks(viewer),
        )
    return _list_page(request, "network/person.html", context)
