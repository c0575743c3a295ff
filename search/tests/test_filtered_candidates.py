"""Filtered search ranks the newest matches *within* the filters (search.selectors._ranked): the paths it
takes (the index walked newest first and each match looked up in the filter's set, or a small set walked
and each document looked up in the index) give exactly what the viewer may see, and with the number of
candidates forced low they give the newest matches of the filter, not of the whole index. Also: the tag
lookup that stops at the first visible artifact, and the faster snippet code against the one it replaced."""

import datetime as dt
import html as stdlib_html
import itertools
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Block, Mute
from core import search as engine
from core.search import Query, highlight, normalize, parse_query
from courses.models import Prompt, Week
from courses.tests.factories import CourseFactory, EnrollmentFactory
from posts import search_index
from posts import services as posts
from posts.models import Artifact, Kind, Visibility
from search import selectors
from search.selectors import Filters

pytestmark = pytest.mark.django_db


def publish(author, course, title, body="", **kwargs) -> Artifact:
    kind = kwargs.pop("kind", Kind.POST)
    return posts.publish(author=author, course=course, kind=kind, title=title, body=body, **kwargs)


@pytest.fixture
def world(course, maria, devon, george, outsider):
    """Two courses; herons of every visibility by three people (one muted by maria, one blocking her),
    a few egrets that do not match; the other course's herons are the newest of all."""
    other = CourseFactory.create(slug="other", hashtag="#OTHER")
    EnrollmentFactory.create(course=other, user=george)
    week = Week.objects.get(course=course, number=1)
    prompt = Prompt.objects.get(week=week)
    base = timezone.now() - dt.timedelta(days=20)
    made = []
    people = [maria, devon, george]
    for i in range(18):
        author = people[i % 3]
        visibility = [Visibility.PUBLIC, Visibility.PUBLIC, Visibility.COURSE, Visibility.DRAFT][i % 4]
        artifact = publish(
            author,
            course,
            f"Heron {i}",
            f"heron notes {i} #wading" if i % 2 else f"heron notes {i}",
            visibility=visibility,
            prompt=prompt if i % 3 == 0 else None,
        )
        Artifact.objects.filter(pk=artifact.pk).update(published_at=base + dt.timedelta(hours=7 * i))
        made.append(artifact)
    for i in range(3):
        publish(maria, course, f"Egret {i}", "egret")
    for i in range(4):  # newest of all, in the other course
        made.append(publish(george, other, f"Heron elsewhere {i}", "heron"))
    Mute.objects.create(muter=maria, muted=devon)
    Block.objects.create(blocker=george, blocked=outsider)
    return {"course": course, "other": other, "week": week, "prompt": prompt, "made": made}


def _filter_sets(world, maria, devon) -> dict[str, Filters]:
    since = (timezone.now() - dt.timedelta(days=19)).date()
    return {
        "course": Filters(course=world["course"]),
        "course_week": Filters(course=world["course"], week=world["week"]),
        "prompt": Filters(course=world["course"], week=world["week"], prompt=world["prompt"]),
        "person": Filters(person=devon),
        "tag": Filters(tag="wading"),
        "dates": Filters(since=since, until=timezone.now().date()),
        "kind": Filters(kind=Kind.POST),
        "course_person": Filters(course=world["course"], person=maria),
    }


def _exact(viewer, filters: Filters) -> set[int]:
    """What the filters and visibility allow among the herons, straight from the ORM (no index)."""
    qs = Artifact.objects.visible_to(viewer).unmuted_for(viewer).filter(title__startswith="Heron")
    f = filters
    if f.course is not None:
        qs = qs.filter(course=f.course)
    if f.week is not None:
        qs = qs.filter(selectors._in_week(f.week, "published_at", "prompt"))
    if f.prompt is not None:
        qs = qs.filter(prompt=f.prompt)
    if f.person is not None:
        qs = qs.filter(author=f.person)
    if f.tag:
        qs = qs.filter(tags__name=f.tag)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.since is not None:
        qs = qs.filter(published_at__date__gte=f.since)
    if f.until is not None:
        qs = qs.filter(published_at__date__lte=f.until)
    return set(qs.values_list("pk", flat=True))


