"""Values read once per request: `remembered(key, read)` reads a value the first time a request asks for it and
gives the same value for the rest of that request (`RequestScopeMiddleware` opens the scope around each one).
Outside a request (a task, a command, a test calling a selector) there is no scope: it answers None and the
caller reads the way it would without it.

For the few facts about the viewer that nearly every read of a page needs, such as the courses they belong
to and the people they block or mute: read once as values, a page's queries carry them as values instead of
a subquery each (which every query had to build and compile again); a read that needs them once and is
one query itself (an image's audience) reads `unscoped()`, with subqueries. A write that changes one of those
facts calls `forget()` (the apps connect it to their models' save and delete signals), so a request that
changes them and then reads goes on with what it wrote.
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


def remembered[T](key: Hashable, read: Callable[[], T]) -> T | None:
    """`read()`'s value, read once in this scope; None outside a scope (read nothing)."""
    memo = _memo.get()
    if memo is None:
        return None
    if key not in memo:
        memo[key] = read()
    return memo[key]  # type: ignore[no-any-return]


def remember(key: Hashable, value: object) -> None:
    """Keep `value` as what `remembered(key, …)` gives for the rest of this scope: for a read that learned it
    along with something else (one statement for several facts). Outside a scope, nothing."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


@contextmanager
def unscoped() -> Iterator[None]:
    """Read as outside a request: for a request that needs such a fact once, in one query (an image's
    audience), where reading it first would cost a query more than the subquery."""
    token = _memo.set(None)
    try:
        yield
    finally:
        _memo.reset(token)


def forget(*args: object, **kwargs: object) -> None:
    """Drop everything remembered in this scope (a signal receiver: it takes and ignores the signal's
    arguments)."""
    memo = _memo.get()
    if memo is not None:
        memo.clear()
