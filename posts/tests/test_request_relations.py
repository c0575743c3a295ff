"""In a request, the viewer's courses and the people they block, are blocked by or mute are read once as values
(`core.scope`, `posts.models.memberships`, `accounts.selectors.apart`) and the one visibility rule carries them
as values; elsewhere it carries subqueries. Both must let through exactly the same rows, and a write in the
request must be seen by the reads after it."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Block, Mute, User
from accounts.selectors import hidden_people
from accounts.tests.factories import UserFactory
from core.scope import forget, remembered, request_scope, unscoped
from courses.models import Course, MemberRole
from courses.tests.factories import CourseFactory, EnrollmentFactory
from posts.models import Artifact, Visibility, visible_q
from posts.selectors import blocked_ids, muted_ids
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def test_remembered_reads_once_in_a_scope_and_never_outside() -> None:
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert remembered("k", read) is None
    assert reads == []
    with request_scope():
        assert remembered("k", read) == 1
        assert remembered("k", read) == 1
        with unscoped():
            assert remembered("k", read) is None, "read as outside a request"
        forget()
        assert remembered("k", read) == 2
    assert remembered("k", read) is None
    with request_scope():
        assert remembered("k", read) == 3, "each scope starts empty"


@pytest.fixture
def world(course: Course, george: User, maria: User, devon: User, outsider: User) -> dict[str, object]:
    """Artifacts of every kind the rule tells apart, and viewers on each side of it."""
    other = CourseFactory.create(title="Another season", slug="another", hashtag="#another")
    blocker, blocked, muted, facilitator = (UserFactory.create(username=n) for n in ("bea", "bo", "moe", "fay"))
    for person in (blocker, blocked, muted):
        EnrollmentFactory.create(course=course, user=person)
    EnrollmentFactory.create(course=other, user=facilitator, role=MemberRole.FACILITATOR)
    EnrollmentFactory.create(course=other, user=devon)
    Block.objects.create(blocker=blocker, blocked=devon)
    Block.objects.create(blocker=devon, blocked=blocked)
    accounts_services.mute(muter=devon, muted=muted, days=7)
    over = accounts_services.mute(muter=devon, muted=maria, days=1)
    Mute.objects.filter(pk=over.pk).update(until=timezone.now() - dt.timedelta(minutes=1))  # a mute that ended
    for author in (maria, blocker, blocked, muted, devon, facilitator):
        for where in (course, other):
            for visibility in (Visibility.PUBLIC, Visibility.COURSE, Visibility.DRAFT):
                ArtifactFactory.create(course=where, author=author, visibility=visibility)
            ArtifactFactory.create(course=where, author=author, held_reason="links")
    staff = UserFactory.create(username="stella", is_staff=True)
    return {"viewers": [AnonymousUser(), george, maria, devon, outsider, blocker, blocked, muted, facilitator, staff]}


def _seen(viewer: object) -> set[int]:
    return set(Artifact.objects.filter(visible_q(viewer)).values_list("pk", flat=True))  # type: ignore[arg-type]


def _listed(viewer: object) -> set[int]:
    qs = Artifact.objects.visible_to(viewer).unmuted_for(viewer).published()  # type: ignore[arg-type]
    return set(qs.values_list("pk", flat=True))


def test_values_and_subqueries_let_through_the_same_rows(world: dict) -> None:
    for viewer in world["viewers"]:
        outside = (_seen(viewer), _listed(viewer), muted_ids(viewer), blocked_ids(viewer))
        with request_scope():
            inside = (_seen(viewer), _listed(viewer), muted_ids(viewer), blocked_ids(viewer))
        assert inside == outside, getattr(viewer, "username", "anonymous")
    devon = next(v for v in world["viewers"] if getattr(v, "username", "") == "devon")
    assert blocked_ids(devon) == {User.objects.get(username="bea").pk, User.objects.get(username="bo").pk}
    assert _listed(devon) < _seen(devon), "the muted person's posts leave the lists, not the rule"


def test_in_a_request_the_relations_are_read_once(world: dict, devon: User) -> None:
    with request_scope():
        _seen(devon)  # the relations are read
        with CaptureQueriesContext(connection) as later:
            _seen(devon)
            _listed(devon)
            muted_ids(devon)
            blocked_ids(devon)
            list(User.objects.exclude(hidden_people(devon, "pk")).values_list("pk", flat=True))
    assert len(later) == 3, [q["sql"][:80] for q in later.captured_queries]  # the three reads of rows alone
    assert all("courses_enrollment" not in q["sql"] and "accounts_block" not in q["sql"] for q in later)


def test_a_write_in_the_request_is_seen_by_the_reads_after_it(
    course: Course, maria: User, devon: User, outsider: User
) -> None:
    members_only = ArtifactFactory.create(course=course, author=maria, visibility=Visibility.COURSE)
    public = ArtifactFactory.create(course=course, author=maria, visibility=Visibility.PUBLIC)
    with request_scope():
        assert members_only.pk not in _seen(outsider)
        enrollment = EnrollmentFactory.create(course=course, user=outsider)
        assert members_only.pk in _seen(outsider), "joined: the course's posts open"
        enrollment.delete()
        assert members_only.pk not in _seen(outsider), "left: they close again"

        assert public.pk in _listed(devon)
        accounts_services.mute(muter=devon, muted=maria, days=None)
        assert public.pk not in _listed(devon)
        accounts_services.unmute(muter=devon, muted=maria)
        assert public.pk in _listed(devon)

        block = Block.objects.create(blocker=maria, blocked=devon)
        assert public.pk not in _seen(devon)
        block.delete()
        assert public.pk in _seen(devon)
