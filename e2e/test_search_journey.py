"""Search: from the box on every page, narrow to a week, open a result."""

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from core import search
from courses.tests.factories import CourseFactory, EnrollmentFactory, PromptFactory, WeekFactory
from posts import services
from posts.models import Kind


@pytest.mark.django_db(transaction=True)
def test_search_then_filter_by_week_then_open_a_result(live_server, page: Page) -> None:
    for index in search.INDEXES:  # a transactional test's flush leaves the (unmanaged) index tables alone
        search.clear(index)
    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    maria = UserFactory.create(username="maria", display_name="Maria López")
    EnrollmentFactory.create(course=course, user=maria)
    week1 = WeekFactory.create(
        course=course, number=1, title="Why innovate?", starts_on=dt.date(2026, 1, 5), ends_on=dt.date(2026, 1, 11)
    )
    week3 = WeekFactory.create(
        course=course, number=3, title="Relationships", starts_on=dt.date(2026, 1, 19), ends_on=dt.date(2026, 1, 25)
    )
    for week, title in ((week1, "Planning our conferences"), (week3, "Student-led conferences, week three")):
        services.publish(
            author=maria,
            course=course,
            kind=Kind.POST,
            title=title,
            body="How the students ran their own conferences with parents.",
            prompt=PromptFactory.create(week=week, number=1),
        )

    page.goto(live_server.url + reverse("courses:list"))
    page.get_by_label("Search posts, comments, people and tags").fill("student-led conferences")
    page.keyboard.press("Enter")
    results = page.get_by_role("region", name="Posts")
    expect(page.get_by_role("heading", name="Posts (1)")).to_be_visible()

    page.get_by_label("Search for").fill("conferences")
    form = page.locator("form.search-form")
    form.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Posts (2)")).to_be_visible()

    page.get_by_label("Course").select_option(label="Innovator's Mindset MOOC")
    page.get_by_label("Week").fill("3")
    form.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Posts (1)")).to_be_visible()
    expect(results.get_by_role("link", name="Planning our conferences")).to_have_count(0)
    results.get_by_role("link", name="Student-led conferences, week three").click()
    expect(page.get_by_role("heading", name="Student-led conferences, week three")).to_be_visible()
