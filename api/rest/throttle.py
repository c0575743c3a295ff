"""Rate limits per token (or per signed-in person, or per address for anonymous calls), in the cache.

A fixed window per minute (or whatever the rate's unit is) counted with the cache's atomic add/incr, so web
processes share it through Redis. Nothing about a request is kept on the throttle object itself (it is one
object for every thread); the wait for `Retry-After` is kept per thread."""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from accounts.throttle import client_address
from api.auth import bearer
from api.models import hash_secret

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "300/m" → (300, 60)."""
    count, _, unit = rate.partition("/")
    return int(count), UNITS[unit.strip()[0].lower()]


class PerCaller(BaseThrottle):
    """`API_RATE` for a token or a signed-in session, `API_RATE_ANONYMOUS` otherwise (e.g. "300/m")."""

    _last = threading.local()

    def _ident(self, request: HttpRequest) -> tuple[str, str]:
        secret = bearer(request)
        if secret is not None:
            return "t" + hash_secret(secret)[:24], settings.API_RATE
        if request.user.is_authenticated:
            return f"u{request.user.pk}", settings.API_RATE
        return "a" + client_address(request), settings.API_RATE_ANONYMOUS

    def allow_request(self, request: HttpRequest) -> bool:
        ident, rate = self._ident(request)
        limit, seconds = parse_rate(rate)
        now = time.time()
        window = int(now // seconds)
        key = f"api-rate:{ident}:{seconds}:{window}"
        cache.add(key, 0, seconds + 5)
        try:
            used = int(cache.incr(key))
        except ValueError:  # the window's counter expired between add and incr
            cache.set(key, 1, seconds + 5)
            used = 1
        self._last.wait = (window + 1) * seconds - now
        return used <= limit

    def wait(self) -> float | None:
        return getattr(self._last, "wait", None)
