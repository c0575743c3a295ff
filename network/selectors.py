"""Reads for the network: relationships, opens, giving balance, share advice, notifications."""

import base64
import datetime as dt
import hashlib
import heapq
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Field,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Block, FilterContext, Mute, User
from accounts.selectors import filters_for, filters_from, hidden_people
from core.arrays import Ids, among
from core.text import html_to_text
from courses.models import Course, HabitMode, Week
from courses.selectors import keep_relations, relations_params, relations_sql
from network import habits
from network.mentions import mention_count, mentions_of
from network.models import Follow, Notification, NotificationKind, NotificationsSeen, Open, Share, TagFollow
from posts.models import ADDRESSEES, Artifact, Comment, Tag, addressed_to_q, visible_q
from posts.selectors import (
    EXTRA_ROUNDS,
    PAGE_SIZE,
    Counted,
    after_position,
    card_query,
    cards,
    decode_cursor,
    filter_keeper,
    with_tag,
)

Viewer = User | AnonymousUser
BALANCE_DAYS = 30


def is_following(follower: Viewer, followee: User) -> bool:
    return follower.is_authenticated and Follow.objects.filter(follower_id=follower.pk, followee=followee).exists()


def has_opened(user: Viewer, artifact: Artifact) -> bool:
    return user.is_authenticated and Open.objects.filter(user_id=user.pk, artifact=artifact).exists()


def blocked_between(a: User, b: User) -> bool:
    """True when either person has blocked the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def active_mute(muter: User, muted: User, now: dt.datetime | None = None) -> Mute | None:
    now = now or timezone.now()
    return Mute.objects.active(now).filter(muter=muter, muted=muted).first()


@dataclass(frozen=True)
class Balance:
    own: int
    others: int

    @property
    def total(self) -> int:
        return self.own + self.others

    @property
    def own_ratio(self) -> float:
        return self.own / self.total if self.total else 0.0

    def after_sharing(self, *, own: bool) -> "Balance":
        return Balance(self.own + int(own), self.others + int(not own))


def giving_balance(user: User, *, days: int = BALANCE_DAYS, now: dt.datetime | None = None) -> Balance:
    """Own work vs others' work among the person's shares over the last `days` days."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    recent = Share.objects.filter(sharer=user, created_at__gte=since)
    own = recent.filter(own_work=True).count()
    return Balance(own=own, others=recent.count() - own)


@dataclass(frozen=True)
class ShareAdvice:
    """What the share dialog tells the person before they share."""

    opened: bool
    allowed: bool
    balance: Balance
    would_tip_balance: bool
    suggestions: list[Artifact]
    already_shared: bool


def share_advice(user: User, artifact: Artifact) -> ShareAdvice:
    """Can they share it yet, and would sharing their own work tip their giving balance over the threshold."""
    course = artifact.course
    opened = has_opened(user, artifact) or artifact.author_id == user.pk
    allowed = opened or course.read_before_share != HabitMode.REQUIRE
    balance = giving_balance(user)
    own = artifact.author_id == user.pk
    tips = (
        course.giving_balance == HabitMode.NUDGE
        and own
        and balance.after_sharing(own=True).own_ratio > course.own_share_threshold
    )
    suggestions = unshared_opened_by_others(user, limit=3) if tips else []
    return ShareAdvice(
        opened=opened,
        allowed=allowed,
        balance=balance,
        would_tip_balance=tips,
        suggestions=suggestions,
        already_shared=Share.objects.filter(sharer=user, artifact=artifact).exists(),
    )


def unshared_opened_by_others(user: User, *, limit: int = 3) -> list[Artifact]:
    """Others' work the person opened and has not shared yet, most recently opened first."""
    return list(
        Artifact.objects.visible_to(user)
        .published()
        .filter(opens__user=user)
        .exclude(author=user)
        .exclude(Exists(Share.objects.filter(sharer=user, artifact=OuterRef("pk"))))
        .select_related("author")
        .order_by("-opens__last_opened_at")[:limit]
    )


def _blocked_ids(user: User) -> Q:
    """People the user blocked or who blocked the user, as a filter on a `<field>_id` named by the caller."""
    return Q(pk__in=Block.objects.filter(blocker=user).values("blocked_id")) | Q(
        pk__in=Block.objects.filter(blocked=user).values("blocker_id")
    )


def person_blocked_viewer(person: User, viewer: User) -> bool:
    """True when the person blocked the viewer (their connect page is then hidden like a missing one)."""
    return Block.objects.filter(blocker=person, blocked=viewer).exists()


