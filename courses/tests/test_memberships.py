"""In a request, who facilitates a course is answered from the viewer's memberships (`courses.selectors.memberships`,
read once with their blocks and mutes), not with a query each time; it must answer as the query does, and a change
of role in the request must be seen by the reads after it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Block, User
from accounts.selectors import apart
from accounts.tests.factories import UserFactory
from core.scope import request_scope
from courses.models import Course, Enrollment, MemberRole
from courses.selectors import can_facilitate, memberships

pytestmark = pytest.mark.django_db


def test_can_facilitate_answers_the_same_in_a_request_with_one_statement(
    course: Course, george: User, maria: User, outsider: User
) -> None:
    staff = UserFactory.create(is_staff=True)
    people = (george, maria, outsider, staff)
    outside = [can_facilitate(course, person) for person in people]
    assert outside == [True, False, False, True]
    Block.objects.create(blocker=maria, blocked=outsider)
    with request_scope():
        with CaptureQueriesContext(connection) as queries:
            inside = [can_facilitate(course, person) for person in people]
            again = [can_facilitate(course, person) for person in people]
            maria_apart = apart(maria)
        assert inside == again == outside
        assert len(queries) == 3, "one statement for each of george, maria and olive; staff need none"
        assert maria_apart is not None
        assert maria_apart.blocked == {outsider.pk}, "the blocks came with the memberships"


def test_a_change_of_role_in_the_request_is_seen(course: Course, maria: User) -> None:
    with request_scope():
        assert not can_facilitate(course, maria)
        Enrollment.objects.filter(course=course, user=maria).update(role=MemberRole.FACILITATOR)  # no signal
        Enrollment.objects.get(course=course, user=maria).save()  # a save: what was kept is read again
        assert can_facilitate(course, maria)
        known = memberships(maria)
        assert known is not None
        assert course.pk in known[1]


def test_role_in_answers_the_same_in_a_request_from_the_memberships(
    course: Course, george: User, maria: User, outsider: User
) -> None:
    """A facilitator, a participant, someone outside: the same roles in a request as outside one, with no query
    after the viewer's one statement (the course page asked twice); joining in the request is seen."""
    from courses.selectors import is_member, role_in

    people = (george, maria, outsider)
    outside = [role_in(course, person) for person in people]
    assert outside == ["facilitator", "participant", None]
    with request_scope():
        for person in people:
            memberships(person)
        with CaptureQueriesContext(connection) as queries:
            inside = [role_in(course, person) for person in people]
            members = [is_member(course, person) for person in people]
        assert inside == outside
        assert members == [True, True, False]
        assert len(queries) == 0
        Enrollment.objects.create(course=course, user=outsider)
        assert role_in(course, outsider) == "participant"


def test_facilitators_are_the_courses_and_found_through_their_index(course: Course, george: User) -> None:
    """A course's facilitators, and only its own, by name; SQLite reads them through `enrollment_course_role`
    (through the course's enrollments alone, it walked all of a 5,000-person course's: 0.4 ms of its page)."""
    from courses.selectors import facilitators
    from courses.tests.factories import CourseFactory, EnrollmentFactory

    other = CourseFactory.create()
    EnrollmentFactory.create(course=other, role=MemberRole.FACILITATOR)
    second = EnrollmentFactory.create(course=course, role=MemberRole.FACILITATOR, user__display_name="Ada")
    for _ in range(20):
        EnrollmentFactory.create(course=course)
    assert list(facilitators(course)) == [second.user, george]
    if connection.vendor == "sqlite":  # PostgreSQL plans from its statistics: a table this small is read whole
        sql, params = facilitators(course).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "enrollment_course_role" in plan, plan
