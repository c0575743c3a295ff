"""Reads for accounts: the keyword filters that apply to a viewer, the people they do not hear from, and who
may fetch an avatar."""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Block, FilterAction, FilterContext, KeywordFilter, Mute, User
from core.arrays import one_of
from core.scope import remember, remembered
from core.views import Audience
from core.wordfilter import Rule, WordFilter, build


def filters_for(
    viewer: User | AnonymousUser | None, context: FilterContext | str, now: dt.datetime | None = None
) -> WordFilter | None:
    """The viewer's active filters for one place as a matcher; None when signed out or nothing applies.

    One query for a signed-in viewer, none otherwise. In a request (`core.scope`), the viewer's filters for every
    place are read once, with their blocks, mutes and courses when the visibility rule reads those first
    (`filters_sql`, in `courses.selectors.relations_sql`): the pages that filter then need no query for them (a
    read through the ORM was ~0.6 ms, for none in force). A filter saved or deleted makes the request read them
    again. Hiding filters come first, so when a text matches both a hiding and a warning filter it is hidden.
    """
    if viewer is None or not viewer.is_authenticated:
        return None
    context = FilterContext(context)
    pk = viewer.pk

    def read() -> WordFilter | None:
        rows = (
            KeywordFilter.objects.active(now)
            .filter(owner_id=pk, **{f"in_{context.value}": True})
            .order_by("phrase", "id")
            .values_list("phrase", "whole_word", "action")
        )
        return matcher_of(rows)

    if now is not None:  # a moment of the caller's (a test, a task): not the request's
        return read()
    rows = remembered(("filter rows", pk), lambda: _read_filter_rows(pk))
    if rows is None:  # outside a request
        return read()
    found = remembered(("filters", pk, context), lambda: (filters_from(rows, context),))  # None is a value here
    return read() if found is None else found[0]


# A bit for each place a keyword filter applies to, and one for a whole-word filter, in the rows `filters_sql` reads.
FILTER_PLACES = {
    FilterContext.HOME: 1,
    FilterContext.COURSES: 2,
    FilterContext.NOTIFICATIONS: 4,
    FilterContext.COMMENTS: 8,
}
WHOLE_WORD = 16
FILTER_ROW = 6  # the kind of a keyword filter's row among the viewer's relations (`courses.selectors.relations_sql`)


def filters_sql(width: int = 5) -> str:
    """The statement that reads the viewer's keyword filters in force for every place (as
    `KeywordFilter.objects.active()` has them), as rows (FILTER_ROW, rank by phrase and id in the database's
    collation, bits: FILTER_PLACES and WHOLE_WORD, action, phrase), padded with NULL columns to `width`; to go on
    with `UNION ALL` after other facts about the viewer, whose rows have numbers in the first three columns and
    text or NULL in the next two. Its parameters: `filters_params`."""
    bits = " + ".join(
        f"CASE WHEN {column} THEN {bit} ELSE 0 END"
        for column, bit in [
            *((f"in_{place.value}", bit) for place, bit in FILTER_PLACES.items()),
            ("whole_word", WHOLE_WORD),
        ]
    )
    pad = ", NULL" * (width - 5)
    return (
        f"SELECT {FILTER_ROW}, ROW_NUMBER() OVER (ORDER BY phrase, id), {bits}, action, phrase{pad} "  # noqa: S608 - the model's own table
        f"FROM {KeywordFilter._meta.db_table} WHERE owner_id = %s AND (expires_at IS NULL OR expires_at > %s)"
    )


def filters_params(pk: int) -> list[Any]:
    return [pk, connection.ops.adapt_datetimefield_value(timezone.now())]


def filters_from(rows: Iterable[Sequence[Any]], context: FilterContext | str) -> WordFilter | None:
    """`filters_for` the place, from the rows `filters_sql` reads (rows of other kinds are passed over)."""
    bit = FILTER_PLACES[FilterContext(context)]
    chosen = sorted(
        (row[1], row[4], row[2] & WHOLE_WORD, row[3]) for row in rows if row[0] == FILTER_ROW and row[2] & bit
    )  # by rank: by phrase and id, as the ORM's read orders them
    return matcher_of((phrase, bool(whole), action) for _, phrase, whole, action in chosen)


def keep_filters(pk: int, rows: Iterable[Sequence[Any]]) -> None:
    """Keep the viewer's filter rows (of the rows `filters_sql` reads, with others) for the rest of the request."""
    remember(("filter rows", pk), tuple(row for row in rows if row[0] == FILTER_ROW))


def _read_filter_rows(pk: int) -> tuple[tuple[Any, ...], ...]:
    with connection.cursor() as cursor:
        cursor.execute(filters_sql(), filters_params(pk))
        return tuple(tuple(row) for row in cursor.fetchall())


