"""The nav's unread count, kept in the cache for a short while per person.

Every signed-in page shows the count, and counting (stored notifications, replies, mentions, through the
visibility rule) costs more than the rest of a typical page. So it is cached per person for
`UNREAD_CACHE_SECONDS` (30 by default; 0 turns the cache off) and forgotten at once when something new arrives
for them: a stored notification, a reply to their work or comment, a mention — and when they mark everything
read. What can lower the count without a new arrival (a comment removed by a moderator, a new mute, block or
keyword filter) shows within the half minute. With the default per-process cache, another web process may show
a forgotten count for that half minute too; with `REDIS_URL` the cache is shared.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def _key(user_id: int) -> str:
    return f"unread:{user_id}"


def unread(user_id: int, count: Callable[[], int]) -> int:
    """The person's cached count, counted with `count` when there is none."""
    seconds = settings.UNREAD_CACHE_SECONDS
    if seconds <= 0:
        return count()
    cached = cache.get(_key(user_id))
    if cached is None:
        cached = count()
        cache.set(_key(user_id), cached, seconds)
    return int(cached)


def forget(user_ids: Iterable[int | None]) -> None:
    """Something new for these people: count again on their next page, now and once the write commits (so a
    page counted meanwhile, before the commit, is not kept)."""
    keys = [_key(pk) for pk in set(user_ids) if pk is not None]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))
