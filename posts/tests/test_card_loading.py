"""A list's cards are read by `posts.selectors.cards`: the artifacts with what a card shows joined, their tags
read with them (`card_tags`; or in one query, `load_tags`, for artifacts read otherwise) kept as
`prefetch_related("tags")` keeps them, and each prompt's course the artifact's own object. The same answers as the
ORM's own loading, in the same number of queries however many cards there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Course
from courses.tests.factories import CourseFactory, PromptFactory, WeekFactory
from posts.models import Artifact, Tag
from posts.selectors import CARD_RELATED, card_query, cards, finish_cards, load_tags
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def _tagged(count: int, course: Course) -> list[Artifact]:
    shared, other = Tag.objects.create(name="makerspace"), Tag.objects.create(name='co"ding\\ élève')
    prompt = PromptFactory.create(week=WeekFactory.create(course=course))
    made = []
    for n in range(count):
        artifact = ArtifactFactory.create(course=course, prompt=prompt if n % 2 else None)
        artifact.tags.add(*([shared, other] if n % 3 == 0 else [shared] if n % 3 == 1 else []))
        made.append(artifact)
    return made


def _read(ids: list[int]) -> list[Artifact]:
    return cards(card_query(Artifact.objects.filter(pk__in=ids)).order_by("pk"))


def test_cards_hold_the_same_tags_and_prompts_as_the_orm_would_load(course: Course) -> None:
    made = _tagged(7, course)
    loaded = _read([a.pk for a in made])
    expected = Artifact.objects.filter(pk__in=[a.pk for a in made]).prefetch_related("tags").order_by("pk")
    assert [sorted(t.name for t in a.tags.all()) for a in loaded] == [
        sorted(t.name for t in a.tags.all()) for a in expected
    ]
    assert [[t.pk for t in a.tags.all()] for a in loaded] == [
        list(a.tags.through.objects.filter(artifact=a).order_by("tag_id").values_list("tag_id", flat=True))
        for a in loaded
    ]
    with CaptureQueriesContext(connection) as reading:
        seen = [(a.prompt.week.course.slug if a.prompt else None, [t.name for t in a.tags.all()]) for a in loaded]
    assert len(reading.captured_queries) == 0, "tags and the prompt's course were loaded with the cards"
    assert [slug for slug, _ in seen] == [course.slug if n % 2 else None for n in range(7)]
    # One Tag object per tag, shared by the cards that carry it; the prompt's course is the artifact's own.
    assert {t.name for a in loaded for t in a.tags.all()} == {"makerspace", 'co"ding\\ élève'}, "names as stored"
    makerspace = {id(t) for a in loaded for t in a.tags.all() if t.name == "makerspace"}
    assert len(makerspace) == 1
    assert all(a.prompt.week.course is a.course for a in loaded if a.prompt)


def test_cards_read_the_same_queries_for_three_artifacts_or_thirty(course: Course) -> None:
    made = _tagged(30, course)
    counts = []
    for ids in ([a.pk for a in made[:3]], [a.pk for a in made]):
        with CaptureQueriesContext(connection) as reading:
            shown = [
                ([t.name for t in a.tags.all()], a.prompt.week.course.slug if a.prompt else None) for a in _read(ids)
            ]
        counts.append(len(reading.captured_queries))
        assert len(shown) == len(ids)
    assert counts == [1, 1]  # the cards, their tags with them (`card_tags`)


def test_a_prompt_of_another_course_gets_its_own_course_in_one_more_query(course: Course) -> None:
    elsewhere = CourseFactory.create(slug="elsewhere")
    stray = ArtifactFactory.create(
        course=course, prompt=PromptFactory.create(week=WeekFactory.create(course=elsewhere))
    )
    with CaptureQueriesContext(connection) as reading:
        (loaded,) = _read([stray.pk])
        assert loaded.prompt is not None
        slug = loaded.prompt.week.course.slug
    assert slug == "elsewhere"
    assert len(reading.captured_queries) == 2  # the card with its tags, the other course


def test_tags_already_loaded_are_kept_and_filtering_them_still_asks_the_database(course: Course) -> None:
    (artifact,) = _tagged(1, course)
    prefetched = list(Artifact.objects.filter(pk=artifact.pk).select_related(*CARD_RELATED).prefetch_related("tags"))
    kept = prefetched[0].tags.all()
    with CaptureQueriesContext(connection) as reading:
        finish_cards(prefetched)
    assert prefetched[0].tags.all() is kept
    assert len(reading.captured_queries) == 0
    fresh = list(Artifact.objects.filter(pk=artifact.pk))
    load_tags(fresh)
    assert [t.name for t in fresh[0].tags.filter(name="makerspace")] == ["makerspace"]
    assert fresh[0].tags.count() == 2
    load_tags([])  # nothing to read: no query, no error


def test_an_artifact_without_tags_has_an_empty_list(course: Course) -> None:
    plain = ArtifactFactory.create(course=course)
    with CaptureQueriesContext(connection) as reading:
        (loaded,) = _read([plain.pk])
        assert list(loaded.tags.all()) == []
    assert len(reading.captured_queries) == 1, "the card, its (no) tags with it"


def test_tag_list_gives_the_loaded_tags_without_a_query_and_reads_them_otherwise(course: Course) -> None:
    """`Artifact.tag_list()` is `list(tags.all())`: from what the cards loaded in no query, from the database
    (one query) for an artifact read without them, and after a change of tags, the new ones."""
    made = _tagged(6, course)
    loaded = _read([a.pk for a in made])
    with CaptureQueriesContext(connection) as reading:
        listed = [a.tag_list() for a in loaded]
    assert len(reading.captured_queries) == 0
    assert listed == [list(a.tags.all()) for a in loaded]
    assert any(listed)
    plain = Artifact.objects.get(pk=made[0].pk)
    with CaptureQueriesContext(connection) as reading:
        names = sorted(t.name for t in plain.tag_list())
    assert len(reading.captured_queries) == 1
    assert names == sorted(t.name for t in made[0].tags.all())
    plain.tags.set([Tag.objects.create(name="new")])
    assert [t.name for t in plain.tag_list()] == ["new"]
