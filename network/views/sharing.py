"""Opening through our tracked link, and sharing with a note."""

from django.http import Http404, HttpRequest, HttpResponse


def go(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def share(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def unshare(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
