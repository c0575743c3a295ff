"""Search: one selector per kind of result, each the full-text index joined to the visibility rule of what
it finds, so search never shows what the viewer could not open (A1, A2, A9).

Ranking is relevance (bm25 on SQLite, ts_rank_cd on PostgreSQL), then recency; counts stop at COUNT_CAP.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import BooleanField, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils.safestring import SafeString

from accounts.models import Block, User
from accounts.selectors import hidden_people
from core import search
from core.arrays import int_array
from core.search import Query, Within, highlight
from core.text import html_to_text
from courses.models import Course, Prompt, Week
from courses.selectors import is_member
from posts.models import Artifact, Comment, Tag, Visibility, visible_q
from posts.search_index import ARTIFACTS, COMMENTS

Viewer = User | AnonymousUser
COUNT_CAP = 1000
PEOPLE = "search_people"


@dataclass(frozen=True)
class Filters:
    """Narrowing a search; a filter a kind of result has no notion of (a person's week) is ignored for it."""

    course: Course | None = None
    week: Week | None = None
    prompt: Prompt | None = None
    kind: str = ""  # an artifact kind: post, video, image, link
    person: User | None = None
    tag: str = ""
    since: dt.date | None = None
    until: dt.date | None = None

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


@dataclass
class Hit:
    obj: Any
    title: SafeString
    snippet: SafeString


@dataclass
class Results:
    hits: list[Hit]
    total: int  # up to COUNT_CAP
    capped: bool = False
    has_more: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _matching(qs: QuerySet[Any], index: str, query: Query, *, then: tuple[str, ...]) -> QuerySet[Any]:
    """Join the index (inner join through its `search_index` relation), keep what matches, rank it by
    relevance and then by `then`. The SQL is core.search's, with the query always a parameter."""
    m = search.match(index, query)
    return (
        qs.filter(search_index__isnull=False)
        .filter(RawSQL(m.condition, m.params, output_field=BooleanField()))  # noqa: S611 - parameters only
        .annotate(score=RawSQL(m.rank, m.rank_params, output_field=FloatField()))  # noqa: S611
        .order_by("-score", *then)
    )


CANDIDATES = 1000  # a search ranks the newest this many matches (see _ranked)
BATCHES = 4  # batches of CANDIDATES read at most while the viewer may see too few of them to fill the page
FEW = 300  # a narrowing set this small is walked whole, each of its documents looked up in the index


def _ranked(
    qs: QuerySet[Any],
    index: str,
    query: Query,
    *,
    date_field: str,
    related: tuple[str, ...],
    within: list[Within],
    offset: int,
    limit: int,
) -> tuple[list[Any], int, bool, bool]:
    """A page of what the viewer may see (`qs`) matching the query, best first, newest first among equals;
    with the total (what the viewer may see among the candidates read), whether there may be more than
    that, and whether there is a next page.

    A common word can match hundreds of thousands of documents, so only the newest CANDIDATES matches are
    ranked ("the most relevant of the newest 1,000"; the count then says "1,000+"), or a few batches more
    while the viewer may see too few of them to fill the page (see the loop). Unfiltered, they are
    read from the index alone. Narrowed by filters, they are the newest matches *within* the sets the
    filters allow (`within`, read from indexes only): the index is walked newest first and each match looked
    up in them, or, when a set is small (a person's posts), each of its documents is looked up in the
    index. Either way only the candidates are then checked against `qs`, so what the viewer may not see is
    never counted or shown, and the cost stays about the same however common the words are."""
    probe = next((part for part in within if part.sql and _at_most(part, FEW)), None)
    rest = [part for part in within if part is not probe]
    scores: dict[int, float] = {}
    visible: list[tuple[int, Any]] = []
    below: int | None = None
    for _ in range(BATCHES):
        candidates = search.newest_matches(index, query, CANDIDATES + 1, within=rest, probe=probe, below=below)
        truncated = len(candidates) > CANDIDATES
        batch = dict(candidates[:CANDIDATES])
        scores.update(batch)
        visible += _among(qs, list(batch), date_field)
        # Matches the viewer may not see (course-only, drafts, muted people) must not crowd out older ones
        # they may: while the page is not full and the index holds more, read the next batch.
        if not truncated or len(visible) > offset + limit or not batch:
            break
        below = min(batch)
    # "More than these" only when the viewer's own results fill the page: a page of a few results, or none,
    # reads the same whether or not hidden matches exist (A2). If the batches run out first (thousands of
    # newer matches hidden from this viewer), the older ones are not reached, and nothing says so.
    truncated = truncated and len(visible) > offset + limit
    visible.sort(key=lambda row: (scores[row[0]], row[1], row[0]), reverse=True)
    page = [pk for pk, _ in visible[offset : offset + limit]]
    objects = qs.model.objects.select_related(*related).in_bulk(page)
    return [objects[pk] for pk in page if pk in objects], len(visible), truncated, offset + limit < len(visible)


def _among(qs: QuerySet[Any], ids: list[int], date_field: str) -> list[tuple[int, Any]]:
    """(id, date) of those of `ids` in `qs`. The ids go as one parameter and the rows come back as the
    database gives them (the dates are only compared with each other): a thousand ids cost no more to
    send or read than a page's worth."""
    column = f'"{qs.model._meta.db_table}"."{qs.model._meta.pk.column}"'
    if connection.vendor == "postgresql":
        # Each id looked up on its own (a join from the list): PostgreSQL then reads the covering index
        # (posts' artifact_visibility, an index-only scan) where, given "id = ANY(…)", it chose the primary
        # key and read a thousand wide rows (A/B on the 1M bench database: course p95 51 -> see bench/README).
        each = RawSQL(f"{column} = listed.id", (), output_field=BooleanField())  # noqa: S611 - names are ours
        sql, params = qs.filter(each).order_by().values_list("pk", date_field).query.sql_with_params()
        sql = f"SELECT found.* FROM unnest(%s::bigint[]) AS listed(id), LATERAL ({sql}) AS found"  # noqa: S608
        # The array as its text ("{1,2,…}", ints of our own): psycopg quoting a list of 1,000 ints element by
        # element took 0.75 ms, the text 0.18 ms.
        params = (int_array(ids), *params)
    else:
        listed = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - names are ours
        among = RawSQL(listed, (json.dumps(ids),), output_field=BooleanField())  # noqa: S611
        sql, params = qs.filter(among).order_by().values_list("pk", date_field).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(pk), date) for pk, date in cursor.fetchall()]


