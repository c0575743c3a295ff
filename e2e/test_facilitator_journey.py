"""A facilitator logs in and sets up this week: theme question, a prompt and a live session."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from courses.models import LiveSession, MemberRole, Prompt
from courses.tests.factories import CourseFactory, EnrollmentFactory


@pytest.mark.django_db(transaction=True)
def test_facilitator_sets_up_this_week_and_sees_it_on_the_course_page(live_server, page: Page) -> None:
    george = UserFactory.create(username="george", display_name="George", time_zone="America/Edmonton")
    today = timezone.localdate()
    course = CourseFactory.create(
        title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC", start_date=today - dt.timedelta(days=2)
    )
    EnrollmentFactory.create(course=course, user=george, role=MemberRole.FACILITATOR)

    # Log in through the real form, arriving at the course's manage page.
    page.goto(live_server.url + reverse("accounts:login") + "?next=" + reverse("courses:manage", args=["immooc"]))
    page.get_by_label("Handle").fill("george")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage Innovator's Mindset MOOC")

    # A week running today.
    page.get_by_role("link", name="Add a week").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a week to Innovator's Mindset MOOC")
    expect(page.get_by_label("Number")).to_have_value("1")
    page.get_by_label("Title").fill("What is innovation?")
    page.get_by_label("Theme question").fill("What does innovation in education look like for you?")
    page.get_by_label("Starts on").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_label("Ends on").fill((today + dt.timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Save the week").click()
    page.wait_for_url(f"**{reverse('posts:week', args=['immooc', 1])}")

    # A prompt, from the week's edit page.
    page.goto(live_server.url + reverse("courses:week_edit", args=["immooc", 1]))
    page.get_by_role("link", name="Add a prompt").click()
    page.get_by_label("Kind of response").select_option("blog")
    page.get_by_label("Prompt").fill("Write about one change you made that your students noticed.")
    page.get_by_role("button", name="Save the prompt").click()
    page.wait_for_url(f"**{reverse('posts:week', args=['immooc', 1])}")
    assert Prompt.objects.get(week__course=course).number == 1

    # The live session, typed in George's own time zone.
    page.goto(live_server.url + reverse("courses:week_edit", args=["immooc", 1]))
    page.get_by_role("link", name="Schedule the live session").click()
    expect(page.get_by_text("America/Edmonton").first).to_be_visible()
    session_day = today + dt.timedelta(days=3)
    page.get_by_label("Title").fill("Live with Katie Martin")
    page.get_by_label("Date").fill(session_day.isoformat())
    page.get_by_label("Start time").fill("19:00")
    page.get_by_label("Join link").fill("https://www.youtube.com/watch?v=abcdefghijk")
    page.get_by_role("button", name="Save the live session").click()
    page.wait_for_url(f"**{reverse('posts:week', args=['immooc', 1])}")
    session = LiveSession.objects.get(week__course=course)
    edmonton = dt.datetime.combine(session_day, dt.time(19, 0), tzinfo=ZoneInfo("America/Edmonton"))
    assert session.starts_at == edmonton

    # The course page shows this week's question, the prompt and the live session.
    page.goto(live_server.url + reverse("posts:course", args=["immooc"]))
    main = page.locator("main")
    expect(main).to_contain_text("What does innovation in education look like for you?")
    expect(main).to_contain_text("Write about one change you made that your students noticed.")
    expect(main).to_contain_text("Live with Katie Martin")
    expect(main).to_contain_text("19:00")
    expect(page.get_by_role("link", name="Join the live session")).to_be_visible()
