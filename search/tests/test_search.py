"""Search: the query language, ranking on a fixed corpus, filters, keeping the index current, visibility
(A1, A2, A9 hold for search), the page, and the reindex command."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts import services as accounts_services
from accounts.models import Block, Mute
from core import search as engine
from core.search import Term, fts5_expression, highlight, parse_query, tsquery_expression
from courses.models import Course, Prompt, Week
from courses.tests.factories import CourseFactory, EnrollmentFactory
from posts import services as posts
from posts.models import Artifact, Kind, Visibility
from posts.services_harvested import HarvestedPost, create_harvested, update_harvested
from search import selectors
from search.selectors import Filters
from search.services import reindex

pytestmark = pytest.mark.django_db


def titles(viewer, text: str, **filters) -> list[str]:
    results = selectors.artifacts(viewer=viewer, query=parse_query(text), filters=Filters(**filters))
    return [h.obj.title for h in results.hits]


def publish(author, course, title, body="", **kwargs) -> Artifact:
    kind = kwargs.pop("kind", Kind.POST)
    return posts.publish(author=author, course=course, kind=kind, title=title, body=body, **kwargs)


# --- The query language --------------------------------------------------------------------------------


def test_words_phrases_and_prefixes_are_parsed():
    query = parse_query('Student-led "growth  Mindset" conf* élève')
    assert query.terms == (
        Term(("student", "led")),
        Term(("growth", "mindset")),
        Term(("conf",), prefix=True),
        Term(("eleve",)),
    )


def test_nothing_searchable_gives_an_empty_query():
    assert not parse_query("")
    assert not parse_query('  "" * -- ')


def test_a_query_is_capped_at_a_few_terms():
    assert len(parse_query(" ".join(f"word{i}" for i in range(50))).terms) == engine.MAX_TERMS


def test_operators_typed_by_people_are_only_words():
    query = parse_query('NEAR(a b) OR title:x AND "x" ^y -z')
    assert fts5_expression(query) == '"near a" "b" "or" "title x" "and" "x" "y" "z"'
    assert tsquery_expression(query) == (
        "('near' <-> 'a') & ('b') & ('or') & ('title' <-> 'x') & ('and') & ('x') & ('y') & ('z')"
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.text(max_size=80))
@example("Hawaiʻi")
@example("aː ŉ ʼ ˈ")
@example("'\\:*&|!<->()")
def test_any_text_searches_without_error(course, text):
    """Whatever is typed, the search runs (no syntax error from FTS5 or to_tsquery) and returns a list."""
    assert isinstance(selectors.artifacts(viewer=AnonymousUser(), query=parse_query(text)).hits, list)


def test_highlight_marks_matches_as_written_and_escapes_the_rest():
    html = highlight("<b>Élève</b> & the ELEVE's conference", parse_query("eleve conf*"), whole=True)
    assert html == "&lt;b&gt;<mark>Élève</mark>&lt;/b&gt; &amp; the <mark>ELEVE</mark>&#x27;s <mark>conference</mark>"


def test_highlight_shows_the_part_around_the_first_match():
    text = " ".join(f"w{i}" for i in range(200)) + " innovation " + " ".join(f"v{i}" for i in range(200))
    snippet = highlight(text, parse_query("innovation"))
    assert "<mark>innovation</mark>" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet) < 300


def test_the_migration_creates_the_indexes_the_engine_writes():
    from importlib import import_module

    migration = import_module("core.migrations.0001_search_indexes")
    assert migration.INDEXES == engine.INDEXES


# --- Ranking and matching on a fixed corpus -------------------------------------------------------------


@pytest.fixture
def corpus(course, maria, devon):
    """Five posts published a day apart (oldest first), written through the services."""
    base = timezone.now() - dt.timedelta(days=10)
    made = []
    for i, (title, body) in enumerate(
        [
            ("Student-led conferences in week 3", "How my class ran its own conferences."),
            ("Notes on assessment", "We tried student-led conferences once; parents loved them."),
            ("Conference season", "A student led the opening."),
            ("Garden club", "Nothing about that at all."),
            ("Élève et enseignant", "Une réflexion sur l'innovation."),
        ]
    ):
        artifact = publish(maria if i % 2 == 0 else devon, course, title, body)
        Artifact.objects.filter(pk=artifact.pk).update(published_at=base + dt.timedelta(days=i))
        made.append(artifact)
    return made


def test_relevance_ranks_a_title_match_above_a_body_match(corpus, maria):
    assert titles(maria, '"student led" conferences') == ["Student-led conferences in week 3", "Notes on assessment"]


def test_recency_breaks_ties(course, maria):
    now = timezone.now()
    for n in range(3):
        artifact = publish(maria, course, "Same words here", "identical text")
        Artifact.objects.filter(pk=artifact.pk).update(published_at=now - dt.timedelta(days=3 - n))
    found = selectors.artifacts(viewer=maria, query=parse_query("identical")).hits
    dates = [h.obj.published_at for h in found]
    assert len(dates) == 3
    assert dates == sorted(dates, reverse=True)


def test_a_phrase_needs_its_words_in_a_row(corpus, maria):
    assert set(titles(maria, '"student led"')) == {
        "Student-led conferences in week 3",
        "Notes on assessment",
        "Conference season",
    }
    assert titles(maria, '"led student"') == []


def test_prefix_queries(corpus, maria):
    assert set(titles(maria, "conf*")) == {
        "Student-led conferences in week 3",
        "Notes on assessment",
        "Conference season",
    }
    assert titles(maria, "conf") == []


def test_accents_and_case_do_not_matter(corpus, maria):
    assert titles(maria, "ELEVE") == ["Élève et enseignant"]
    assert titles(maria, "réflexion INNOVATION") == ["Élève et enseignant"]


def test_every_word_must_match(corpus, maria):
    assert titles(maria, "garden conferences") == []


def test_snippets_highlight_the_body(corpus, maria):
    [hit] = selectors.artifacts(viewer=maria, query=parse_query("parents")).hits
    assert "<mark>parents</mark>" in hit.snippet


# --- Filters ----------------------------------------------------------------------------------------------


def test_filters_for_course_week_prompt_kind_person_tag_and_dates(course, maria, devon, george):
    other = CourseFactory.create(slug="other", hashtag="#OTHER")
    EnrollmentFactory.create(course=other, user=maria)
    week = Week.objects.get(course=course, number=1)
    prompt = Prompt.objects.get(week=week)
    answer = publish(maria, course, "Innovation answer", "innovation", prompt=prompt)
    link = publish(devon, course, "Innovation link", "innovation", kind=Kind.LINK, url="https://example.org/x")
    tagged = publish(devon, course, "Innovation tagged", "innovation #makerspace")
    elsewhere = publish(maria, other, "Innovation elsewhere", "innovation")
    old = publish(maria, course, "Innovation long ago", "innovation")
    Artifact.objects.filter(pk=old.pk).update(published_at=timezone.now() - dt.timedelta(days=400))

    def found(**filters) -> set[str]:
        return set(titles(maria, "innovation", **filters))

    assert found() == {a.title for a in (answer, link, tagged, elsewhere, old)}
    assert found(course=other) == {elsewhere.title}
    assert found(course=course, prompt=prompt) == {answer.title}
    assert answer.title in found(course=course, week=week)
    assert old.title not in found(course=course, week=week)
    assert found(kind=Kind.LINK) == {link.title}
    assert found(person=devon) == {link.title, tagged.title}
    assert found(tag="makerspace") == {tagged.title}
    since = (timezone.now() - dt.timedelta(days=30)).date()
    assert old.title not in found(since=since)
    assert found(until=since) == {old.title}


# --- Kept current --------------------------------------------------------------------------------------------


def test_edits_and_deletions_change_what_is_found(course, maria):
    artifact = publish(maria, course, "Makerspace diary", "first draft")
    assert titles(maria, "makerspace") == ["Makerspace diary"]
    posts.edit_artifact(artifact=artifact, actor=maria, title="Robotics diary")
    assert titles(maria, "makerspace") == []
    assert titles(maria, "robotics") == ["Robotics diary"]
    posts.delete_artifact(artifact=artifact, actor=maria)
    assert titles(maria, "robotics") == []


def test_comments_are_found_until_removed(course, maria, devon):
    artifact = publish(maria, course, "A post", "text")
    comment = posts.add_comment(artifact=artifact, author=devon, body="What about portfolios?")
    found = selectors.comments(viewer=maria, query=parse_query("portfolios")).hits
    assert [h.obj for h in found] == [comment]
    assert "<mark>portfolios</mark>" in found[0].snippet
    posts.edit_comment(comment=comment, actor=devon, body="What about journals?")
    assert selectors.comments(viewer=maria, query=parse_query("portfolios")).hits == []
    posts.remove_comment(comment=comment, actor=devon)
    assert selectors.comments(viewer=maria, query=parse_query("journals")).hits == []


def test_harvested_posts_are_found_by_their_full_text(course, maria, django_capture_on_commit_callbacks):
    post = HarvestedPost(
        author_id=maria.pk,
        course_id=course.pk,
        prompt_id=None,
        title="From my blog",
        url="https://maria.example/1",
        source_name="Maria's classroom",
        body_html="<p>A long post.</p>" + "<p>filler words</p>" * 300 + "<p>Hidden gem: sketchnoting.</p>",
        excerpt="A long post.",
        published_at=timezone.now(),
        updated_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=False) as pending:
        [artifact_id] = create_harvested([post], now=timezone.now())
    assert titles(maria, "sketchnoting") == []  # the task worker indexes it once the harvest commits
    for callback in pending:
        callback()
    assert titles(maria, "sketchnoting") == ["From my blog"]
    assert titles(maria, '"maria s classroom"') == ["From my blog"]  # the blog's name
    with django_capture_on_commit_callbacks(execute=True):
        update_harvested(artifact_id, HarvestedPost(**{**post.__dict__, "body_html": "<p>Rewritten.</p>"}))
    assert titles(maria, "sketchnoting") == []


def test_people_are_found_by_name_handle_and_what_they_teach(maria):
    person = accounts_services.register(username="lucia", email="lucia@example.org", password="a long passphrase 42")
    accounts_services.update_profile(
        user=person, display_name="Lucía Romero", subjects="Chemistry", grade_levels="Grade 9"
    )
    for text in ("lucia", "ROMERO", "chemistry", "grade 9"):
        assert [h.obj for h in selectors.people(viewer=maria, query=parse_query(text)).hits] == [person], text


def test_tags_are_found_by_their_words_run_together(course, maria):
    publish(maria, course, "Conferences", "#StudentLedConferences")
    hits = selectors.tags(viewer=maria, query=parse_query("student led")).hits
    assert [h.obj.name for h in hits] == ["studentledconferences"]


# --- Visibility (A1, A2, A9 for search) ---------------------------------------------------------------------


def test_A1_search_never_returns_what_the_viewer_may_not_see(course, maria, devon, outsider):
    publish(maria, course, "Secret draft zebra", visibility=Visibility.DRAFT)
    publish(maria, course, "Members zebra", visibility=Visibility.COURSE)
    publish(maria, course, "Public zebra")
    assert set(titles(maria, "zebra")) == {"Secret draft zebra", "Members zebra", "Public zebra"}
    assert set(titles(devon, "zebra")) == {"Members zebra", "Public zebra"}
    assert titles(outsider, "zebra") == ["Public zebra"]
    assert titles(AnonymousUser(), "zebra") == ["Public zebra"]


def test_A1_comments_on_what_the_viewer_cannot_see_are_not_found(course, maria, devon, outsider):
    members = publish(maria, course, "Members only", visibility=Visibility.COURSE)
    posts.add_comment(artifact=members, author=devon, body="quokka thoughts")
    assert len(selectors.comments(viewer=maria, query=parse_query("quokka")).hits) == 1
    assert selectors.comments(viewer=outsider, query=parse_query("quokka")).hits == []
    assert selectors.comments(viewer=AnonymousUser(), query=parse_query("quokka")).hits == []


def test_A1_tags_only_on_hidden_things_are_not_found(course, maria, outsider):
    publish(maria, course, "Plan", "#secretplan", visibility=Visibility.DRAFT)
    assert [h.obj.name for h in selectors.tags(viewer=maria, query=parse_query("secretplan")).hits] == ["secretplan"]
    assert selectors.tags(viewer=outsider, query=parse_query("secretplan")).hits == []


def test_blocked_and_muted_people_are_left_out(course, maria, devon, george):
    artifact = publish(devon, course, "Okapi notes")
    posts.add_comment(artifact=publish(george, course, "Post"), author=devon, body="okapi comment")
    Mute.objects.create(muter=maria, muted=devon)
    assert titles(maria, "okapi") == []
    assert selectors.comments(viewer=maria, query=parse_query("okapi")).hits == []
    Mute.objects.all().delete()
    assert titles(maria, "okapi") == [artifact.title]
    Block.objects.create(blocker=devon, blocked=maria)
    assert titles(maria, "okapi") == []
    assert selectors.comments(viewer=maria, query=parse_query("okapi")).hits == []
    accounts_services.update_profile(user=devon, display_name="Devon Okapi")
    assert selectors.people(viewer=maria, query=parse_query("okapi")).hits == []
    assert [h.obj for h in selectors.people(viewer=george, query=parse_query("okapi")).hits] == [devon]


def test_a_muted_persons_posts_leave_nothing_behind_in_search(course, maria, devon, george):
    """Replies under a muted person's post (they show its title) and tags only their posts carry are left out
    too, as blocks are; the muted person is still found by name, to be unmuted."""
    post = publish(devon, course, "Capybara plans", "#capybaraclub")
    posts.add_comment(artifact=post, author=george, body="wombat reply")
    accounts_services.update_profile(user=devon, display_name="Devon Wombat")

    def found() -> tuple[int, list[str], list[object]]:
        return (
            len(selectors.comments(viewer=maria, query=parse_query("wombat")).hits),
            [h.obj.name for h in selectors.tags(viewer=maria, query=parse_query("capybaraclub")).hits],
            [h.obj for h in selectors.people(viewer=maria, query=parse_query("wombat")).hits],
        )

    assert found() == (1, ["capybaraclub"], [devon])
    Mute.objects.create(muter=maria, muted=devon)
    assert found() == (0, [], [devon])
    Mute.objects.all().delete()
    Block.objects.create(blocker=maria, blocked=devon)
    assert found() == (0, [], [])
    # Someone who muted nobody still finds all of it.
    assert len(selectors.comments(viewer=george, query=parse_query("wombat")).hits) == 1


def test_A2_a_hidden_match_and_no_match_give_the_same_page(client, course, maria, outsider, login):
    publish(maria, course, "Members narwhal", visibility=Visibility.COURSE)
    login(outsider)

    def page(word: str) -> str:
        html = client.get(reverse("search:search"), {"q": word}).content.decode()
        return re.sub(r'(nonce="|X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]*', "", html).replace(word, "X")

    assert page("narwhal") == page("nonexistentword")


def test_A9_a_deleted_course_leaves_nothing_findable(course, maria):
    publish(maria, course, "Ibex post")
    Course.objects.filter(pk=course.pk).delete()
    assert titles(maria, "ibex") == []


# --- The page and the command ------------------------------------------------------------------------------


def test_the_page_groups_results_and_validates(client, corpus, maria, valid_html):
    response = client.get(reverse("search:search"), {"q": "conferences"})
    assert response.status_code == 200
    html = response.content.decode()
    valid_html(response.content)
    assert '<h3 id="group-posts">Posts <span class="count">(2)</span></h3>' in html
    assert "<mark>conferences</mark>" in html
    for kind in ("comments", "people", "tags"):
        assert f'id="group-{kind}"' in html


def test_every_page_has_the_search_box(client, course):
    html = client.get(reverse("courses:list")).content.decode()
    assert 'role="search"' in html
    assert 'name="q"' in html


def test_a_refused_filter_keeps_what_was_typed(client, corpus):
    response = client.get(reverse("search:search"), {"q": "conferences", "person": "nobody", "week": "3"})
    html = response.content.decode()
    assert "Nobody has the handle @nobody." in html
    assert "Choose a course to filter by week or prompt." in html
    assert 'value="conferences"' in html
    assert 'value="nobody"' in html
    assert 'id="group-posts"' not in html


def test_an_unknown_course_or_kind_in_the_address_is_named(client, corpus):
    response = client.get(reverse("search:search"), {"q": "conferences", "course": "gone-course", "kind": "poem"})
    html = response.content.decode()
    assert "No course has the address “gone-course” (it may have been renamed or removed)." in html
    assert "“poem” is not a kind of post; choose one from the list." in html
    assert 'value="conferences"' in html


def test_one_kind_pages_through_its_results(client, course, maria):
    for n in range(25):
        publish(maria, course, f"Wombat {n}")
    first = client.get(reverse("search:search"), {"q": "wombat", "type": "posts"}).content.decode()
    assert first.count("<mark>Wombat</mark>") == 20
    assert 'rel="next"' in first
    second = client.get(reverse("search:search"), {"q": "wombat", "type": "posts", "page": "2"}).content.decode()
    assert second.count("<mark>Wombat</mark>") == 5
    assert 'rel="prev"' in second


def test_reindex_rebuilds_every_index(corpus, maria):
    for index in engine.INDEXES:
        engine.clear(index)
    assert titles(maria, "conferences") == []
    out = io.StringIO()
    call_command("search", "reindex", stdout=out, stderr=io.StringIO())
    assert "Indexed 5 artifacts" in out.getvalue()
    assert len(titles(maria, "conferences")) == 2
    assert reindex()["search_artifacts"] == 5


def test_the_index_uses_the_database_engine():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'search_artifacts'")
            assert any("gin" in row[0].lower() for row in cursor.fetchall())
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'search_artifacts'")
            assert "fts5" in cursor.fetchone()[0].lower()


def test_dotted_modified_and_other_script_words_are_found_on_either_database(course, maria):
    publish(maria, course, "Tips for node.js and v2.0", "Mahalo from Hawaiʻi. हिन्दी में लिखना. Ωμέγα")
    for text in ("node.js", "node", "v2.0", "Hawaiʻi", "हिन्दी", "ωμεγα", "ΩΜΕΓΑ"):
        assert titles(maria, text) == ["Tips for node.js and v2.0"], text


def test_A1_the_course_filter_on_people_needs_membership(course, maria, devon, outsider):
    accounts_services.update_profile(user=devon, bio="Principal who loves robotics")
    members_only = Filters(course=course)
    found = selectors.people(viewer=maria, query=parse_query("robotics"), filters=members_only)
    assert [h.obj for h in found.hits] == [devon]
    for viewer in (outsider, AnonymousUser()):
        assert selectors.people(viewer=viewer, query=parse_query("robotics"), filters=members_only).hits == []


def test_people_the_viewer_blocked_are_left_out_too(maria, devon):
    accounts_services.update_profile(user=devon, bio="Okapi fan")
    Block.objects.create(blocker=maria, blocked=devon)
    assert selectors.people(viewer=maria, query=parse_query("okapi")).hits == []


def test_odd_page_numbers_give_the_first_page(client, corpus):
    for page in ("²", "0", "-1", "99999999999999999999", "x"):
        response = client.get(reverse("search:search"), {"q": "conferences", "type": "posts", "page": page})
        assert response.status_code == 200, page


def test_an_unfiltered_search_ranks_the_newest_matches_and_says_there_are_more(course, maria, devon, monkeypatch):
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    made = [publish(maria, course, f"Kestrel {n}", "kestrel") for n in range(5)]
    hidden = publish(devon, course, "Kestrel draft", "kestrel", visibility=Visibility.DRAFT)
    # A page of one: the three newest matches are the draft (not maria's to see) and kestrels 4 and 3, which
    # fill it and leave one over, so it says there are more (and ranks only those).
    found = selectors.artifacts(viewer=maria, query=parse_query("kestrel"), limit=1)
    assert [h.obj for h in found.hits] == [made[4]]
    assert (found.total, found.capped, found.has_more) == (2, True, True)
    # A page of twenty is not full after that batch: the next one is read, and the draft crowds nothing out.
    found = selectors.artifacts(viewer=maria, query=parse_query("kestrel"))
    assert [h.obj for h in found.hits] == made[::-1]
    assert (found.total, found.capped, found.has_more) == (5, False, False)
    # The author of the draft sees it among the newest.
    assert hidden in [h.obj for h in selectors.artifacts(viewer=devon, query=parse_query("kestrel")).hits]
    # Narrowed by a filter, the newest matches *within* the filter are ranked (the draft is not among them).
    narrowed = selectors.artifacts(viewer=maria, query=parse_query("kestrel"), filters=Filters(person=maria), limit=2)
    assert [h.obj for h in narrowed.hits] == [made[4], made[3]]
    assert (narrowed.total, narrowed.capped) == (3, True)


def test_hidden_matches_do_not_crowd_out_or_betray_themselves(client, course, maria, outsider, login, monkeypatch):
    """An outsider's search where the newest matches are all course-only: the older public one is found, and
    the page reads as it would with no hidden matches at all (no "1+", no "more match than we rank")."""
    monkeypatch.setattr(selectors, "CANDIDATES", 3)
    public = publish(maria, course, "Narwhal public notes")
    for n in range(4):
        publish(maria, course, f"Narwhal members {n}", visibility=Visibility.COURSE)
    found = selectors.artifacts(viewer=outsider, query=parse_query("narwhal"))
    assert ([h.obj for h in found.hits], found.total, found.capped) == ([public], 1, False)
    login(outsider)
    html = client.get(reverse("search:search"), {"q": "narwhal", "type": "posts"}).content.decode()
    assert "<mark>Narwhal</mark> public notes" in html
    assert "(1+)" not in html
    assert "More match than we rank" not in html


def test_people_equally_relevant_come_newest_first(db):
    """People whose profiles match alike are ordered by who joined most recently (recency breaks ties)."""
    from accounts.tests.factories import UserFactory

    now = timezone.now()
    joined = {"aaron": 30, "zelda": 10, "mona": 20}  # days ago
    for handle, days in joined.items():
        person = UserFactory.create(username=handle, date_joined=now - dt.timedelta(days=days))
        accounts_services.update_profile(user=person, bio="I teach axolotl biology")
    found = selectors.people(viewer=AnonymousUser(), query=parse_query("axolotl"))
    assert [h.obj.username for h in found.hits] == ["zelda", "mona", "aaron"]
