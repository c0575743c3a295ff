"""The NinjaAPI instance: authentication (a bearer token, or the site's own session), scopes, typed errors."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from accounts.models import User
from api.auth import bearer, token_for
from api.models import Scope, Token
from api.rest.throttle import PerCaller
from core.exceptions import ActionError, Invalid, NotAllowed

api = NinjaAPI(
    title="Commonplace API",
    version="1",
    description=(
        "Everything Commonplace does, scriptable. Authenticate with a personal access token from your settings "
        "page (`Authorization: Bearer cp_…`), or with the site's own session in a browser. Errors are "
        '`{"error": {"code": "…", "message": "…"}}` with a message a person can read.'
    ),
    urls_namespace="api",
    throttle=[PerCaller()],
    # Declared for the docs' "Authorize" button; reads of public things need no token (the empty alternative).
    openapi_extra={
        "components": {
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "A token from your settings page."}
            }
        },
        "security": [{"token": []}, {}],
    },
)


class ApiError(Exception):
    """An error with an HTTP status, a short code for programs and a message for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"error": {"code": code, "message": message, **extra}}, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    def where(loc: list[object]) -> str:
        parts = [str(p) for p in loc if p not in ("body", "query", "path", "data", "filters")]
        return ".".join(parts) or "input"

    problems = [f"{where(list(error.get('loc', ())))}: {error.get('msg', 'is not valid')}" for error in exc.errors]
    return _error(request, 422, "invalid", "Please fix: " + "; ".join(problems), details=exc.errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Send a valid token: Authorization: Bearer cp_…")


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _error(request, 429, "rate_limited", "Too many requests: please slow down and try again shortly.")
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


@api.exception_handler(Invalid)
def _invalid(request: HttpRequest, exc: Invalid) -> HttpResponse:
    return _error(request, 400, "invalid", exc.message)


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, exc: NotAllowed) -> HttpResponse:
    return _error(request, 403, "forbidden", exc.message)


@api.exception_handler(ActionError)
def _refused(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return _error(request, 400, "refused", exc.message)


def caller(request: HttpRequest) -> User | AnonymousUser:
    """Who is calling: the token's owner, the session's person, or anonymous. A token that is sent but
    unknown, revoked or expired is refused (401) rather than read as anonymous."""
    cached = getattr(request, "_api_caller", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    secret = bearer(request)
    who: User | AnonymousUser
    token: Token | None = None
    if secret is not None:
        token = token_for(secret)
        if token is None:
            raise ApiError(401, "unauthenticated", "That token is unknown, revoked or expired.")
        who = token.user
    else:
        who = request.user if isinstance(request.user, User) else AnonymousUser()
    request._api_caller = who  # type: ignore[attr-defined]
    request._api_token = token  # type: ignore[attr-defined]
    return who


def _csrf_failed(request: HttpRequest) -> bool:
    """Django's CSRF check, for a change made with the session cookie (a token in a header cannot be forged
    by another site, a cookie can)."""
    check = CsrfViewMiddleware(lambda _: HttpResponse())
    check.process_request(request)
    return check.process_view(request, lambda _: HttpResponse(), (), {}) is not None


def require(request: HttpRequest, scope: str = Scope.READ) -> User:
    """The signed-in caller, whose token carries `scope` (a session carries every scope); else 401 or 403.
    A change made through the session must carry the CSRF token, as the site's own forms do."""
    who = caller(request)
    if not isinstance(who, User):
        raise ApiError(401, "unauthenticated", "Sign in, or send a token: Authorization: Bearer cp_…")
    token: Token | None = getattr(request, "_api_token", None)
    if token is not None and not token.allows(scope):
        raise ApiError(403, "scope", f"This token does not have the “{scope}” scope.")
    if token is None and request.method not in ("GET", "HEAD", "OPTIONS") and _csrf_failed(request):
        raise ApiError(403, "csrf", "Send the CSRF token (X-CSRFToken) with changes made through your session.")
    return who


def readable_by(request: HttpRequest) -> User | AnonymousUser:
    """The caller for a read: anyone may read what is public; a token must carry the read scope."""
    who = caller(request)
    token: Token | None = getattr(request, "_api_token", None)
    if token is not None and not token.allows(Scope.READ):
        raise ApiError(403, "scope", "This token does not have the “read” scope.")
    return who