def _at_most(part: Within, n: int) -> bool:
    """Whether the set selects at most n ids (counting stops after n + 1)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({part.sql} LIMIT {int(n) + 1}) AS few", part.params)  # noqa: S608
        return int(cursor.fetchone()[0]) <= n


def _sql(qs: QuerySet[Any], column: str = "", value: Any = None, *, facets: tuple[str, ...] = ()) -> Within:
    sql, params = qs.order_by().query.sql_with_params()
    table = qs.model._meta.db_table if column else ""
    return Within(sql, tuple(params), table, column, value, facets)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _artifacts_within(filters: Filters) -> list[Within]:
    """Sets of artifact ids the filters allow, each read from an index alone: the filters exactly, or a
    little more (dates a day wider either side, whatever the time zone; the kind has no index and is left
    out). Every candidate is then checked against the filters and visibility exactly (`_ranked`):
    visibility needs each artifact's row, and a course has tens of thousands."""
    f = filters
    ids = Artifact.objects.values("pk")
    parts: list[Within] = []
    if f.week is not None:
        # Answers to the week's prompts, or published in its dates (in the course asked for, if any).
        dated = ids.filter(
            published_at__gte=_day_start(f.week.starts_on - dt.timedelta(days=1)),
            published_at__lt=_day_start(f.week.ends_on + dt.timedelta(days=2)),
        )
        if f.course is not None:
            dated = dated.filter(course=f.course)
        prompted, dated_part = _sql(ids.filter(prompt__week=f.week)), _sql(dated)
        first, last = f.week.starts_on - dt.timedelta(days=1), f.week.ends_on + dt.timedelta(days=1)
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        facets = [f"p{pk}" for pk in Prompt.objects.filter(week=f.week).values_list("pk", flat=True)]
        # PostgreSQL: the week's days in the course asked for (a few hundred documents a word), or, with no
        # course, the site's days (thousands each, which GIN must walk).
        facets += [f"e{f.course.pk}_{day:%Y%m%d}" if f.course is not None else f"d{day:%Y%m%d}" for day in days]
        parts.append(
            Within(
                f"{prompted.sql} UNION ALL {dated_part.sql}",
                prompted.params + dated_part.params,
                facets=tuple(facets),
                small=f.course is not None,  # one course's week: its prompts' answers and its days' posts
            )
        )
    elif f.course is not None:
        parts.append(_sql(ids.filter(course=f.course), "course_id", f.course.pk, facets=(f"c{f.course.pk}",)))
    if f.prompt is not None:
        parts.append(_sql(ids.filter(prompt=f.prompt), "prompt_id", f.prompt.pk, facets=(f"p{f.prompt.pk}",)))
    if f.person is not None:
        parts.append(_sql(ids.filter(author=f.person), "author_id", f.person.pk, facets=(f"a{f.person.pk}",)))
    if f.tag:
        tagged = Artifact.tags.through.objects.filter(tag__name=f.tag).values("artifact_id")
        tag_ids = Tag.objects.filter(name=f.tag).values_list("pk", flat=True)
        parts.append(_sql(tagged, facets=tuple(f"t{pk}" for pk in tag_ids) or ("t0",)))
    if f.since is not None or f.until is not None:
        dates = ids
        if f.since is not None:
            dates = dates.filter(published_at__gte=_day_start(f.since - dt.timedelta(days=1)))
        if f.until is not None:
            dates = dates.filter(published_at__lt=_day_start(f.until + dt.timedelta(days=2)))
        parts.append(_sql(dates))
    return parts