def matcher_of(rows: Iterable[tuple[str, bool, str]]) -> WordFilter | None:
    """The matcher of active filters given as (phrase, whole word, action), ordered by phrase and id: hiding
    filters first, so when a text matches both a hiding and a warning filter it is hidden."""
    rules = [Rule(phrase, bool(whole_word), action == FilterAction.HIDE) for phrase, whole_word, action in rows]
    rules.sort(key=lambda rule: not rule.hide)
    return build(rules)


@dataclass(frozen=True)
class Apart:
    """The people a viewer does not hear from, by id: `blocked`, those they block or who block them (either way);
    `muted`, those they mute (mutes in force)."""

    blocked: frozenset[int]
    muted: frozenset[int]


def apart(viewer: User | AnonymousUser) -> Apart | None:
    """The viewer's `Apart`, read once per request (`core.scope`: one query); None when signed out and outside
    a request (a task or a command), where callers use subqueries."""
    if not viewer.is_authenticated:
        return None
    return remembered(("apart", viewer.pk), lambda: _read_apart(viewer.pk))


def apart_sql(width: int = 3) -> str:
    """The statement that reads a viewer's `Apart`: the blocks either way and the mutes in force (as
    `Mute.objects.active()` has them), as rows (0 for a block or 1 for a mute, one side, the other side), padded
    with NULL columns to `width`, so a read of more facts about the viewer can go on with `UNION ALL` (rows of
    other kinds). Its parameters: `apart_params`. Written out, as the ORM took 0.75 ms to build and compile the
    union whose SQL runs in 0.02 (`posts/tests/test_request_relations.py` checks it against the querysets)."""
    pad = ", NULL" * (width - 3)
    return (
        f"SELECT 0, blocker_id, blocked_id{pad} FROM {Block._meta.db_table} WHERE blocker_id = %s OR blocked_id = %s "  # noqa: S608 - the models' own tables
        f"UNION ALL SELECT 1, muter_id, muted_id{pad} FROM {Mute._meta.db_table} "
        "WHERE muter_id = %s AND (until IS NULL OR until > %s)"
    )


def apart_params(pk: int) -> list[Any]:
    return [pk, pk, pk, connection.ops.adapt_datetimefield_value(timezone.now())]


def apart_of(pk: int, rows: Iterable[Sequence[Any]]) -> Apart:
    """The `Apart` of the viewer `pk` from the rows `apart_sql` reads (rows of other kinds are passed over)."""
    blocked, muted = set(), set()
    for kind, one, other, *_ in rows:
        if kind == 0:
            blocked.add(other if one == pk else one)
        elif kind == 1:
            muted.add(other)
    return Apart(blocked=frozenset(blocked), muted=frozenset(muted))


def _read_apart(pk: int) -> Apart:
    with connection.cursor() as cursor:
        cursor.execute(apart_sql(), apart_params(pk))
        return apart_of(pk, cursor.fetchall())


def hidden_people(viewer: User | AnonymousUser, field: str = "author_id", now: dt.datetime | None = None) -> Q:
    """Rows whose `field` (a person's id) is someone whose activity the viewer does not see in lists: people
    they mute (active mutes), block, or are blocked by. For `.exclude(...)`; matches nothing when signed out.

    In a request, the ids themselves (`apart`, read once); elsewhere (or at another `now`), three id subqueries,
    each read from the mutes' or blocks' own index by the viewer, so the database never reads the people table
    (a subquery of people made PostgreSQL scan all 100,000 of them: 8 ms).
    """
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    known = apart(viewer) if now is None else None
    if known is not None:
        return one_of(field, known.blocked | known.muted)
    return (
        Q(**{f"{field}__in": Mute.objects.active(now).filter(muter_id=viewer.pk).values("muted_id")})
        | Q(**{f"{field}__in": Block.objects.filter(blocker_id=viewer.pk).values("blocked_id")})
        | Q(**{f"{field}__in": Block.objects.filter(blocked_id=viewer.pk).values("blocker_id")})
    )


def filters_of(owner: User) -> list[KeywordFilter]:
    """Every filter the person has, active or expired, by phrase (for their settings page)."""
    return list(KeywordFilter.objects.filter(owner=owner).order_by("phrase", "id"))


def avatar_audience(request: HttpRequest, name: str) -> Audience | None:
    """Who may fetch the avatar stored as `name` (a `core.views.media` reader): everyone, like the profile it
    belongs to, while an active person has it; None once it was replaced or its owner is gone. One query."""
    has_it = User.objects.filter(avatar=name, is_active=True).exclude(avatar="")  # uses the index user_avatar
    return Audience.EVERYONE if has_it.exists() else None


def awaiting_signups() -> list[User]:
    """Accounts waiting for a staff member's approval (SIGNUP_APPROVAL), oldest first."""
    return list(User.objects.filter(awaiting_approval=True).order_by("date_joined", "pk"))
