"""Reads for artifacts and comments; every list goes through Artifact.objects.visible_to."""

import base64
import binascii
import datetime as dt
import heapq
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.expressions import Expression, RawSQL

from accounts.models import Block, FilterContext, Mute, User
from accounts.selectors import apart, filters_for
from core.scope import unscoped
from core.text import html_to_text
from core.tone import classify, question_rewordings
from core.views import Audience
from core.wordfilter import WordFilter
from courses.models import Course, HabitMode, LiveSession, Prompt, Reading, Week
from courses.selectors import is_member, weeks_with_detail
from posts.models import (
    Artifact,
    ArtifactQuerySet,
    Comment,
    Tag,
    Tone,
    Visibility,
    comment_seen_q,
    shown_comment_q,
    visible_q,
)

Viewer = User | AnonymousUser
# Columns a list's cards are read with besides their own (`card_query`), by attribute name: an expression each.
Counted = Mapping[str, Expression]
PAGE_SIZE = 20
# How many more slices a list reads to fill a page when keyword filters hide items.
EXTRA_ROUNDS = 5
# Up to this many artifacts with a tag are sorted; above it, a tag's list walks the newest artifacts instead.
TAG_SORT_LIMIT = 5000


@dataclass
class Page:
    items: list[Artifact]
    next_cursor: str | None


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)
    blocked: bool = False  # the top comment's writer and the viewer are on two sides of a block
    filtered: bool = False  # the top comment is hidden by one of the viewer's keyword filters
    held: bool = False  # the top comment waits for a facilitator (an edit held it) and the viewer may not see it

    @property
    def hidden(self) -> bool:
        """The top comment keeps its place for its replies, its text not shown to this viewer."""
        return self.blocked or self.filtered or self.held


def encode_cursor(artifact: Artifact) -> str:
    return encode_position(artifact.published_at, artifact.pk)


