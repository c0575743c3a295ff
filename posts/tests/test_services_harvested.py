"""Harvested artifacts are written with a fast multi-row insert: it must store what the ORM would."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from core.bulk import insert_rows
from posts.models import Artifact, Kind, Origin, Visibility
from posts.services_harvested import HarvestedPost, create_harvested, update_harvested

pytestmark = pytest.mark.django_db

WHEN = dt.datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=dt.UTC)


def _post(course, maria, **overrides) -> HarvestedPost:
    values = {
        "author_id": maria.pk,
        "course_id": course.pk,
        "prompt_id": None,
        "title": "Week one",
        "url": "https://maria.example/week-one",
        "source_name": "Maria's classroom",
        "body_html": "<p>Full text</p>",
        "excerpt": "Full text",
        "published_at": WHEN,
        "updated_at": WHEN,
        "tags": ("immooc", "week-one"),
    }
    return HarvestedPost(**(values | overrides))


def test_insert_rows_stores_exactly_what_bulk_create_would(course, maria):
    fields = {
        "author_id": maria.pk,
        "course_id": course.pk,
        "kind": Kind.LINK.value,
        "title": "Same",
        "url": "https://x.example/",
        "origin": Origin.HARVESTED.value,
        "published_at": WHEN,
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    [fast_id] = insert_rows(Artifact, [fields], returning=True)
    [orm] = Artifact.objects.bulk_create([Artifact(**fields)])
    fast = model_to_dict(Artifact.objects.get(pk=fast_id))
    slow = model_to_dict(Artifact.objects.get(pk=orm.pk))
    fast.pop("id"), slow.pop("id")
    assert fast == slow
    assert Artifact.objects.get(pk=fast_id).published_at == WHEN  # microseconds and time zone kept


def test_insert_rows_returns_ids_in_order_across_chunks(course, maria):
    rows = [
        {"author_id": maria.pk, "course_id": course.pk, "title": f"n{i}", "published_at": WHEN} for i in range(1200)
    ]
    ids = insert_rows(Artifact, rows, returning=True)
    titles = dict(Artifact.objects.filter(pk__in=ids).values_list("pk", "title"))
    assert [titles[i] for i in ids] == [f"n{i}" for i in range(1200)]


def test_create_and_update_harvested(course, maria):
    [pk] = create_harvested([_post(course, maria)], now=WHEN)
    artifact = Artifact.objects.get(pk=pk)
    assert (artifact.origin, artifact.visibility, artifact.kind) == (Origin.HARVESTED, Visibility.PUBLIC, Kind.LINK)
    assert sorted(t.name for t in artifact.tags.all()) == ["immooc", "week-one"]

    update_harvested(pk, _post(course, maria, title="Week one, revised", tags=("immooc",)))
    artifact.refresh_from_db()
    assert artifact.title == "Week one, revised"
    assert [t.name for t in artifact.tags.all()] == ["immooc"]
    assert artifact.published_at == WHEN


def test_a_post_without_a_link_is_a_post_not_a_link(course, maria):
    [pk] = create_harvested([_post(course, maria, url="")], now=WHEN)
    assert Artifact.objects.get(pk=pk).kind == Kind.POST