def _found(viewer, filters: Filters) -> set[int]:
    results = selectors.artifacts(viewer=viewer, query=parse_query("heron"), filters=filters, limit=100)
    return {h.obj.pk for h in results.hits}


def _take(path: str, monkeypatch) -> None:
    """Force one of the paths: the index walked and each match looked up in the filter's set; the set walked
    and each document looked up in the index (a small set); on PostgreSQL, the GIN index asked window by
    window for the newest matches (buckets of 2, 8, 32 and 128 ids, windows sized as if every document
    matched; the index is rebuilt with those buckets)."""
    monkeypatch.setattr(selectors, "FEW", 10_000 if path == "set-walked" else 0)
    if path == "windowed":
        monkeypatch.setattr(engine, "BUCKET", 2)
        monkeypatch.setattr(engine, "WINDOW_MARGIN", 1e-9)
        monkeypatch.setattr(engine, "_share", lambda *args: 1.0)
        search_index.rebuild()


PATHS = ["index-walked", "set-walked", "windowed"]


@pytest.mark.parametrize("path", PATHS)
def test_every_filtered_path_finds_exactly_what_the_viewer_may_see(
    world, maria, devon, george, outsider, path, monkeypatch
):
    _take(path, monkeypatch)
    for name, filters in _filter_sets(world, maria, devon).items():
        for viewer in (AnonymousUser(), maria, devon, george, outsider):
            expected = _exact(viewer, filters)
            assert _found(viewer, filters) == expected, (name, viewer)
            count = selectors.artifacts(viewer=viewer, query=parse_query("heron"), filters=filters)
            assert (count.total, count.capped) == (len(expected), False), (name, viewer)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("limit", [1, 2, 20])
def test_capped_it_ranks_the_newest_matches_within_the_filter(world, maria, devon, george, path, limit, monkeypatch):
    """With batches of three candidates, a course search reads the course's newest herons (not the other
    course's, which are newer) batch by batch, until the viewer's own results fill the page (or BATCHES run
    out); it ranks what the viewer may see of them, and says there are more only when the page is full."""
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    _take(path, monkeypatch)
    course = world["course"]
    shapes: set[tuple[bool, bool]] = set()
    for viewer, filters, allowed in (
        (maria, Filters(course=course), Artifact.objects.filter(course=course)),
        (AnonymousUser(), Filters(course=course), Artifact.objects.filter(course=course)),
        (maria, Filters(person=devon), Artifact.objects.filter(author=devon)),
        (george, Filters(tag="wading"), Artifact.objects.filter(tags__name="wading")),
    ):
        matches = list(allowed.filter(title__startswith="Heron").order_by("-pk").values_list("pk", flat=True))
        assert len(matches) > 3, "the world needs more than a batch of herons"
        may_see = _exact(viewer, filters)
        read: list[int] = []
        for start in range(0, 3 * selectors.BATCHES, 3):  # the batches, as the selector should read them
            read += matches[start : start + 3]
            if len(set(read) & may_see) > limit or start + 3 >= len(matches):
                break
        seen = set(read) & may_see
        more = len(matches) > len(read) and len(seen) > limit
        results = selectors.artifacts(viewer=viewer, query=parse_query("heron"), filters=filters, limit=limit)
        assert (results.total, results.capped) == (len(seen), more), (viewer, filters)
        assert {h.obj.pk for h in results.hits} <= seen
        assert len(results.hits) == min(limit, len(seen))
        assert results.has_more == (len(seen) > limit)
        shapes.add((len(read) > 3, more))
    # The cases cover a second batch read (a short page) and, with a one-result page, "more than these".
    assert (True, False) in shapes or limit == 1
    assert limit != 1 or (False, True) in shapes