def encode_position(when: dt.datetime, pk: int) -> str:
    """A keyset position (a time and an id) as a cursor for a URL; `decode_cursor` reads it back."""
    return base64.urlsafe_b64encode(f"{when.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    """The (published_at, id) position in a cursor, or None for a malformed one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|", 1)
        when = dt.datetime.fromisoformat(stamp)
        return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def shown_comment_count() -> RawSQL:
    """The artifact's comments not removed (nor held for a facilitator), as a correlated subquery: counted for
    the rows a page returns only. (A `Count` over a join would group every candidate row first, so the
    database could no longer walk an index in page order and stop after one page.) Its condition is
    `shown_comment_q`'s, compiled once a process (`_shown_where`): built through the ORM for each list, the
    subquery cost ~0.4 ms of a page."""
    where, params = _shown_where(connection.vendor)
    comments, artifacts = Comment._meta.db_table, Artifact._meta.db_table
    return RawSQL(  # noqa: S611 - the models' own tables; the condition's values are parameters
        f'SELECT COUNT(*) FROM "{comments}" WHERE {where} AND "{comments}"."artifact_id" = "{artifacts}"."id"',  # noqa: S608
        params,
        output_field=IntegerField(),
    )


@cache
def _shown_where(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """`shown_comment_q` as SQL on the comments' own table, and its parameters (for the database `vendor`), kept for
    the process: the condition's values must stay constants (they are: an empty `held_reason`, no time)."""
    query = Comment.objects.filter(shown_comment_q()).query
    sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    return sql, tuple(params)


# What a card shows besides the artifact's own columns (posts/jinja2/posts/card.html), joined in the list's query.
# The prompt's week's course is not joined again: a prompt belongs to its artifact's course (posts.services), so
# `cards` hands the artifact's own course to it.
CARD_RELATED = ("author", "course", "prompt__week", "book")


def card_query(qs: ArtifactQuerySet, counted: Counted | None = None) -> ArtifactQuerySet:
    """The query of a list of cards; read it with `cards`, which adds what a card shows from other tables.
    `counted`: more columns a page shows with its cards, by name (the network's share count: `shares_counted`)."""
    return qs.select_related(*CARD_RELATED).annotate(
        comment_count=shown_comment_count(), card_tags=card_tags(), **(counted or {})
    )


def card_tags() -> RawSQL:
    """The artifact's tags as a JSON array of [id, name], as a correlated subquery (`cards` makes them the
    artifact's tags): read with the cards, a list page needs no query of its own for them (one query less: 0.5 ms
    of a 12 ms page at 1M artifacts on SQLite). The tables are the models' own."""
    links, tags, artifacts = Artifact.tags.through._meta.db_table, Tag._meta.db_table, Artifact._meta.db_table
    pairs = (
        "COALESCE(json_agg(json_build_array(t.id, t.name))::text, '[]')"
        if connection.vendor == "postgresql"
        else "json_group_array(json_array(t.id, t.name))"
    )
    return RawSQL(  # noqa: S611 - no value of anyone's: the models' own tables
        f'SELECT {pairs} FROM {links} l JOIN {tags} t ON t.id = l.tag_id WHERE l.artifact_id = "{artifacts}"."id"',  # noqa: S608
        (),
        output_field=TextField(),
    )


def cards(qs: QuerySet[Artifact]) -> list[Artifact]:
    """The artifacts of a `card_query` query, ready to draw: their tags made from what the query read with them
    (`card_tags`; for artifacts read otherwise, one query, `load_tags`), and
    each prompt's course the artifact's own object (one query more only for a prompt of another course, which
    the services refuse). The same queries however many artifacts there are."""
    return finish_cards(list(qs))


def finish_cards(artifacts: list[Artifact]) -> list[Artifact]:
    """`cards` for artifacts already read: in place, and the same list back. They must have been read with
    CARD_RELATED joined (else each prompt and week is read on its own, a query per card)."""
    strays: dict[int, list[Week]] = {}
    for artifact in artifacts:
        prompt = artifact.prompt
        if prompt is None:
            continue
        week = prompt.week
        if week.course_id == artifact.course_id:
            week.course = artifact.course
        else:
            strays.setdefault(week.course_id, []).append(week)
    if strays:
        for pk, course in Course.objects.in_bulk(list(strays)).items():
            for week in strays[pk]:
                week.course = course
    found: dict[int, Tag] = {}
    for artifact in artifacts:
        pairs = artifact.__dict__.pop("card_tags", None)  # read with the cards (`card_query`)
        if pairs is not None:
            tags = []
            for pk, name in sorted(json.loads(pairs)):  # by id, as `load_tags` gives them
                tag = found.get(pk)
                if tag is None:
                    tag = found[pk] = Tag.from_db(artifact._state.db, ["id", "name"], [pk, name])
                tags.append(tag)
            _keep_tags(artifact, tags)
    load_tags(artifacts)  # those read without them
    return artifacts


def load_tags(artifacts: list[Artifact]) -> None:
    """Each artifact's tags, read in one query and kept where `prefetch_related("tags")` keeps them, so
    `artifact.tags.all()` reads no more (cards, keyword filters, the card cache's key). One Tag object per tag,
    however many cards carry it; each artifact's tags by id. Django's prefetch built a query per
    artifact's manager and a Tag per row: on a list page of 21 cards, 1.8 ms against 1.4 (1M artifacts, SQLite).
    Artifacts whose tags are already loaded are left as they are."""
    wanting = [a for a in artifacts if "tags" not in getattr(a, "_prefetched_objects_cache", {})]
    if not wanting:
        return
    names = [field.attname for field in Tag._meta.concrete_fields]
    rows = (
        Artifact.tags.through.objects.filter(artifact_id__in=[a.pk for a in wanting])
        .order_by("artifact_id", "tag_id")  # the order of the links' unique index: nothing to sort
        .values_list("artifact_id", *(f"tag__{name}" for name in names))
    )
    found: dict[int, Tag] = {}
    by_artifact: dict[int, list[Tag]] = {}
    for artifact_id, *values in rows:
        tag = found.get(values[0])
        if tag is None:
            tag = found[values[0]] = Tag.from_db(rows.db, names, values)
        by_artifact.setdefault(artifact_id, []).append(tag)
    for artifact in wanting:
        _keep_tags(artifact, by_artifact.get(artifact.pk, []))


def _keep_tags(artifact: Artifact, loaded: list[Tag]) -> None:
    """As Django's prefetch_related_objects leaves a prefetched relation: the manager's queryset with its result
    cache filled (filtering it further still queries, as after a prefetch)."""
    tags = artifact.tags.get_queryset()
    tags._result_cache = loaded
    tags._prefetch_done = True  # type: ignore[attr-defined]
    artifact.__dict__.setdefault("_prefetched_objects_cache", {})["tags"] = tags


def after_position(when: dt.datetime, pk: int, stamp: str = "published_at", key: str = "id") -> Q:
    """Rows after (older than) the keyset position (`when`, `pk`) in newest-first order. The leading `<=` is
    a range an index on (stamp, key) can seek to, so a deep page starts where the last one ended."""
    return Q(**{f"{stamp}__lte": when}) & (Q(**{f"{stamp}__lt": when}) | Q(**{f"{key}__lt": pk}))


@dataclass(frozen=True)
class Tagged:
    """`tagged_with`'s answer: the rows, and whether the database sorts them (read a page's keys first: `paginate`'s
    `keys_first`)."""

    rows: ArtifactQuerySet
    sorted: bool


def tagged_with(qs: ArtifactQuerySet, tag_ids: list[int]) -> Tagged:
    """The artifacts carrying any of the tags (by id). Few of them (under TAG_SORT_LIMIT): found through
    the tag's own index and sorted. Many (a course hashtag on a fifth of everything): found by walking the
    newest artifacts (the artifact_newest index) and checking each, which stops once a page is full, instead
    of sorting them all. One bounded count chooses.

    The ids go into the query as values, not a join on the tag's name: PostgreSQL then plans with what it knows
    of each id (a tag on 22,000 artifacts, not the 260 it guesses for "the tag named X"), so it walks too."""
    tagged = Artifact.tags.through.objects.filter(tag_id__in=tag_ids)
    if tagged[:TAG_SORT_LIMIT].count() < TAG_SORT_LIMIT:
        return Tagged(qs.filter(pk__in=tagged.values("artifact_id")), sorted=True)
    return Tagged(qs.filter(Exists(tagged.filter(artifact_id=OuterRef("pk")))), sorted=False)


def with_tag(qs: ArtifactQuerySet, tag_ids: list[int]) -> ArtifactQuerySet:
    """`tagged_with`'s rows, for a read that takes keys only (the home timeline's events)."""
    return tagged_with(qs, tag_ids).rows


def tag_ids_named(name: str) -> list[int]:
    """The id of the tag called `name` (already normalised), as a list for `tagged_with`: empty when there is none."""
    return list(Tag.objects.filter(name=name).values_list("pk", flat=True))


def paginate(
    qs: ArtifactQuerySet,
    cursor: str | None,
    limit: int = PAGE_SIZE,
    keep: Callable[[Artifact], bool] | None = None,
    counted: Counted | None = None,
    keys_first: bool = False,
    any_of: Sequence[Q] = (),
) -> Page:
    """Keyset pagination on (published_at, id), newest first. Never OFFSET. `keys_first` for rows the database
    sorts rather than walks in page order (`Tagged.sorted`): a page's keys are chosen first. `any_of`:
    only the rows matching one of these conditions, each condition's read on its own in page order (through its own
    index, stopping after a page) and the newest of them taken (`_newest_keys`), then their cards by id.

    With `keep`, rows it refuses are left out and the next slices are read (at most EXTRA_ROUNDS more
    queries) until the page is full or the rows run out. The next cursor points after the last row examined,
    so nothing is skipped or shown twice; if the rounds run out first, the page may be short.
    """
    qs = qs.order_by("-published_at", "-id")
    position = decode_cursor(cursor) if cursor else None
    items: list[Artifact] = []
    last: Artifact | None = None
    for _ in range(1 + (EXTRA_ROUNDS if keep is not None else 0)):
        sliced = qs
        if position:
            sliced = qs.filter(after_position(*position))
        if any_of or keys_first:
            # The page's keys first, so what a card shows besides the artifact's own columns (joined rows, counted
            # subqueries) is read for the page only. Where the database must sort (a tag on a few thousand
            # artifacts, under TAG_SORT_LIMIT) it had carried every candidate's columns and counts through the sort:
            # the tag page at 10k artifacts, 2,200 of them tagged, 20.2 -> 9.5 ms. Where it walks an index in page
            # order it stops after a page either way, and the subquery only costs (0.3-0.5 ms at 1M).
            if any_of:
                chosen = Artifact.objects.filter(pk__in=_newest_keys(sliced, any_of, limit + 1))
            else:
                chosen = Artifact.objects.filter(pk__in=sliced.values("pk")[: limit + 1])
            rows = cards(card_query(chosen, counted).order_by("-published_at", "-id"))
        else:
            rows = cards(card_query(sliced, counted)[: limit + 1])
        for row in rows:
            if len(items) == limit:
                return Page(items=items, next_cursor=encode_cursor(last) if last else None)
            last = row
            if keep is None or keep(row):
                items.append(row)
        if len(rows) <= limit or last is None:
            return Page(items=items, next_cursor=None)
        position = (last.published_at, last.pk)
    return Page(items=items, next_cursor=encode_cursor(last) if last else None)


def _newest_keys(ordered: ArtifactQuerySet, any_of: Sequence[Q], size: int) -> list[int]:
    """The ids of the newest `size` rows of `ordered` matching any of the conditions: each condition's newest `size`
    (a query each, in page order), merged; an artifact two of them match counts once."""
    found: dict[int, dt.datetime] = {}
    for condition in any_of:
        found.update((pk, when) for when, pk in ordered.filter(condition).values_list("published_at", "pk")[:size])
    return [pk for _, pk in heapq.nlargest(size, ((when, pk) for pk, when in found.items()))]


def artifact_text(artifact: Artifact) -> list[str]:
    """What keyword filters read in an artifact: title, excerpt, the quoted passage, plain text of the body, tag
    names.

    Tags come from the prefetch cache when there is one (every list selector prefetches them)."""
    tags = [f"#{tag.name}" for tag in artifact.tag_list()] if artifact.pk else []
    return [artifact.title, artifact.excerpt, artifact.passage, html_to_text(artifact.body_html), *tags]


def filter_keeper(matcher: WordFilter | None) -> Callable[[Artifact], bool] | None:
    """A `keep` test for paginate: False for an artifact a hiding filter matches; one a warning filter
    matches is kept with `filtered_by` set to the phrase. None when there is nothing to filter."""
    if matcher is None:
        return None

    def keep(artifact: Artifact) -> bool:
        rule = matcher.match(*artifact_text(artifact))
        if rule is None:
            return True
        if rule.hide:
            return False
        artifact.filtered_by = rule.phrase
        return True

    return keep


def can_see(artifact: Artifact, viewer: Viewer) -> bool:
    return Artifact.objects.visible_to(viewer).filter(pk=artifact.pk).exists()


def artifact_for(pk: int, viewer: Viewer) -> Artifact | None:
    """One artifact if the viewer may see it; None both when hidden and when missing."""
    found = cards(
        Artifact.objects.visible_to(viewer)
        .select_related(*CARD_RELATED)
        .annotate(card_tags=card_tags())  # its tags in the same query
        .filter(pk=pk)[:1]
    )
    return found[0] if found else None


def image_audience_of(viewer: Viewer, name: str) -> Audience | None:
    """Who may fetch the artifact image stored as `name`, by the one rule: everyone when an anonymous visitor
    may see its artifact, the viewer alone when only they and some others may, and None when the viewer may
    not, or when no artifact holds the file (deleted, or its image replaced). One query."""
    public = ExpressionWrapper(visible_q(AnonymousUser()), output_field=BooleanField())
    with unscoped():  # the viewer's relations as subqueries of this one query, not read first (`core.scope`)
        found = (
            Artifact.objects.visible_to(viewer)
            .filter(image=name)
            .exclude(image="")  # the condition of the partial index artifact_image, so the database uses it
            .annotate(public=public)
            .values_list("public", flat=True)
            .first()
        )
    if found is None:
        return None
    return Audience.EVERYONE if found else Audience.VIEWER


def course_stream(
    *,
    course: Course,
    viewer: Viewer,
    week: Week | None = None,
    prompt: Prompt | None = None,
    tag: str | None = None,
    kind: str | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    counted: Counted | None = None,
) -> Page:
    """Every artifact in the course the viewer may see, newest first, optionally filtered; `counted` as for
    `card_query`.

    A malformed cursor starts from the newest; filters are model objects or known values.
    """
    qs = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published()
    keys_first = False
    any_of: list[Q] = []
    if week is None:
        qs = qs.filter(course=course)
    else:
        # Published during the week (a range of the course's own index) or answering one of its prompts (each
        # prompt's index), each read in page order on its own (`paginate`'s `any_of`): a query more a prompt, however
        # far back the week is. As one condition, the day each was published (a function of every row) or a join to
        # the prompt's week, the database walked the course's artifacts from the newest back to the week (week 1 of
        # the 5,000-person course at 1M artifacts: 407 ms); as a union of both indexes, it sorted the week's ~20,000
        # (22-36 ms, for the current week too). An artifact answering a prompt is in the prompt's course
        # (`posts.services` refuses any other), so the prompts' conditions need not name it.
        start, end = week.span()
        any_of.append(Q(course=course, published_at__gte=start, published_at__lt=end))
        any_of += [
            Q(prompt_id=pk) for pk in Prompt.objects.filter(week=week).order_by("pk").values_list("pk", flat=True)
        ]
    if prompt is not None:
        qs = qs.filter(prompt=prompt)
    if tag:
        tagged = tagged_with(qs, tag_ids_named(tag))
        qs, keys_first = tagged.rows, keys_first or tagged.sorted
    if kind:
        qs = qs.filter(kind=kind)
    keep = filter_keeper(filters_for(viewer, FilterContext.COURSES))
    return paginate(qs, cursor, limit, keep, counted, keys_first=keys_first, any_of=any_of)


def person_artifacts(
    *, person: User, viewer: Viewer, cursor: str | None = None, counted: Counted | None = None
) -> Page:
    """A person's artifacts the viewer may see (drafts only on one's own page), newest first; `counted` as for
    `card_query`.

    Keyword filters do not apply: a person's page is theirs, as in Mastodon, which filters timelines, not
    profiles."""
    qs = Artifact.objects.visible_to(viewer).filter(author=person)
    if viewer.pk != person.pk:
        qs = qs.published()
    return paginate(qs, cursor, counted=counted)


def tag_artifacts(*, name: str, viewer: Viewer, cursor: str | None = None) -> Page:
    """Artifacts with the tag the viewer may see, without muted people; the viewer's course filters apply."""
    tagged = tagged_with(Artifact.objects.visible_to(viewer).unmuted_for(viewer).published(), tag_ids_named(name))
    keep = filter_keeper(filters_for(viewer, FilterContext.COURSES))
    return paginate(tagged.rows, cursor, keep=keep, keys_first=tagged.sorted)


def prompt_responses(*, prompt: Prompt, viewer: Viewer, cursor: str | None = None) -> Page:
    """Responses to the prompt the viewer may see, without muted people; the viewer's course filters apply."""
    qs = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published().filter(prompt=prompt)
    return paginate(qs, cursor, keep=filter_keeper(filters_for(viewer, FilterContext.COURSES)))


def muted_ids(viewer: Viewer, now: dt.datetime | None = None) -> set[int]:
    """Ids of the people the viewer has muted, while the mute lasts (empty when signed out)."""
    if not viewer.is_authenticated:
        return set()
    away = apart(viewer) if now is None else None  # in a request, read once (`accounts.selectors.apart`)
    if away is not None:
        return set(away.muted)
    return set(Mute.objects.active(now).filter(muter_id=viewer.pk).values_list("muted_id", flat=True))


def blocked_ids(viewer: Viewer) -> set[int]:
    """Ids of the people on the other side of a block from the viewer, whichever of them blocked."""
    if not viewer.is_authenticated:
        return set()
    away = apart(viewer)  # in a request, read once
    if away is not None:
        return set(away.blocked)
    blocked = Block.objects.filter(blocker_id=viewer.pk).values_list("blocked_id", flat=True)
    blockers = Block.objects.filter(blocked_id=viewer.pk).values_list("blocker_id", flat=True)
    return set(blocked) | set(blockers)


def is_blocked_between(a: User, b: User) -> bool:
    """True when either person has blocked the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def comment_threads(artifact: Artifact, viewer: Viewer | None = None) -> list[Thread]:
    """Top-level comments with their replies, oldest first. Removed comments with replies keep their place.

    With a viewer, comments by people on the other side of a block are left out; a top comment with
    replies keeps its place as a hidden one (`Thread.blocked`). The viewer's keyword filters for comments
    apply the same way: a hiding filter leaves a comment out (a top one with replies keeps its place,
    `Thread.filtered`); a warning filter sets `filtered_by` on the comment. Muted people's comments are the
    template's to collapse (see muted_ids).
    """
    return threads_of([artifact.pk], viewer)[artifact.pk]


def threads_of(artifact_ids: list[int], viewer: Viewer | None = None) -> dict[int, list[Thread]]:
    """`comment_threads` for several artifacts at once (a chat's questions), in one query (two when a top
    comment is held). A comment held for a facilitator is there only for its writer and the course's
    facilitators (`CommentQuerySet.seen_by`); a held top comment that others had replied to before an edit
    held it keeps its place for them, its text not shown (`Thread.held`)."""
    ours = Q(artifact_id__in=artifact_ids)
    return _threads(ours & Q(parent__isnull=True), ours & Q(parent__isnull=False), artifact_ids, viewer)


# The artifact page shows an artifact's conversation a page of threads at a time: this many top comments, each
# with all its replies (two hundred comments on one page were 35 ms to read and draw, and 260 kB to send).
THREADS_PER_PAGE = 20


@dataclass
class ThreadPage:
    """One page of an artifact's comment threads, oldest first. Pages are fixed runs of THREADS_PER_PAGE top
    comments (counting those that keep no place for this viewer), so a comment's page can be worked out
    (`thread_cursor_for`) and "Earlier" and "Later" meet the same pages."""

    threads: list[Thread]
    number: int  # 1 for the first page
    pages: int  # at least 1
    earlier: str | None  # the cursor of the page before ("" for the first page); None on the first page
    later: str | None  # the cursor of the next page; None on the last


def _tops(artifact_id: int) -> QuerySet[Comment]:
    """The artifact's top comments (every one: a removed or hidden one may keep a place), oldest first."""
    return Comment.objects.filter(artifact_id=artifact_id, parent__isnull=True).order_by("created_at", "id")


def _after(when: dt.datetime, pk: int) -> Q:
    """Rows after the position (`when`, `pk`) in oldest-first order."""
    return Q(created_at__gte=when) & (Q(created_at__gt=when) | Q(id__gt=pk))


def thread_page(
    artifact: Artifact, viewer: Viewer | None, cursor: str | None = None, size: int = THREADS_PER_PAGE
) -> ThreadPage:
    """The page of the artifact's threads after `cursor` (a malformed or missing one: the first page), in
    four queries however long the conversation (five when a top comment on it is held): how many top comments
    there are and how many come before the page, the page's top comments (one more, to know there is a later
    page), the position the page before starts after, and the threads (`threads_of`'s read, for those top
    comments alone)."""
    tops = _tops(artifact.pk)
    position = decode_cursor(cursor) if cursor else None
    if position is None:
        total, start, window = tops.count(), 0, tops
    else:
        counts = tops.order_by().aggregate(total=Count("id"), before=Count("id", filter=~_after(*position)))
        total, start, window = counts["total"], counts["before"], tops.filter(_after(*position))
    rows = list(window.values_list("created_at", "id")[: size + 1])
    later = encode_position(*rows[size - 1]) if len(rows) > size else None
    earlier: str | None = None
    if start > 0:
        if start <= size:
            earlier = ""
        else:  # the page before starts after the top comment `size` places before this page's first
            assert position is not None
            back = tops.exclude(_after(*position)).order_by("-created_at", "-id").values_list("created_at", "id")
            earlier = encode_position(*back[size])
    ids = [pk for _, pk in rows[:size]]
    threads = _threads(Q(pk__in=ids), Q(parent_id__in=ids), [artifact.pk], viewer)[artifact.pk] if ids else []
    return ThreadPage(
        threads=threads, number=start // size + 1, pages=max(1, -(-total // size)), earlier=earlier, later=later
    )


def thread_cursor_for(comment: Comment, size: int = THREADS_PER_PAGE) -> str | None:
    """The cursor of the page of its artifact's threads that holds the comment (a reply: its thread's page);
    None for the first page."""
    return thread_cursor(comment.artifact_id, comment.parent_id or comment.pk, size)


def thread_cursor(artifact_id: int, top_id: int, size: int = THREADS_PER_PAGE) -> str | None:
    """The cursor of the page that holds the thread of the top comment `top_id`; None for the first page (and
    for a comment that is not a top comment of the artifact). Three queries at most."""
    tops = _tops(artifact_id)
    when = tops.filter(pk=top_id).values_list("created_at", flat=True).first()
    if when is None:
        return None
    start = (tops.exclude(_after(when, top_id)).count() - 1) // size * size  # the first top comment of its page
    if start == 0:
        return None
    return encode_position(*tops.values_list("created_at", "id")[start - 1])


def _threads(tops: Q, answers: Q, artifact_ids: list[int], viewer: Viewer | None) -> dict[int, list[Thread]]:
    """The threads of the top comments `tops` (every one: a removed or held one may keep a place) with their
    replies (`answers`) the viewer may see, oldest first, as `threads_of` describes them: read in one query and put
    together here (a prefetch of the replies was a query more and its machinery: 0.5 ms of the page of a
    200-comment artifact at 1M artifacts on SQLite)."""
    hidden = blocked_ids(viewer) if viewer is not None else set()
    matcher = filters_for(viewer, FilterContext.COMMENTS)
    seer = viewer if viewer is not None else AnonymousUser()
    comments: list[Comment] = []
    replies_to: dict[int, list[Comment]] = {}
    rows = Comment.objects.filter(tops | (answers & comment_seen_q(seer)))
    for row in rows.select_related("author").order_by("created_at", "id"):
        if row.parent_id is None:
            comments.append(row)
        else:
            replies_to.setdefault(row.parent_id, []).append(row)
    held = [c.pk for c in comments if c.held]
    unseen = set(held) - set(Comment.objects.seen_by(seer).filter(pk__in=held).values_list("pk", flat=True))

    def hidden_by_filter(comment: Comment) -> bool:
        rule = matcher.match(comment.body) if matcher is not None and comment.removed_at is None else None
        if rule is not None and not rule.hide:
            comment.filtered_by = rule.phrase  # type: ignore[attr-defined]
        return rule is not None and rule.hide

    threads: dict[int, list[Thread]] = {pk: [] for pk in artifact_ids}
    for comment in comments:
        replies = [
            r
            for r in replies_to.get(comment.pk, ())
            if r.removed_at is None and r.author_id not in hidden and not hidden_by_filter(r)
        ]
        waiting = comment.pk in unseen
        blocked = not waiting and comment.author_id in hidden
        filtered = not waiting and not blocked and hidden_by_filter(comment)
        if (comment.removed_at is None and not blocked and not filtered and not waiting) or replies:
            threads[comment.artifact_id].append(
                Thread(comment=comment, replies=replies, blocked=blocked, filtered=filtered, held=waiting)
            )
    return threads


RELATIONSHIP_WINDOW = 5


def recent_challenges_to(*, writer: User, recipient: User, limit: int = RELATIONSHIP_WINDOW) -> bool:
    """True when the writer's last `limit` comments addressed to `recipient` were all challenges.

    A comment is addressed to the artifact's author, or, for a reply, to the author of the comment it
    replies to. Fewer than `limit` such comments is never a streak; nobody is warned about themselves.
    """
    if writer.pk == recipient.pk:
        return False
    tones = list(
        Comment.objects.shown()
        .filter(author=writer)
        .filter(Q(parent__isnull=True, artifact_author=recipient) | Q(parent_author=recipient))
        .order_by("-created_at", "-id")
        .values_list("tone", flat=True)[:limit]
    )
    return len(tones) == limit and all(tone == Tone.CHALLENGE for tone in tones)


@dataclass
class ToneNudge:
    """The "seek first to understand" confirm step for a comment about to be posted."""

    rewordings: list[str]
    streak_with: User | None = None
    streak_length: int = RELATIONSHIP_WINDOW

    @property
    def streak_words(self) -> str:
        """The streak's length in words, as in "your last five replies"."""
        words = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}
        return words.get(self.streak_length, str(self.streak_length))


def tone_nudge_for(*, course: Course, writer: User, body: str, recipient: User) -> ToneNudge | None:
    """The nudge to show before posting `body`, or None to post straight away.

    Only a comment that reads as a challenge is nudged: with rewordings as questions when the course's
    tone nudge is on, and with the relationship note when the writer's last five comments to the same
    person were all challenges and the course's relationship nudge is on. Never refuses anything.
    """
    if classify(body).label != Tone.CHALLENGE:
        return None
    streak = course.relationship_nudge != HabitMode.OFF and recent_challenges_to(writer=writer, recipient=recipient)
    if course.tone_nudge == HabitMode.OFF and not streak:
        return None
    return ToneNudge(rewordings=question_rewordings(body)[:3], streak_with=recipient if streak else None)


@dataclass
class Progress:
    posts: int
    comments: int
    norm_posts: int
    norm_comments: int
    norm_shares: int

    @property
    def posts_met(self) -> bool:
        return self.posts >= self.norm_posts

    @property
    def comments_met(self) -> bool:
        return self.comments >= self.norm_comments


def week_progress(*, course: Course, user: User, week: Week) -> Progress:
    """The person's posts and comments (on others' work) in the course during the week."""
    start, end = week.span()
    posts = (
        Artifact.objects.filter(course=course, author=user, published_at__gte=start, published_at__lt=end)
        .exclude(visibility=Visibility.DRAFT)
        .count()
    )
    comments = (
        Comment.objects.shown()
        .filter(artifact__course=course, author=user, created_at__gte=start, created_at__lt=end)
        .exclude(artifact__author=user)
        .count()
    )
    return Progress(posts, comments, course.norm_posts, course.norm_comments, course.norm_shares)


def comment_for(pk: int, viewer: Viewer) -> Comment | None:
    """One comment on an artifact the viewer may see (a held one: its writer and the course's facilitators);
    None both when hidden and when missing."""
    return (
        Comment.objects.seen_by(viewer)
        .select_related("author", "artifact__course", "artifact__author")
        .filter(pk=pk, artifact__in=Artifact.objects.visible_to(viewer))
        .first()
    )


def week_of(course: Course, number: int) -> Week | None:
    """A week of the course by number, with readings, prompts and live session loaded."""
    return weeks_with_detail(course).filter(number=number).first()


def prompt_of(course: Course, number: int, prompt: int) -> Prompt | None:
    """Prompt `prompt` of week `number` in the course, or None."""
    return (
        Prompt.objects.select_related("week__course")
        .filter(week__course=course, week__number=number, number=prompt)
        .first()
    )


LATEST_SPARE = 3  # ranks read beyond a prompt's latest few, to stand in for what hiding filters leave out
# A prompt's responses are counted up to this many; beyond it the course page says "200+". Counting them all
# walks every one (at a million artifacts a busy course's prompt has tens of thousands: ~30 ms a page).
RESPONSES_COUNTED = 200


class CappedCount(Subquery):
    """How many rows a (sliced) subquery gives: COUNT(*) over at most its LIMIT rows, so the count stops there."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) capped)"
    output_field = IntegerField()


class JsonIds(Subquery):
    """The `pk` column of a (sliced) `values("pk")` subquery as a JSON array (in no promised order)."""

    template = "(SELECT json_group_array(pk) FROM (%(subquery)s) ids)"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def]
        template = "(SELECT COALESCE(json_agg(pk)::text, '[]') FROM (%(subquery)s) ids)"
        return self.as_sql(compiler, connection, template=template, **extra)


@dataclass
class PromptSummary:
    prompt: Prompt
    count: int  # at most RESPONSES_COUNTED
    latest: list[Artifact]
    more: bool = False  # more responses than RESPONSES_COUNTED: `count` is the floor shown as "200+"


def prompt_summaries(prompts: list[Prompt], viewer: Viewer, limit: int = 3) -> list[PromptSummary]:
    """For each prompt: how many responses the viewer can see (up to RESPONSES_COUNTED) and the newest few,
    newest first, in two queries whose cost does not grow with a prompt's responses.

    Per prompt, two correlated subqueries on `artifact_prompt_stream` (prompt, newest first), each a short walk
    that stops after a few rows: the capped count, and the ids of its `limit` newest responses as a JSON array (a
    window over them all read and ranked every one, 20 ms on a 100k network's big course; a subquery per rank
    cost ~1 ms of query building each). Then the artifacts themselves, put in order here.

    The count is of what the viewer may see, muted people left out, as the prompt's page lists. The viewer's
    keyword filters for course streams apply to the latest, as in the stream: what a hiding filter matches is
    left out (a few more ranks are read to stand in for it), what a warning one matches has `filtered_by`."""
    if not prompts:
        return []
    keep = filter_keeper(filters_for(viewer, FilterContext.COURSES))
    ranks = limit if keep is None else limit + LATEST_SPARE
    shown = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published().filter(prompt_id=OuterRef("pk"))
    read = (
        Prompt.objects.filter(pk__in=[prompt.pk for prompt in prompts])
        .annotate(
            n=CappedCount(shown.order_by().values("pk")[: RESPONSES_COUNTED + 1]),
            newest=JsonIds(shown.order_by("-published_at", "-id").values("pk")[:ranks]),
        )
        .values_list("pk", "n", "newest")
    )
    rows = {prompt_id: (n, json.loads(newest)) for prompt_id, n, newest in read}
    artifacts = Artifact.objects.select_related("author")
    if keep is not None:
        artifacts = artifacts.prefetch_related("tags")  # filters read tag names
    loaded = artifacts.in_bulk([pk for _, ids in rows.values() for pk in ids])
    summaries = []
    for prompt in prompts:
        n, ids = rows.get(prompt.pk, (0, []))
        newest = sorted((loaded[pk] for pk in ids if pk in loaded), key=lambda a: (a.published_at, a.pk), reverse=True)
        kept = [artifact for artifact in newest if keep is None or keep(artifact)][:limit]
        summaries.append(PromptSummary(prompt, min(n, RESPONSES_COUNTED), kept, more=n > RESPONSES_COUNTED))
    return summaries


def latest_responses(prompts: list[Prompt], viewer: Viewer, limit: int = 3) -> dict[int, list[Artifact]]:
    """The newest few responses the viewer can see for each prompt with any, newest first (`prompt_summaries`)."""
    return {s.prompt.pk: s.latest for s in prompt_summaries(prompts, viewer, limit) if s.latest}


@dataclass
class WeekOverview:
    week: Week
    readings: list[Reading]
    prompts: list[PromptSummary]
    live_session: LiveSession | None
    progress: Progress | None


def week_overview(*, course: Course, week: Week, viewer: Viewer) -> WeekOverview:
    """Everything the week block shows: readings, prompts with responses, live session, the viewer's progress.

    `week` should come from weeks_with_detail (readings, prompts and live session loaded).
    Progress is only for signed-in members of the course.
    """
    week.course = course
    prompts = list(week.prompts.all())
    for prompt in prompts:
        prompt.week = week  # so prompt.tag and its URL need no further query
    session: LiveSession | None = getattr(week, "live_session", None)
    progress = None
    if isinstance(viewer, User) and is_member(course, viewer):
        progress = week_progress(course=course, user=viewer, week=week)
    return WeekOverview(
        week=week,
        readings=list(week.readings.all()),
        prompts=prompt_summaries(prompts, viewer),
        live_session=session,
        progress=progress,
    )
