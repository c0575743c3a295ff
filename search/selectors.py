"""Search: one selector per kind of result, each the full-text index joined to the visibility rule of what
it finds, so search never shows what the viewer could not open (A1, A2, A9).

Ranking is relevance (bm25 on SQLite, ts_rank_cd on PostgreSQL), then recency; counts stop at COUNT_CAP.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import BooleanField, Exists, FloatField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.utils.safestring import SafeString

from accounts.models import Block, Mute, User
from core import search
from core.search import Query, highlight
from core.text import html_to_text
from courses.models import Course, Prompt, Week
from courses.selectors import is_member
from posts.models import Artifact, Comment, Tag
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


CANDIDATES = 1000  # an unfiltered search ranks the newest this many matches (see _ranked)


def _ranked(
    qs: QuerySet[Any],
    index: str,
    query: Query,
    *,
    date_field: str,
    related: tuple[str, ...],
    narrowed: bool,
    offset: int,
    limit: int,
) -> tuple[list[Any], int, bool, bool]:
    """A page of what the viewer may see (`qs`) matching the query, best first, newest first among equals;
    with the total (up to a cap), whether there are more than that, and whether there is a next page.

    Narrowed by filters, every match is ranked (the filters keep the set small). Unfiltered, a common word
    can match hundreds of thousands of documents, so the newest CANDIDATES matches are taken from the index
    alone and only those are ranked and checked for visibility: two short queries whatever the word."""
    if narrowed:
        found = _matching(qs, index, query, then=(f"-{date_field}", "-id"))
        total, capped = _count(found)
        rows, more = _page(found.select_related(*related), offset=offset, limit=limit)
        return rows, total, capped, more
    candidates = search.newest_matches(index, query, CANDIDATES + 1)
    truncated = len(candidates) > CANDIDATES
    scores = dict(candidates[:CANDIDATES])
    visible = list(qs.filter(pk__in=list(scores)).values_list("pk", date_field))
    visible.sort(key=lambda row: (scores[row[0]], row[1], row[0]), reverse=True)
    page = [pk for pk, _ in visible[offset : offset + limit]]
    objects = qs.model.objects.select_related(*related).in_bulk(page)
    return [objects[pk] for pk in page if pk in objects], len(visible), truncated, offset + limit < len(visible)


def _page(qs: QuerySet[Any], *, offset: int, limit: int) -> tuple[list[Any], bool]:
    rows = list(qs[offset : offset + limit + 1])
    return rows[:limit], len(rows) > limit


def _count(qs: QuerySet[Any]) -> tuple[int, bool]:
    n = qs.order_by()[: COUNT_CAP + 1].count()
    return min(n, COUNT_CAP), n > COUNT_CAP


def _hidden_authors(viewer: Viewer) -> Q:
    """People whose words the viewer does not see in lists: blocks either way, active mutes."""
    if not viewer.is_authenticated:
        return Q(pk__in=[])
    return (
        Q(author_id__in=Block.objects.filter(blocker_id=viewer.pk).values("blocked_id"))
        | Q(author_id__in=Block.objects.filter(blocked_id=viewer.pk).values("blocker_id"))
        | Q(author_id__in=Mute.objects.active().filter(muter_id=viewer.pk).values("muted_id"))
    )


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
        related=("author", "course", "prompt__week__course"),
        narrowed=bool(filters),
        offset=offset,
        limit=limit,
    )
    hits = [Hit(a, highlight(a.title, query, whole=True), highlight(_snippet_source(a), query)) for a in rows]
    return Results(hits, total, capped, more)


SNIPPET_SOURCE = 20_000  # characters of a long post a snippet is looked for in (a page shows twenty)


def _snippet_source(artifact: Artifact) -> str:
    return html_to_text(artifact.body_html[: SNIPPET_SOURCE * 2])[:SNIPPET_SOURCE] or artifact.excerpt


def comments(
    *, viewer: Viewer, query: Query, filters: Filters = Filters(), offset: int = 0, limit: int = 20
) -> Results:
    """Comments on artifacts the viewer may see, not removed, and not by people hidden from the viewer."""
    if not query:
        return Results([], 0)
    visible = Artifact.objects.visible_to(viewer).published()
    qs = Comment.objects.filter(removed_at__isnull=True, artifact__in=visible).exclude(_hidden_authors(viewer))
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
        related=("author", "artifact"),
        narrowed=bool(filters),
        offset=offset,
        limit=limit,
    )
    hits = [Hit(c, highlight(c.artifact.title, Query(())), highlight(c.body, query)) for c in rows]
    return Results(hits, total, capped, more)


def people(
    *, viewer: Viewer, query: Query, filters: Filters = Filters(), offset: int = 0, limit: int = 20, count: bool = True
) -> Results:
    """People by name, @handle, bio, role, subjects and grade levels; never anyone on the other side of a
    block. Narrowing to a course's members needs the viewer to be in that course (who takes part is not
    public): for anyone else the course filter finds nobody."""
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
    found = _matching(qs, PEOPLE, query, then=("username",))
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
    first; a tag carried only by what the viewer cannot see is not shown (one EXISTS per tag, no counting)."""
    compact = "".join(w for term in query.terms for w in term.words)
    if len(compact) < 2:
        return Results([], 0)
    visible = Artifact.objects.visible_to(viewer)
    if filters.course is not None:
        visible = visible.filter(course=filters.course)
    carried = Artifact.tags.through.objects.filter(tag_id=OuterRef("pk"), artifact__in=visible)
    qs = (
        Tag.objects.filter(name__contains=compact)
        .filter(Exists(carried))
        .annotate(length=Length("name"))
        .order_by("length", "name")
    )
    rows = list(qs[: limit + 1])
    hits = [Hit(t, highlight(f"#{t.name}", Query(())), SafeString("")) for t in rows[:limit]]
    return Results(hits, len(hits), has_more=len(rows) > limit)