@pytest.mark.parametrize("path", PATHS)
def test_a_course_week_finds_posts_by_their_dates_as_well_as_by_their_prompts(
    world, maria, devon, george, path, monkeypatch
):
    """A week is its prompts' answers or what was published in its dates; moved to cover the first herons'
    dates, the week finds those without a prompt too, on every path (on PostgreSQL's windows, by the facet
    word for their day in their course)."""
    first = Artifact.objects.filter(title="Heron 0").values_list("published_at", flat=True).get()
    week = world["week"]
    Week.objects.filter(pk=week.pk).update(starts_on=first.date(), ends_on=first.date() + dt.timedelta(days=2))
    week.refresh_from_db()
    search_index.rebuild()  # the fixture moved the herons' dates behind the services' back
    _take(path, monkeypatch)
    filters = Filters(course=world["course"], week=week)
    for viewer in (AnonymousUser(), maria, devon, george):
        expected = _exact(viewer, filters)
        assert _found(viewer, filters) == expected, viewer
    by_date_only = _exact(george, filters) - set(
        Artifact.objects.filter(prompt=world["prompt"]).values_list("pk", flat=True)
    )
    assert by_date_only, "the test needs posts in the week by their dates alone"


@pytest.mark.parametrize("path", PATHS)
def test_a_hidden_match_within_a_filter_is_like_no_match(world, maria, outsider, path, monkeypatch):
    """A course-only post is neither shown nor counted for someone outside the course, whichever path runs."""
    _take(path, monkeypatch)
    course = world["course"]
    hidden = publish(maria, course, "Bittern", "bittern", visibility=Visibility.COURSE)
    for filters in (Filters(course=course), Filters(person=maria), Filters(course=course, week=world["week"])):
        results = selectors.artifacts(viewer=outsider, query=parse_query("bittern"), filters=filters)
        nothing = selectors.artifacts(viewer=outsider, query=parse_query("zzzz"), filters=filters)
        assert (results.hits, results.total, results.capped) == (nothing.hits, nothing.total, nothing.capped)
        assert (results.hits, results.total, results.capped) == ([], 0, False)
    member = selectors.artifacts(viewer=maria, query=parse_query("bittern"), filters=Filters(course=course))
    assert [h.obj for h in member.hits] == [hidden]


def test_tags_are_found_however_many_hidden_artifacts_carry_them_first(course, maria, outsider):
    for i in range(5):
        publish(maria, course, f"Draft {i}", "#popular", visibility=Visibility.DRAFT)
    assert selectors.tags(viewer=outsider, query=parse_query("popular")).hits == []
    publish(maria, course, "Seen", "#popular")
    assert [h.obj.name for h in selectors.tags(viewer=outsider, query=parse_query("popular")).hits] == ["popular"]
    other = CourseFactory.create(slug="other", hashtag="#OTHER")
    narrowed = selectors.tags(viewer=outsider, query=parse_query("popular"), filters=Filters(course=other))
    assert narrowed.hits == []


# --- Snippets: the faster code gives what the code it replaced gave ----------------------------------------