def has_blocked(blocker: User, blocked: User) -> bool:
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def visible_tag(name: str, viewer: Viewer) -> Tag | None:
    """A tag used by at least one artifact the viewer may see; None both when unused and when missing."""
    visible = Artifact.objects.visible_to(viewer).published()
    return Tag.objects.filter(name=name.lstrip("#").lower(), artifacts__in=visible).distinct().first()


def is_following_tag(user: Viewer, tag: Tag) -> bool:
    return user.is_authenticated and TagFollow.objects.filter(user_id=user.pk, tag=tag).exists()


def followed_tags(user: User) -> list[Tag]:
    return list(Tag.objects.filter(followers__user=user).order_by("name"))


def visible_share(pk: str | int | None, *, artifact: Artifact, viewer: User) -> Share | None:
    """A share of this artifact the viewer may see (not across a block); None for anything else."""
    if pk is None or not str(pk).isdigit():
        return None
    return (
        Share.objects.filter(pk=int(pk), artifact=artifact)
        .exclude(sharer__in=User.objects.filter(_blocked_ids(viewer)))
        .first()
    )


# The home timeline


@dataclass
class TimelineItem:
    artifact: Artifact
    activity_at: dt.datetime
    share: Share | None


@dataclass
class Timeline:
    items: list[TimelineItem]
    next_cursor: str | None


