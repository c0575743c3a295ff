"""Values read once per request: `remembered(key, read)` reads a value the first time a request asks for it and
gives the same value for the rest of that request (`RequestScopeMiddleware` opens the scope around each one).
Outside a request (a task, a command, a test calling a selector) there is no scope: it answers None and the
caller reads the way it would without it.

For the few facts about the viewer that nearly every read of a page needs, such as the courses they belong
to and the people they block or mute: read once as values, a page's queries carry them as values instead of
a subquery each (which every query had to build and compile again). The first time a request asks, it gets
None and uses the subquery: a request that asks once (an image's audience) reads nothing more. A write that
changes one of those facts calls `forget()` (the apps connect it to their models' save and delete signals), so
a request that changes them and then reads goes on with what it wrote.
"""

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict[Hashable, Any] | None] = ContextVar("request_memo", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """A scope in which `remembered` keeps what it read (one request)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


_ASKED = object()  # asked for once in this scope, not read yet


def remembered[T](key: Hashable, read: Callable[[], T]) -> T | None:
    """`read()`'s value, read once in this scope from the second time it is asked for; None the first time and
    outside a scope (read nothing): a request that needs a fact once lets the query that needs it read it (a
    subquery costs no query of its own), one that needs it again reads it once and reuses it."""
    memo = _memo.get()
    if memo is None:
        return None
    found = memo.get(key)
    if found is None:
        memo[key] = _ASKED
        return None
    if found is _ASKED:
        memo[key] = found = read()
    return found  # type: ignore[no-any-return]


def forget(*args: object, **kwargs: object) -> None:
    """Drop everything remembered in this scope (a signal receiver: it takes and ignores the signal's
    arguments)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()
