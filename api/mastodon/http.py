"""The Mastodon API's HTTP plumbing: who is calling (a bearer token and its scopes), parameters from a query, a
form or JSON, errors as `{"error": "…"}`, and `Link` headers for pages."""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from api.auth import bearer, token_for
from api.models import Scope
from core.exceptions import ActionError

Viewer = User | AnonymousUser
Params = dict[str, list[str]]
DEFAULT_LIMIT = 20
MAX_LIMIT = 40


class MastodonError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def not_found(what: str = "Record") -> MastodonError:
    return MastodonError(404, f"{what} not found.")  # hidden and missing look the same


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A Mastodon API view: the given methods only, bearer tokens instead of cookies (so no CSRF token), and
    refusals as `{"error": "…"}`: MastodonError with its status, a service's ActionError as 422."""

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = error(405, f"Use {' or '.join(methods)} here.")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except MastodonError as exc:
                return error(exc.status, exc.message)
            except ActionError as exc:
                return error(422, exc.message)

        return run

    return wrap


def _caller(request: HttpRequest, scope: str) -> User | None:
    secret = bearer(request)
    if secret is None:
        return None
    token = token_for(secret)
    if token is None:
        raise MastodonError(401, "The access token is invalid.")
    if not token.allows(scope):
        raise MastodonError(403, "This action is outside the authorized scopes.")
    return token.user


def reader(request: HttpRequest) -> Viewer:
    """The person reading (a token with a read scope), or anonymous without a token."""
    return _caller(request, Scope.READ) or AnonymousUser()


def signed_in(request: HttpRequest, scope: str = Scope.READ) -> User:
    """The person behind the token, which must carry `scope` (401 without a token, 403 without the scope)."""
    user = _caller(request, scope)
    if user is None:
        raise MastodonError(401, "The access token is missing: send Authorization: Bearer <token>.")
    return user


def params(request: HttpRequest) -> Params:
    """Query, form or JSON parameters as lists (`id[]=1&id[]=2` and `id=1` both give id: [1, 2])."""
    found: Params = {}
    if request.method == "GET":
        source: Any = request.GET
    elif request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            raise MastodonError(400, "The JSON body could not be read.") from None
        if not isinstance(body, dict):
            raise MastodonError(400, "Send a JSON object.")
        for key, value in body.items():
            values = value if isinstance(value, list) else [value]
            found[key.removesuffix("[]")] = [
                "" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in values
            ]
        return found
    else:
        source = request.POST
    for key in source:
        found.setdefault(key.removesuffix("[]"), []).extend(source.getlist(key))
    return found


def one(found: Params, name: str, default: str = "") -> str:
    values = found.get(name)
    return values[0] if values else default


def limit(found: Params, default: int = DEFAULT_LIMIT, most: int = MAX_LIMIT) -> int:
    raw = one(found, "limit")
    return max(1, min(most, int(raw))) if raw.isdigit() else default


def link(request: HttpRequest, response: HttpResponse, *, next_max: str | None, prev_min: str | None) -> None:
    """`Link: <…?max_id=…>; rel="next", <…?min_id=…>; rel="prev"`, keeping the other query parameters."""
    kept = {k: v for k, v in request.GET.lists() if k not in {"max_id", "min_id", "since_id"}}
    parts = []
    for rel, name, value in (("next", "max_id", next_max), ("prev", "min_id", prev_min)):
        if value:
            query = urlencode({**kept, name: [value]}, doseq=True)
            parts.append(f'<{request.build_absolute_uri(request.path)}?{query}>; rel="{rel}"')
    if parts:
        response["Link"] = ", ".join(parts)