def _old_highlight(text: str, query: Query, *, words_around: int = 14, whole: bool = False) -> str:
    """core.search.highlight as it was before only the words shown were escaped (the reference)."""
    spans = [(m.start(), m.end()) for m in engine._WORD.finditer(text)]
    tokens = [normalize(text[a:b]) for a, b in spans]
    tokens = [t.split()[0] if t.split() else t for t in tokens]
    hits = []
    for term in query.terms:
        n = len(term.words)
        for i in range(len(tokens) - n + 1):
            ok = all(tokens[i + k] == term.words[k] for k in range(n - 1))
            final = tokens[i + n - 1]
            if ok and (final.startswith(term.words[-1]) if term.prefix else final == term.words[-1]):
                hits.append((i, i + n - 1))
    if whole or not spans:
        first, last = 0, len(spans) - 1
    else:
        centre = hits[0][0] if hits else 0
        first = max(0, centre - words_around // 2)
        last = min(len(spans) - 1, first + words_around * 2)
    if not spans:
        return mark_safe(escape(text))
    marked = {i for a, b in hits for i in range(a, b + 1)}
    start = 0 if whole or first == 0 else spans[first][0]
    end = len(text) if whole or last == len(spans) - 1 else spans[last][1]
    out = ["…" if start > 0 else ""]
    pos = start
    for i in range(first, last + 1):
        a, b = spans[i]
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>" if i in marked else escape(text[a:b]))
        pos = b
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


WORDS = st.sampled_from(
    ["heron", "Heron", "HÉRON", "héron", "her", "egret", "ß", "ﬁsh", "fish", "a", "<b>", "&", "'", "_"]
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    st.lists(WORDS, max_size=60).map(" ".join) | st.text(max_size=80),
    st.sampled_from(["heron", "her*", '"heron egret"', "fish heron", "ss", "é", "&"]),
    st.booleans(),
)
def test_snippets_are_what_they_were(text, typed, whole):
    query = parse_query(typed)
    assert str(highlight(text, query, whole=whole)) == _old_highlight(text, query, whole=whole)
    assert stdlib_html.escape("<'&\">") == str(escape("<'&\">"))


# --- A person's few matches are scored in Python as FTS5 would score them ---------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5's bm25")
@pytest.mark.parametrize("typed", ["heron", "her*", '"heron notes"', "heron wading", "notes 1*", "égret"])
def test_scores_computed_here_are_fts5s(world, typed):
    publish(world["made"][0].author, world["course"], "Égret heron heron", "Long " * 30 + "egret heron", tags=[])
    query = parse_query(typed)
    index = "search_artifacts"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid, -bm25(search_artifacts, 10.0, 5.0, 3.0, 1.0) FROM search_artifacts "
            "WHERE search_artifacts MATCH %s",
            [engine.fts5_expression(query)],
        )
        fts5 = dict(cursor.fetchall())
    assert fts5, typed
    ours = engine.bm25_scores(index, query, list(fts5))
    assert ours == pytest.approx(fts5, rel=1e-9, abs=1e-12), typed
    # Without the idf (one term), the order is the same.
    if len(query.terms) == 1:
        rough = engine.bm25_scores(index, query, list(fts5), exact=False)
        assert sorted(fts5, key=lambda pk: (fts5[pk], pk)) == sorted(rough, key=lambda pk: (rough[pk], pk))


def test_the_page_says_when_only_the_newest_matches_were_ranked(client, world, maria, monkeypatch, valid_html):
    client.force_login(maria)
    url = reverse("search:search")
    few = client.get(url, {"q": "heron", "course": world["course"].slug})
    assert "best of the newest" not in few.content.decode()
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    many = client.get(url, {"q": "heron", "course": world["course"].slug})
    valid_html(many.content)
    text = many.content.decode()
    assert re.search(r'<span class="count">\([0-9]+\+\)</span>', text)
    assert "so these are the best of the newest matches. Add a word or a filter to find older ones." in text


