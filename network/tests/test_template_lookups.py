"""A Django template that asks an object for an attribute it lacks makes the engine list the object's attributes
(`dir`) to tell a missing attribute from a method to call: on a model instance, a few hundredths of a millisecond
each, twice an item on the home timeline (an artifact's `filtered_by`), 0.35 ms a page. Lists ask for nothing an
item may lack, so such lookups do not grow with the items on a page."""

from collections.abc import Callable
from typing import Any

import django.template.base
import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from courses.models import Course
from network import services
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def _missed_lookups(monkeypatch: pytest.MonkeyPatch, fetch: Callable[[], Any]) -> int:
    missed: list[str] = []

    def counting_dir(obj: object) -> list[str]:
        missed.append(type(obj).__name__)
        return dir(obj)

    monkeypatch.setattr(django.template.base, "dir", counting_dir, raising=False)
    response = fetch()
    assert response.status_code == 200
    monkeypatch.undo()
    return len(missed)


def test_the_home_timeline_misses_no_more_lookups_with_more_items(
    monkeypatch: pytest.MonkeyPatch, login: Callable[[User], Client], course: Course, maria: User, devon: User
) -> None:
    services.follow(follower=maria, followee=devon)
    client = login(maria)
    counts = []
    for more in (2, 12):
        ArtifactFactory.create_batch(more, course=course, author=devon)
        counts.append(_missed_lookups(monkeypatch, lambda: client.get(reverse("network:home"))))
    assert counts[0] == counts[1], counts
