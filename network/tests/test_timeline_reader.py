"""The home timeline reads what it needs of its viewer (blocks, mutes, courses, people and tags followed, keyword
filters for home) in one statement (`network.selectors._read_reader`). It must give exactly what the querysets
give, and leave the blocks, mutes and courses where the visibility rule finds them for the rest of the request."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Block, FilterAction, FilterContext, KeywordFilter, Mute, User
from accounts.selectors import _read_apart, apart, filters_for, hidden_people
from accounts.tests.factories import UserFactory
from core.scope import request_scope
from courses.models import MemberRole
from courses.selectors import _read_memberships, memberships
from courses.tests.factories import CourseFactory, EnrollmentFactory
from network.models import Follow, TagFollow
from network.selectors import _read_reader
from posts.models import Artifact, Tag
from posts.selectors import filter_keeper
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer() -> User:
    """Someone with one of everything the statement reads, and rows of others it must leave out."""
    me, *people = (UserFactory.create() for _ in range(9))
    now = timezone.now()
    Block.objects.create(blocker=me, blocked=people[0])
    Block.objects.create(blocker=people[1], blocked=me)
    Block.objects.create(blocker=people[6], blocked=people[7])  # not the viewer's
    Mute.objects.create(muter=me, muted=people[2])
    Mute.objects.create(muter=me, muted=people[3], until=now + dt.timedelta(days=1))
    Mute.objects.create(muter=me, muted=people[4], until=now - dt.timedelta(days=1))  # run out
    Mute.objects.create(muter=people[5], muted=me)  # someone muting the viewer changes nothing for them
    taught, taken = CourseFactory.create(), CourseFactory.create()
    EnrollmentFactory.create(course=taught, user=me, role=MemberRole.FACILITATOR)
    EnrollmentFactory.create(course=taken, user=me)
    EnrollmentFactory.create(course=CourseFactory.create(), user=people[5])
    Follow.objects.bulk_create(Follow(follower=me, followee=p) for p in people)  # blocked and muted ones too
    Follow.objects.create(follower=people[5], followee=people[6])
    tags = [Tag.objects.create(name=n) for n in ("grading", "makerspace", "recess")]
    TagFollow.objects.bulk_create(TagFollow(user=me, tag=t) for t in tags[:2])
    TagFollow.objects.create(user=people[5], tag=tags[2])
    for phrase, action, home, expires in (
        ("zebra", FilterAction.WARN, True, None),
        ("Apple pie", FilterAction.HIDE, True, now + dt.timedelta(days=2)),
        ("mango", FilterAction.HIDE, False, None),  # not for home
        ("kiwi", FilterAction.HIDE, True, now - dt.timedelta(hours=1)),  # expired
        ("apple", FilterAction.WARN, True, None),
    ):
        KeywordFilter.objects.create(
            owner=me, phrase=phrase, action=action, in_home=home, expires_at=expires, whole_word=phrase != "apple"
        )
    KeywordFilter.objects.create(owner=people[5], phrase="recess", action=FilterAction.HIDE)
    return me


def _texts() -> list[Artifact]:
    titles = ("Zebra crossings", "apple pie for all", "Mango season", "kiwi", "applesauce", "Nothing to see")
    return [ArtifactFactory.build(title=title, body="", body_html="") for title in titles]


def test_one_statement_gives_what_the_querysets_give(viewer: User) -> None:
    followed = Follow.objects.filter(follower=viewer).exclude(hidden_people(viewer, "followee_id"))
    expected_followed = sorted(followed.values_list("followee_id", flat=True))
    expected_tags = sorted(TagFollow.objects.filter(user=viewer).values_list("tag_id", flat=True))
    expected_keep = filter_keeper(filters_for(viewer, FilterContext.HOME))
    assert expected_keep is not None
    with request_scope(), CaptureQueriesContext(connection) as queries:
        reader = _read_reader(viewer)
        kept_apart, kept_courses = apart(viewer), memberships(viewer)
    assert len(queries) == 1, "one statement, and what it kept is not read again"
    assert sorted(reader.followed) == expected_followed
    assert len(expected_followed) == 4, "the blocked (either way) and the muted are left out; the run-out mute not"
    assert sorted(reader.tags) == expected_tags
    assert kept_apart == _read_apart(viewer.pk)
    assert kept_courses == _read_memberships(viewer.pk)
    assert kept_courses is not None
    assert (len(kept_courses[0]), len(kept_courses[1])) == (2, 1), "two courses, one facilitated"
    assert reader.keep is not None
    for old, new in zip(_texts(), _texts(), strict=True):
        assert (expected_keep(old), getattr(old, "filtered_by", None)) == (
            reader.keep(new),
            getattr(new, "filtered_by", None),
        ), old.title


def test_nothing_to_filter_and_nobody_followed() -> None:
    loner = UserFactory.create()
    with request_scope():
        reader = _read_reader(loner)
        assert (reader.followed, reader.tags, reader.keep) == ([], [], None)
        assert memberships(loner) == (frozenset(), frozenset())


def test_every_places_filters_come_with_the_viewers_relations(viewer: User) -> None:
    """The statement the visibility rule reads first (`courses.selectors.relations_sql`) brings the viewer's
    filters for every place: `filters_for` then answers without a query, with the rules the ORM reads outside a
    request, in its order (by phrase and id, hiding ones first), for each place."""
    KeywordFilter.objects.create(owner=viewer, phrase="quiz", in_home=False, in_courses=False, in_comments=False)
    KeywordFilter.objects.create(owner=viewer, phrase="Banana", action=FilterAction.HIDE, in_notifications=False)
    expected = {}
    for place in FilterContext:
        matcher = filters_for(viewer, place)
        expected[place] = matcher.rules if matcher is not None else []
    assert [rule.phrase for rule in expected[FilterContext.NOTIFICATIONS]] == [
        "Apple pie",
        "mango",
        "apple",
        "quiz",
        "zebra",
    ], "hiding first, then by phrase, the expired one left out"
    assert {place: len(rules) for place, rules in expected.items()} == {
        FilterContext.HOME: 4,
        FilterContext.COURSES: 5,
        FilterContext.NOTIFICATIONS: 5,
        FilterContext.COMMENTS: 5,
    }
    with request_scope():
        memberships(viewer)
        with CaptureQueriesContext(connection) as queries:
            found = {}
            for place in FilterContext:
                matcher = filters_for(viewer, place)
                found[place] = matcher.rules if matcher is not None else []
        assert len(queries) == 0, [q["sql"] for q in queries]
        assert found == expected
        KeywordFilter.objects.filter(phrase="quiz").delete()  # a delete clears what the request kept
        matcher = filters_for(viewer, FilterContext.NOTIFICATIONS)
        assert matcher is not None
        assert "quiz" not in [rule.phrase for rule in matcher.rules]