# --- PostgreSQL: facet words and windows ------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's windows over the GIN index")
def test_the_gin_index_is_asked_for_the_newest_buckets_first_and_widens(world, maria, monkeypatch):
    """Small buckets and small windows: the newest matches come window by window, newest first, each window
    asked of the index by its bucket words, until enough are found."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    _take("windowed", monkeypatch)
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    with CaptureQueriesContext(db) as queries:
        found = engine.newest_matches(search_index.ARTIFACTS, parse_query("heron"), 4)
    expected = list(Artifact.objects.filter(title__startswith="Heron").order_by("-pk").values_list("pk", flat=True)[:4])
    assert [pk for pk, _ in found] == expected
    windows = [q["sql"] for q in queries if "'~b" in q["sql"] or "'~B" in q["sql"]]
    assert len(windows) >= 2, "more than one window was asked for"
    assert all(score > 0 for _, score in found)


def test_facet_words_cannot_be_searched_for(world):
    """A document's facet words (its course, author, day…) start with "~", which a query's words never hold:
    searching for "c12" or "~c12" finds nothing that does not say it."""
    course = world["course"]
    for text in (f"c{course.pk}", f"~c{course.pk}", f"b{Artifact.objects.latest('pk').pk // engine.BUCKET}"):
        assert selectors.artifacts(viewer=AnonymousUser(), query=parse_query(text)).hits == [], text


@given(
    newest=st.integers(min_value=1, max_value=3_000_000),
    back=st.integers(min_value=0, max_value=2_000_000),
    span=st.integers(min_value=1, max_value=1_500_000),
)
@settings(max_examples=300, deadline=None)
def test_a_window_is_a_few_bucket_words_covering_at_least_the_span(newest, back, span):
    """The words of a window name whole buckets, one after another with no gap, from lo up to hi (or, for
    the first window, up to a boundary past the newest id); lo is at least `span` below hi and at most half
    a span (or one smallest bucket) more; a few words: at most LEVEL_RATIO - 1 of each smaller size to reach a
    boundary of the largest bucket used, then that bucket's (hypothesis found 13 for a span of a million ids
    ending off a boundary, so no fixed dozen)."""
    sizes = [engine.BUCKET * engine.LEVEL_RATIO**level for level in range(engine.LEVELS)]
    hi = max(engine.BUCKET, (newest // engine.BUCKET + 1) * engine.BUCKET - back // engine.BUCKET * engine.BUCKET)
    span = min(span, hi - 1)
    words, lo = engine._window(hi, span, newest=newest)
    ranges = []
    for word in words:
        level, number = (int(part) for part in word.removeprefix("~b").split("_"))
        ranges.append((number * sizes[level], (number + 1) * sizes[level]))
    ranges.sort()
    assert ranges[0][0] == lo
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges)), "no gaps"
    top = ranges[-1][1]
    assert top >= hi
    assert top == hi or hi > newest
    assert lo <= hi - span
    assert hi - lo <= span + max(span // 2, engine.BUCKET), (hi - lo, span)
    largest = max([size for size in sizes if size <= span // 2] or [sizes[0]])
    assert len(words) <= (engine.LEVEL_RATIO - 1) * (engine.LEVELS - 1) + -(-span // largest) + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's facet words")
def test_the_migration_gives_documents_indexed_before_facets_the_words_a_reindex_would(world):
    """posts migrations 0011 and 0013 add, in SQL, the facet words core.search.store gives a document: the
    same document, word for word, for every artifact and comment (tags, prompt, day and course-day included)."""
    import importlib

    from django.db import connection as db

    migration = importlib.import_module("posts.migrations.0011_search_facet_words")
    course_days = importlib.import_module("posts.migrations.0013_search_course_day_facets")
    heron = world["made"][0]
    comment = posts.add_comment(author=heron.author, artifact=heron, body="A heron, standing still")
    search_index.rebuild()

    def documents() -> dict[tuple[str, int], str]:
        with db.cursor() as cursor:
            found = {}
            for index in ("search_artifacts", "search_comments"):
                cursor.execute(f"SELECT rowid, document::text FROM {index}")  # noqa: S608
                found.update({(index, pk): text for pk, text in cursor.fetchall()})
            return found

    fresh = documents()
    assert any("'~t" in text for text in fresh.values())
    assert any("'~p" in text for text in fresh.values())
    assert any("'~e" in text for text in fresh.values())
    with db.cursor() as cursor:
        for index in ("search_artifacts", "search_comments"):
            cursor.execute(
                f"UPDATE {index} SET document = ts_delete(document, "  # noqa: S608
                "ARRAY(SELECT lexeme FROM unnest(document) WHERE lexeme LIKE '~%%'))"
            )
    assert all("'~" not in text for text in documents().values()), "the facet words were taken out"
    with db.schema_editor() as editor:
        migration.add_facet_words(None, editor)  # type: ignore[arg-type]
        course_days.add_course_day_words(None, editor)  # type: ignore[arg-type]
    assert documents() == fresh
    assert ("search_comments", comment.pk) in fresh
