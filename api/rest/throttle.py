"""Rate limits per token (or per signed-in person, or per address for anonymous calls), in the cache."""

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from api.auth import bearer
from api.models import hash_secret


class PerCaller(SimpleRateThrottle):
    """`API_RATE` for a token or a signed-in session, `API_RATE_ANONYMOUS` otherwise (e.g. "300/m")."""

    def __init__(self) -> None:
        super().__init__(rate=settings.API_RATE)

    def _ident(self, request: HttpRequest) -> tuple[str, str]:
        secret = bearer(request)
        if secret is not None:
            return "t" + hash_secret(secret)[:24], settings.API_RATE
        if request.user.is_authenticated:
            return f"u{request.user.pk}", settings.API_RATE
        return "a" + (self.get_ident(request) or ""), settings.API_RATE_ANONYMOUS

    def allow_request(self, request: HttpRequest) -> bool:
        _, self.rate = self._ident(request)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        return "api-rate:" + self._ident(request)[0]