def _encode(when: dt.datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{when.isoformat()}|{pk}".encode()).decode().rstrip("=")


def home_timeline(viewer: User, *, cursor: str | None = None, limit: int = PAGE_SIZE) -> Timeline:
    """Artifacts by people and in tags the viewer follows, and those shared by people they follow.

    Each artifact appears once, at its newest activity (publication, or the latest share by someone followed),
    with that share's note. Only what `visible_to` allows, without muted or blocked people (as authors or
    sharers), and without what the viewer's hiding keyword filters for home match (warning ones set
    `artifact.filtered_by`). Keyset pagination on (activity, id); a malformed cursor gives the first page.

    Read by fan-in (`_TimelineRead`), so the cost follows the page, not everything the viewer could see:
    about ten queries, the same for any page and any number of people followed; a further round only when
    what was read holds too few new items (artifacts already shown, hidden, or filtered out).
    """
    return _TimelineRead(viewer, limit).page(decode_cursor(cursor) if cursor else None)


# Rounds of the timeline's fan-in; each reads four times as many events per source as the one before.
TIMELINE_ROUNDS = 4
# Following this many people or more, the newest artifacts are walked rather than each person's read and sorted
# (`_TimelineRead._by_followed_authors`). At 1M artifacts on SQLite, the first round's 42 events: following 2,016,
# 0.97 ms walking against 2.84 reading each; following 200, 12 ms walking against 0.41. With the author in the
# walked index (artifact_newest), following 2,011: 3.8 -> 1.4 ms.
WALK_NEWEST_FROM = 1000
# ...and only when those people wrote at least this many artifacts (one bounded count decides, once a page): walking
# finds a page of theirs quickly only where they wrote much of what is newest. Following 2,000 people who never
# posted, the walk read all 1M artifacts of the index (142 ms, against 1.4 reading each one's); counting up to this
# many of theirs costs 1.4 ms at most, and at 1M the walk then reads about 42 x 1M / 5,000 = 8,400 index entries.
WALK_AMONG_AT_LEAST = 5000
# How long that count's answer is kept (the default cache), per viewer and the people they follow.
WALK_DECISION_SECONDS = 600


Key = tuple[dt.datetime, int]  # (time, artifact id): the timeline's order, newest first


@dataclass(frozen=True)
class _Reader:
    """What the home timeline needs to know of its viewer: the people they follow (without those they do not hear
    from), the tags they follow, and their keyword filters for home."""

    followed: list[int]
    tags: list[int]
    keep: Callable[[Artifact], bool] | None


def _reader_sql() -> str:
    """`courses.selectors.relations_sql` (blocks, mutes, courses, keyword filters: ranked in the statement, in the
    order `filters_for` reads them, without sorting the thousands of rows of someone following thousands: 0.4 ms
    of its 1.2) and then the people and tags the viewer follows, as rows (3, person), (4, tag)."""
    return (
        f"{relations_sql(5)} "  # noqa: S608 - the models' own tables, no value of anyone's
        f"UNION ALL SELECT 3, followee_id, 0, NULL, NULL FROM {Follow._meta.db_table} WHERE follower_id = %s "
        f"UNION ALL SELECT 4, tag_id, 0, NULL, NULL FROM {TagFollow._meta.db_table} WHERE user_id = %s"
    )


def _read_reader(viewer: User) -> _Reader:
    """The timeline's `_Reader`, and the viewer's blocks, mutes and courses (`accounts.selectors.apart`,
    `courses.selectors.memberships`, kept for the rest of the request, where the visibility rule reads them), in one
    statement: six small reads through the ORM were 2.3 ms of a 13 ms page at 1M artifacts, nearly all of it building
    and compiling them. The same rows as `Block`, `Mute.objects.active()`, `Enrollment`, `Follow`, `TagFollow` and
    `KeywordFilter.objects.active()` for home (`network/tests/test_timeline_reader.py` checks it against them)."""
    pk = viewer.pk
    params = [*relations_params(pk), pk, pk]
    with connection.cursor() as cursor:
        cursor.execute(_reader_sql(), params)
        rows = cursor.fetchall()
    relations: list[tuple[Any, ...]] = []
    followed: list[int] = []
    tags: list[int] = []
    for row in rows:  # one pass: following two thousand people is two thousand rows
        kind = row[0]
        if kind == 3:
            followed.append(row[1])
        elif kind == 4:
            tags.append(row[1])
        else:
            relations.append(row)
    away, _ = keep_relations(pk, relations)  # kept for the request; returned also outside one
    hidden = away.blocked | away.muted
    return _Reader(
        followed=[person for person in followed if person not in hidden] if hidden else followed,
        tags=tags,
        keep=filter_keeper(filters_from(relations, FilterContext.HOME)),
    )


class _TimelineRead:
    """One page of the home timeline.

    1. Events: the newest k below the cursor from each source, each read from its own index — artifacts by
       people followed (author, published_at), in followed tags (`with_tag`), shares by people followed
       (sharer, created_at). The bound is the newest of the last events of the sources that had more: an
       artifact none of whose events was read is older than it.
    2. Activity of each candidate, in full: published_at if it reaches the viewer directly (followed author or
       tag, and the visibility rule, mutes and blocks — `shown`), and its latest share by someone followed.
    3. The candidates newer than the bound and older than the cursor, newest first, make the page; if they do
       not fill it (plus one, to know there is more), the round is read again with k four times larger.
    """

    def __init__(self, viewer: User, limit: int) -> None:
        self.limit = limit
        self.viewer_pk = viewer.pk
        reader = _read_reader(viewer)
        # The people followed, read once and given to each query as one value (`core.arrays.among`). Given them
        # as a subquery, PostgreSQL planned a nested loop over the followed for every artifact walked (following
        # 2,000 at 1M artifacts: 7.8 million comparisons, 227 ms for one source); given the ids, it walks the
        # newest artifacts and probes a hash of them (3 ms). SQLite planned the subquery well, but built it into
        # four queries (with the three of mutes and blocks inside): 1.2 ms a page.
        self.followed_ids = reader.followed
        self.followed = Ids(self.followed_ids)  # encoded once for the five queries it goes into
        self.followed_digest = hashlib.blake2b(array("q", self.followed_ids).tobytes(), digest_size=12).hexdigest()
        self.tags = reader.tags
        self.shown = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published()
        self.shares = Share.objects.filter(self._by_followed("sharer_id"))
        self.by_authors = self._by_followed_authors()
        self.shares_walked = self._shares_by_followed()
        # Decided once for the page (a bounded count), not once per round.
        self.tagged = with_tag(Artifact.objects.all(), self.tags) if self.tags else None
        self.keep = reader.keep

    def _by_followed(self, field: str) -> Q:
        """Rows whose `field` (a person's id) is someone the viewer follows (and does not hide)."""
        return among(field, self.followed)

    def _by_followed_authors(self) -> QuerySet[Artifact]:
        """Artifacts by people followed: walked (`_walked`, through `artifact_newest`, which ends with the author,
        so the table is not read) where that pays, else each person's read through their own index."""
        return self._walked(Artifact.objects.all(), "author_id", "artifacts")

    def _shares_by_followed(self) -> QuerySet[Share]:
        """Shares by people followed: walked through `share_newest` (time, artifact, sharer) where that pays."""
        return self._walked(Share.objects.all(), "sharer_id", "shares")

    def _walked[M: Artifact | Share](self, rows: QuerySet[M], person: str, what: str) -> QuerySet[M]:
        """`rows` whose `person` is someone followed. Following WALK_NEWEST_FROM people or more, on SQLite, the person
        is tested as `+person`, so SQLite walks the newest rows (an index that ends with the person) and keeps those
        of people followed, instead of reading each one's through their own index and sorting them all: following
        2,013 at 1M artifacts, the newest shares in 0.32 ms against 1.31. PostgreSQL plans the walk itself.

        Only when those people did WALK_AMONG_AT_LEAST of them or more (`_worth_walking`): the walk stops after a
        page only where enough of the newest are theirs. Following two thousand people who never posted, walking
        the artifacts read all 1M entries of the index (142 ms against 1.4); who never shared, all 288,000 shares
        (50 ms against 1)."""
        each = rows.filter(self._by_followed(person))
        if connection.vendor != "sqlite" or len(self.followed_ids) < WALK_NEWEST_FROM:
            return each
        if not self._worth_walking(each, what):
            return each
        walked = Func(F(person), template="+%(expressions)s", output_field=IntegerField())
        return rows.alias(walked_person=walked).filter(among("walked_person", self.followed))

    def _worth_walking(self, each: QuerySet[Any], what: str) -> bool:
        """Whether the people followed did WALK_AMONG_AT_LEAST of `each` or more: a bounded count (0.9 ms for the
        artifacts of two thousand people at 1M artifacts), kept in the cache for WALK_DECISION_SECONDS under the
        viewer and the people they follow. It only chooses how the same rows are read, so a decision a few minutes
        old costs at most some speed, never a wrong page; the next pages and reloads need no count."""
        key = f"timeline:walk:{what}:{self.viewer_pk}:{self.followed_digest}"
        decided = cache.get(key)
        if decided is None:
            decided = each[:WALK_AMONG_AT_LEAST].count() >= WALK_AMONG_AT_LEAST
            cache.set(key, decided, WALK_DECISION_SECONDS)
        return bool(decided)

    def _events(self, before: Key | None, k: int) -> tuple[set[int], Key | None]:
        sources: list[tuple[QuerySet[Any], str, str]] = [
            (self.by_authors, "published_at", "id"),
            (self.shares_walked, "created_at", "artifact_id"),
        ]
        if self.tagged is not None:
            sources.append((self.tagged, "published_at", "id"))
        candidates: set[int] = set()
        bound: Key | None = None
        for rows, stamp, key in sources:
            if before is not None:
                rows = rows.filter(after_position(*before, stamp=stamp, key=key))
            events: list[Key] = list(rows.order_by(f"-{stamp}", f"-{key}").values_list(stamp, key)[:k])
            candidates.update(pk for _, pk in events)
            if len(events) == k:
                bound = max(bound, events[-1]) if bound is not None else events[-1]
        return candidates, bound

    def _activity(self, ids: set[int]) -> tuple[dict[int, Key], dict[int, tuple[dt.datetime, int]]]:
        """{artifact id: (activity, id)} for the candidates the viewer may see, and {artifact id: (time, share
        id)} of their latest shares by people followed.

        The visibility rule is applied once, in one query that also says how each candidate reaches the viewer
        (its author followed, or a followed tag); the shares are then read for the visible ones by id."""
        rows = self.shown.filter(pk__in=ids).order_by()
        if self.tags:
            rows = rows.annotate(
                tagged=Exists(Artifact.tags.through.objects.filter(artifact_id=OuterRef("pk"), tag_id__in=self.tags))
            )
        else:
            rows = rows.annotate(tagged=Value(False))
        followed = set(self.followed_ids)
        visible: list[int] = []
        direct: dict[int, dt.datetime] = {}
        for pk, when, author_id, tagged in rows.values_list("pk", "published_at", "author_id", "tagged"):
            visible.append(pk)
            if author_id in followed or tagged:
                direct[pk] = when
        latest: dict[int, tuple[dt.datetime, int]] = {}
        if visible:
            for artifact_id, when, share_id in (
                self.shares.filter(among("artifact_id", visible))
                .values_list("artifact_id", "created_at", "pk")
                .order_by()
            ):
                latest[artifact_id] = max((when, share_id), latest.get(artifact_id, (when, share_id)))
        activity = {}
        for pk in ids:
            times = [when for when in (direct.get(pk), latest.get(pk, (None, 0))[0]) if when is not None]
            if times:
                activity[pk] = (max(times), pk)
        return activity, latest

    def page(self, position: Key | None) -> Timeline:
        k = 2 * (self.limit + 1)  # some events are of artifacts the viewer may not see, or already shown
        for round_ in range(TIMELINE_ROUNDS):
            candidates, bound = self._events(position, k)
            activity, latest = self._activity(candidates)
            # An artifact active after the cursor was on an earlier page, at that activity.
            ready = sorted(
                (
                    key
                    for key in activity.values()
                    if (position is None or key < position) and (bound is None or key >= bound)
                ),
                reverse=True,
            )
            items, last, more = self._fill(ready, latest)
            if (len(items) == self.limit and more) or bound is None:
                break  # a full page with an item after it, or every source read to its end
            if round_ == TIMELINE_ROUNDS - 1:
                more = last is not None  # out of rounds: the next page goes on after the last item examined
                break
            k *= 4
        return Timeline(items, _encode(*last) if more and last is not None else None)

    def _fill(
        self, ready: list[Key], latest: dict[int, tuple[dt.datetime, int]]
    ) -> tuple[list[TimelineItem], Key | None, bool]:
        """A page of items from the ready keys, newest first, without what hiding filters match: the items,
        the last key examined, and whether a ready key is left after the page."""
        items: list[TimelineItem] = []
        last: Key | None = None
        step = self.limit + 1
        for start in range(0, min(len(ready), step * (1 + EXTRA_ROUNDS)), step):
            chunk = ready[start : start + step]
            loaded = {a.pk: a for a in cards(card_query(Artifact.objects.filter(pk__in=[pk for _, pk in chunk])))}
            # The share is the item's activity when it is the latest thing that happened to it.
            share_ids = [latest[pk][1] for when, pk in chunk if pk in latest and latest[pk][0] == when]
            shares = Share.objects.select_related("sharer").in_bulk(share_ids) if share_ids else {}
            for when, pk in chunk:
                if len(items) == self.limit:
                    return items, last, True
                last = (when, pk)
                artifact = loaded.get(pk)
                if artifact is not None and (self.keep is None or self.keep(artifact)):
                    # `shares` holds only the shares that are their item's activity.
                    items.append(TimelineItem(artifact, when, shares.get(latest[pk][1]) if pk in latest else None))
        return items, last, len(ready) > step * (1 + EXTRA_ROUNDS)


# Notifications: stored rows (follows, shares) merged with replies computed when read


@dataclass
class NotificationItem:
    kind: str
    text: str
    actor: User | None
    artifact: Artifact | None
    comment: Comment | None
    created_at: dt.datetime
    unread: bool
    filtered_by: str = ""  # the phrase of the viewer's warning filter it matches

    @property
    def url(self) -> str:
        if self.comment is not None:
            return self.comment.get_absolute_url()
        if self.artifact is not None:
            return self.artifact.get_absolute_url()
        if self.actor is not None:
            return self.actor.get_absolute_url()
        return ""


def _stored(user: User) -> QuerySet[Notification]:
    # Replies are computed from comments, so stored reply rows (if any appear) are not counted twice.
    return (
        Notification.objects.filter(recipient=user)
        .exclude(kind=NotificationKind.REPLY)
        .exclude(hidden_people(user, "actor_id"))
    )


def _replies(user: User) -> QuerySet[Comment]:
    """Others' comments on the user's work or replying to the user's comments, on artifacts the user may see.

    Whom a comment answers is kept on it (`Comment.artifact_author`, `Comment.parent_author`), each indexed with the
    comment's time, so either side is an index range of the person's own."""
    return _seen_replies(user, addressed_to_q(user))


def _seen_replies(user: User, to: Q) -> QuerySet[Comment]:
    return (
        Comment.objects.shown()
        .filter(to)
        .exclude(author=user)
        .exclude(hidden_people(user))
        .filter(visible_q(user, via="artifact__"))
    )


def _newest_replies(user: User, limit: int) -> list[int]:
    """The ids of the user's newest `limit` replies, newest first (ties by id): the newest `limit` of each side (on
    their work; answering their comments), each read backwards along its own index until it has them, merged here.
    Asked for both sides at once, a database gathers every reply the person ever had and sorts them (a prolific
    author's 13,000 at 1M: 90 ms)."""
    newest: set[tuple[dt.datetime, int]] = set()
    for side in ADDRESSEES:
        newest.update(
            _seen_replies(user, Q(**{side: user}))
            .order_by("-created_at", "-pk")
            .values_list("created_at", "pk")[:limit]
        )
    return [pk for _, pk in heapq.nlargest(limit, newest)]


def _last_seen(user: User) -> dt.datetime | None:
    """When the person last marked all read: replies and mentions after it are unread (None: all are)."""
    return NotificationsSeen.objects.filter(user=user).values_list("seen_at", flat=True).first()


def notifications_for(user: User, *, limit: int = 50) -> list[NotificationItem]:
    """The newest notifications: follows and shares (stored), replies (computed) and mentions (recorded),
    without muted or blocked people."""
    seen = _last_seen(user)
    # Mentions are read below, so stored mention notifications (if any appear) are not counted twice.
    items = [
        NotificationItem(
            kind=n.kind,
            text=n.message or n.get_kind_display(),
            actor=n.actor,
            artifact=n.artifact,
            comment=n.comment,
            created_at=n.created_at,
            unread=n.read_at is None,
        )
        for n in _stored(user)
        .exclude(kind=NotificationKind.MENTION)
        .select_related("actor", "artifact", "comment__artifact")
        .order_by("-created_at", "-id")[:limit]
    ]
    replies = Comment.objects.filter(pk__in=_newest_replies(user, limit))
    for c in replies.select_related("author", "artifact", "parent").order_by("-created_at", "-id"):
        on_own_comment = c.parent is not None and c.parent.author_id == user.pk
        items.append(
            NotificationItem(
                kind=NotificationKind.REPLY,
                text="replied to your comment on" if on_own_comment else "replied to your work",
                actor=c.author,
                artifact=c.artifact,
                comment=c,
                created_at=c.created_at,
                unread=seen is None or c.created_at > seen,
            )
        )
    comments, artifacts = mentions_of(user, limit=limit)
    items += [
        NotificationItem(
            NotificationKind.MENTION,
            "mentioned you in a comment on",
            c.author,
            c.artifact,
            c,
            c.created_at,
            seen is None or c.created_at > seen,
        )
        for c in comments
    ] + [
        NotificationItem(
            NotificationKind.MENTION,
            "mentioned you in",
            a.author,
            a,
            None,
            a.published_at,
            seen is None or a.published_at > seen,
        )
        for a in artifacts
    ]
    items.sort(key=lambda item: item.created_at, reverse=True)
    return _apply_filters(items, user)[:limit]


def _apply_filters(items: list[NotificationItem], user: User) -> list[NotificationItem]:
    """Notifications without those the person's hiding filters match, warning ones marked `filtered_by`.

    A notification is matched on what it shows and is about: a comment's text and its artifact's title, or
    an artifact's title, excerpt and text. Follows match nothing. One query for the filters."""
    matcher = filters_for(user, FilterContext.NOTIFICATIONS)
    if matcher is None:
        return items
    kept = []
    for item in items:
        if item.comment is not None:
            rule = matcher.match(item.comment.body, item.artifact.title if item.artifact is not None else "")
        elif item.artifact is not None:
            rule = matcher.match(item.artifact.title, item.artifact.excerpt, html_to_text(item.artifact.body_html))
        else:
            rule = None
        if rule is not None and rule.hide:
            continue
        item.filtered_by = rule.phrase if rule is not None else ""
        kept.append(item)
    return kept


UNREAD_CAP = 99  # the nav shows "99+" from here


def unread_count(user: User) -> int:
    """Unread notifications: stored rows, and replies and mentions since the last "mark all read". Five queries
    (one reads the keyword filters); with a hiding filter for notifications, the unread items of the page.

    Mentions are counted as `mentions_of` finds them (the recorded mentions, an index range per person), as on the
    notifications page, so the count matches what the page marks unread (up to the page's limit of mentions of
    each kind). Every signed-in page shows this count, so each of its queries starts from the person's own rows,
    and it counts at most UNREAD_CAP.
    """
    matcher = filters_for(user, FilterContext.NOTIFICATIONS)
    if matcher is not None and any(rule.hide for rule in matcher.rules):
        # Hiding filters: count what the notifications page shows, so the two never disagree.
        return sum(item.unread for item in notifications_for(user))
    seen = _last_seen(user)
    # Each kind is counted up to UNREAD_CAP (a LIMIT inside the count), so someone who never marks anything
    # read costs no more than anyone else; the nav then says "99+".
    stored_ids = _stored(user).filter(read_at__isnull=True).order_by().values("pk")[:UNREAD_CAP]
    stored = Notification.objects.filter(pk__in=stored_ids).order_by().annotate(n=Func(F("id"), function="COUNT"))
    replies = _replies(user) if seen is None else _replies(user).filter(created_at__gt=seen)
    replies = (
        Comment.objects.filter(pk__in=replies.order_by().values("pk")[:UNREAD_CAP])
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
    )
    total = (
        User.objects.filter(pk=user.pk)
        .annotate(
            unread=Coalesce(Subquery(stored.values("n")[:1], output_field=IntegerField()), Value(0))
            + Coalesce(Subquery(replies.values("n")[:1], output_field=IntegerField()), Value(0))
        )
        .values_list("unread", flat=True)
        .first()
    )
    mentioned = mention_count(user, since=seen)
    return min(UNREAD_CAP, (total or 0) + mentioned)


# The person page and the course stream (posts' artifact lists with the network's counts)


def share_counts(artifact_ids: list[int]) -> dict[int, int]:
    """How many times each artifact was shared, by artifact id, in one aggregate query (none for no ids).

    Every share counts, whoever made it: the number is a public fact about the artifact, like its comments.
    Artifacts nobody shared are missing from the dict (read them as 0).
    """
    if not artifact_ids:
        return {}
    rows = Share.objects.filter(artifact_id__in=artifact_ids).values("artifact_id").annotate(n=Count("id")).order_by()
    return {row["artifact_id"]: row["n"] for row in rows}


def shares_counted() -> Counted:
    """The share count as a column of a list's cards (`posts.selectors.card_query`'s `counted`): `share_count`
    on each card, in the cards' own query (a query of its own cost ~0.7 ms of a 14 ms stream page). Every share
    counts, as in `share_counts`. The SQL holds only the models' own table and column names."""
    shares, artifacts = Share._meta.db_table, Artifact._meta.db_table
    count = RawSQL(  # noqa: S611 - no value of anyone's: the models' own tables
        f'SELECT COUNT(*) FROM "{shares}" WHERE "{shares}"."artifact_id" = "{artifacts}"."id"',  # noqa: S608
        (),
        output_field=IntegerField(),
    )
    return {"share_count": count}


def course_with_weeks(slug: str) -> tuple[Course, list[Week]] | None:
    """The course and its weeks (oldest first, prompts loaded) for the stream's filters; None for no such course.

    Weeks are read with their course joined, so a course with weeks costs two queries (weeks, prompts) and
    a course without any costs one more to find the course itself.
    """
    weeks = list(
        Week.objects.filter(course__slug=slug).select_related("course").prefetch_related("prompts").order_by("number")
    )
    if weeks:
        course = weeks[0].course
        for week in weeks:
            week.course = course  # one instance for all, as course.weeks would give
        return course, weeks
    found = Course.objects.filter(slug=slug).first()
    return (found, []) if found is not None else None


def profile_of(username: str, viewer: Viewer) -> User | None:
    """The person for the profile page with network facts annotated, in one query; None when there is nobody
    to show: no such username, or the person blocked the viewer (unless the viewer blocked them too, so they
    can still find the way to unblock — as on the connect page).

    Annotates `follower_total`, `following_total`, `viewer_follows`, `viewer_blocked` and `blocked_viewer` (the
    last three False for an anonymous viewer). Each is a correlated subquery written out on the models' own tables
    and columns, the viewer's id a parameter: built through the ORM, the five were ~2.9 ms of a 12 ms page (their
    SQL: 0.2 ms).
    """
    follows, blocks, people = Follow._meta.db_table, Block._meta.db_table, User._meta.db_table
    person_id = f'"{people}"."id"'

    def raw(sql: str, params: tuple[Any, ...], field: Field) -> RawSQL:  # type: ignore[type-arg]
        return RawSQL(sql, params, output_field=field)  # noqa: S611 - tables and columns of ours; values as parameters

    qs = User.objects.filter(username=username).annotate(
        follower_total=raw(f"SELECT COUNT(*) FROM {follows} WHERE followee_id = {person_id}", (), IntegerField()),  # noqa: S608
        following_total=raw(f"SELECT COUNT(*) FROM {follows} WHERE follower_id = {person_id}", (), IntegerField()),  # noqa: S608
    )
    if viewer.is_authenticated:
        qs = qs.annotate(
            viewer_follows=raw(
                f"EXISTS (SELECT 1 FROM {follows} WHERE follower_id = %s AND followee_id = {person_id})",  # noqa: S608
                (viewer.pk,),
                BooleanField(),
            ),
            viewer_blocked=raw(
                f"EXISTS (SELECT 1 FROM {blocks} WHERE blocker_id = %s AND blocked_id = {person_id})",  # noqa: S608
                (viewer.pk,),
                BooleanField(),
            ),
            blocked_viewer=raw(
                f"EXISTS (SELECT 1 FROM {blocks} WHERE blocker_id = {person_id} AND blocked_id = %s)",  # noqa: S608
                (viewer.pk,),
                BooleanField(),
            ),
        )
    else:
        qs = qs.annotate(viewer_follows=Value(False), viewer_blocked=Value(False), blocked_viewer=Value(False))
    person = qs.first()
    if person is None or (person.blocked_viewer and not person.viewer_blocked):  # type: ignore[attr-defined]
        return None
    return person


def balance_words(balance: Balance, *, days: int = BALANCE_DAYS) -> str:
    """The giving balance as one sentence: others' work and own work shared in the last `days` days."""
    if balance.total == 0:
        return f"You have not shared anything in the last {days} days."
    others = f"{balance.others} piece{'s' if balance.others != 1 else ''} of others' work"
    return f"In the last {days} days you shared {others} and {balance.own} of your own."


@dataclass(frozen=True)
class CurationReach:
    """Who opened something through the person's shares, against who follows them now.

    `openers`: distinct people (not the sharer) with an Open credited to one of the sharer's shares
    (`Open.via_share.sharer`). An Open is one row per person and artifact, credited to the share they first
    came through, so each person counts once however often they opened. `follower_openers`: those openers
    who follow the sharer today. `followers`: how many follow the sharer today — past followers are not
    recorded (unfollowing deletes the row), so the rate is against current followers, and it can only
    count opens made through a share link (`/go/<id>?via=`), not people who read a shared item another way.
    """

    openers: int
    follower_openers: int
    followers: int

    @property
    def rate(self) -> float:
        """The share of current followers who opened something through the person's shares (0 without any)."""
        return self.follower_openers / self.followers if self.followers else 0.0

    @property
    def text(self) -> str:
        if self.openers == 0:
            return "Nobody has opened anything you shared yet."
        people = "person" if self.openers == 1 else "people"
        text = f"Of the {self.openers} {people} who opened something you shared, {self.follower_openers} follow you"
        if self.followers:
            text += f": {self.follower_openers} of your {self.followers} followers ({self.rate:.0%})."
        else:
            text += "."
        return text


def curation_reach(user: User) -> CurationReach:
    """How far the person's shares reach (see CurationReach for the definitions), in two queries."""
    followers = Follow.objects.filter(followee=user)
    found = (
        Open.objects.filter(via_share__sharer=user)
        .exclude(user=user)
        .aggregate(
            openers=Count("user", distinct=True),
            follower_openers=Count("user", distinct=True, filter=Q(user__in=followers.values("follower_id"))),
        )
    )
    return CurationReach(found["openers"] or 0, found["follower_openers"] or 0, followers.count())


@dataclass(frozen=True)
class CourseStreak:
    course: Course
    streak: habits.Streak


def course_streaks(
    user: User, *, today: dt.date | None = None, counter: habits.WeekCounter = habits.week_counts
) -> list[CourseStreak]:
    """The person's current streak in each course they are enrolled in, newest season first.

    Three queries for the courses, the person's goals in them and their weeks, then three per course (the weekly
    counts): meant for the person's own profile, where the courses are a handful. `counter` counts each week's
    posts, comments and shares (from the source tables by default; the insights dashboard passes one that reads
    its rollups).
    """
    today = today or timezone.localdate()
    courses = list(Course.objects.filter(enrollments__user=user).order_by("-start_date"))
    goals = habits.goals_for(user=user, courses=courses)
    weeks: dict[int, list[Week]] = {course.pk: [] for course in courses}
    for week in Week.objects.filter(course__in=courses).order_by("starts_on", "number"):
        weeks[week.course_id].append(week)
    found = []
    for course in courses:
        for week in weeks[course.pk]:
            week.course = course
        counts = counter(user=user, course=course, weeks=weeks[course.pk])
        streak = habits.streak_for(
            user=user, course=course, goal=goals[course.pk], weeks=weeks[course.pk], counts=counts, today=today
        )
        found.append(CourseStreak(course, streak))
    return found
