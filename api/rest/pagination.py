"""Keyset pages with a `Link` header: `?cursor=` continues where the last page ended (never OFFSET)."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse


def link_next(request: HttpRequest, response: HttpResponse, cursor: str | None) -> None:
    """Point the `Link: <…>; rel="next"` header at the page after this one, when there is one."""
    if not cursor:
        return
    params = request.GET.copy()
    params["cursor"] = cursor
    response["Link"] = f'<{request.build_absolute_uri(request.path)}?{urlencode(sorted(params.items()))}>; rel="next"'