def _page(qs: QuerySet[Any], *, offset: int, limit: int) -> tuple[list[Any], bool]:
    rows = list(qs[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


def _count(qs: QuerySet[Any]) -> tuple[int, bool]:
    n = qs.order_by()[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n > COUNT_CAP


def _in_week(week: Week, date_field: str, prompt_field: str) -> Q:
    return Q(**{f"{prompt_field}__week": week}) | Q(
        **{f"{date_field}__date__gte": week.starts_on, f"{date_field}__date__lte": week.ends_on}
    )


def artifacts(
    *, viewer: Viewer, query: Query, filters: Filters = Filters(), offset: int = 0, limit: int = 20
) -> Results:
    """Posts, videos, images and links (written here or gathered from blogs) the viewer may see, matching
    the query in their title, tags, blog name or full text."""
    if not query:
        return Results([], 0)
    qs = Artifact.objects.visible_to(viewer).unmuted_for(viewer)  # with the viewer's own drafts
    f = filters
    if f.course is not None:
        qs = qs.filter(course=f.course)
    if f.week is not None:
        qs = qs.filter(_in_week(f.week, "published_at", "prompt"))
    if f.prompt is not None:
        qs = qs.filter(prompt=f.prompt)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.person is not None:
        qs = qs.filter(author=f.person)
    if f.tag:
        qs = qs.filter(tags__name=f.tag)
    if f.since is not None:
        qs = qs.filter(published_at__date__gte=f.since)
    if f.until is not None:
        qs = qs.filter(published_at__date__lte=f.until)
    rows, total, capped, more = _ranked(
        qs,
        ARTIFACTS,
        query,
        date_field="published_at",
        related=("author", "course", "prompt__week__course", "book"),
        within=_artifacts_within(filters),
        offset=offset,
        limit=limit,
    )
    hits = [Hit(a, highlight(a.title, query, whole=True), highlight(_snippet_source(a), query)) for a in rows]
    return Results(hits, total, capped, more)


SNIPPET_SOURCE = 20_000  # characters of a long post a snippet is looked for in (a page shows twenty)


def _snippet_source(artifact: Artifact) -> str:
    text = html_to_text(artifact.body_html[: SNIPPET_SOURCE * 2])
    if artifact.passage:  # a quote: the quoted words first, then the reader's note
        text = f"“{artifact.passage}” {text}"
    return text[:SNIPPET_SOURCE] or artifact.excerpt


def comments(
    *, viewer: Viewer, query: Query, filters: Filters = Filters(), offset: int = 0, limit: int = 20
) -> Results:
    """Comments on artifacts the viewer may see, not removed, and neither they nor their artifact by people
    hidden from the viewer (a reply under a muted person's post would show that post's title)."""
    if not query:
        return Results([], 0)
    # The artifact's visibility checked through the join (visible_q via "artifact__", as published()
    # would): not a set of every artifact the viewer may see.
    qs = (
        Comment.objects.shown()
        .filter(visible_q(viewer, via="artifact__"))
        .exclude(artifact__visibility=Visibility.DRAFT)
        .exclude(hidden_people(viewer))
        .exclude(hidden_people(viewer, "artifact__author_id"))
    )
    f = filters
    if f.course is not None:
        qs = qs.filter(artifact__course=f.course)
    if f.week is not None:
        qs = qs.filter(_in_week(f.week, "created_at", "artifact__prompt"))
    if f.prompt is not None:
        qs = qs.filter(artifact__prompt=f.prompt)
    if f.person is not None:
        qs = qs.filter(author=f.person)
    if f.tag:
        qs = qs.filter(artifact__tags__name=f.tag)
    if f.since is not None:
        qs = qs.filter(created_at__date__gte=f.since)
    if f.until is not None:
        qs = qs.filter(created_at__date__lte=f.until)
    if f.kind:
        qs = qs.filter(artifact__kind=f.kind)
    rows, total, capped, more = _ranked(
        qs,
        COMMENTS,
        query,
        date_field="created_at",
        related=("author", "artifact__book"),
        within=[_sql(qs.values("pk"))] if filters else [],
        offset=offset,
        limit=limit,
    )
    hits = [Hit(c, highlight(c.artifact.title, Query(())), highlight(c.body, query)) for c in rows]
    return Results(hits, total, capped, more)


def people(
    *, viewer: Viewer, query: Query, filters: Filters = Filters(), offset: int = 0, limit: int = 20, count: bool = True
) -> Results:
    """People by name, @handle, bio, role, subjects and grade levels; never anyone on the other side of a
    block. A muted person is still found (as in Mastodon: muting hides their words from your lists, and you
    find them to unmute them). Narrowing to a course's members needs the viewer to be in that course (who
    takes part is not public): for anyone else the course filter finds nobody."""
    if not query:
        return Results([], 0)
    qs = User.objects.filter(is_active=True)
    if viewer.is_authenticated:
        qs = qs.exclude(pk__in=Block.objects.filter(blocked_id=viewer.pk).values("blocker_id")).exclude(
            pk__in=Block.objects.filter(blocker_id=viewer.pk).values("blocked_id")
        )
    if filters.course is not None:
        if not is_member(filters.course, viewer):
            return Results([], 0)
        qs = qs.filter(enrollments__course=filters.course)
    found = _matching(qs, PEOPLE, query, then=("-date_joined", "username"))  # recency breaks ties
    total, capped = _count(found) if count else (0, False)
    rows, more = _page(found, offset=offset, limit=limit)
    hits = []
    for person in rows:
        about = " · ".join(part for part in (person.bio, person.subjects, person.grade_levels) if part)
        name = f"{person.display_name} (@{person.username})" if person.display_name else f"@{person.username}"
        hits.append(Hit(person, highlight(name, query, whole=True), highlight(about, query)))
    return Results(hits, total, capped, more)


def tags(*, viewer: Viewer, query: Query, filters: Filters = Filters(), limit: int = 20) -> Results:
    """Tags whose name contains the query's words run together (#StudentLed for "student led"), shortest
    first; a tag carried only by what the viewer cannot see, or only by people hidden from the viewer (muted,
    blocked either way), is not shown (one look per tag, no counting)."""
    compact = "".join(w for term in query.terms for w in term.words)
    if len(compact) < 2:
        return Results([], 0)
    # Each tag's own rows, joined to their artifacts and checked as they come (visible_q via the join), so
    # the database stops at the first visible one: a popular tag costs no more than a rare one. (An
    # `artifact__in` set would list every artifact the viewer may see first.) A scalar subquery with
    # LIMIT 1 rather than EXISTS: PostgreSQL turns EXISTS into a join and hashes every row of the tag.
    carried = Artifact.tags.through.objects.filter(visible_q(viewer, via="artifact__"), tag_id=OuterRef("pk"))
    if viewer.is_authenticated:
        carried = carried.exclude(hidden_people(viewer, "artifact__author_id"))
    if filters.course is not None:
        carried = carried.filter(artifact__course=filters.course)
    qs = (
        Tag.objects.filter(name__contains=compact)
        .alias(carried_by=Subquery(carried.values("artifact_id")[:1]))
        .filter(carried_by__isnull=False)
        .annotate(length=Length("name"))
        .order_by("length", "name")
    )
    rows = list(qs[: limit + 1])
    hits = [Hit(t, highlight(f"#{t.name}", Query(())), SafeString("")) for t in rows[:limit]]
    return Results(hits, len(hits), has_more=len(rows) > limit)
