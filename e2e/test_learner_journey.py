"""A new teacher signs up, joins a course, answers this week's prompt, and comments on a peer's post."""

import pytest
from playwright.sync_api import Page, expect

from courses.models import MemberRole
from courses.tests.factories import CourseFactory, EnrollmentFactory, PromptFactory, WeekFactory
from posts.tests.factories import ArtifactFactory


@pytest.fixture
def running_course():
    from accounts.tests.factories import UserFactory

    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    george = UserFactory.create(username="george", display_name="George")
    devon = UserFactory.create(username="devon", display_name="Devon Clarke")
    EnrollmentFactory.create(course=course, user=george, role=MemberRole.FACILITATOR)
    EnrollmentFactory.create(course=course, user=devon)
    week = WeekFactory.create(course=course, number=1, title="What is innovation?")
    prompt = PromptFactory.create(week=week, number=1, text="Write about a time you tried something new.")
    ArtifactFactory.create(course=course, author=devon, prompt=prompt, title="Devon's first try")
    return course


@pytest.mark.django_db(transaction=True)
def test_learner_signs_up_joins_publishes_and_comments(live_server, page: Page, running_course) -> None:
    base = live_server.url
    course_path = running_course.get_absolute_url()

    # Sign up through the real form, coming back to the course afterwards.
    page.goto(f"{base}/accounts/signup/?next={course_path}")
    page.get_by_label("Handle").fill("new_teacher")
    page.get_by_label("Email address").fill("new_teacher@example.org")
    page.get_by_label("Display name").fill("Nia Teacher")
    page.locator("#id_password1").fill("a-long-and-unusual-passphrase")
    page.locator("#id_password2").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Create my account").click()
    page.goto(base + course_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Innovator's Mindset MOOC")

    # Join the course.
    page.get_by_role("button", name="Join the course").click()
    expect(page.get_by_role("button", name="Leave the course")).to_be_visible()
    expect(page.get_by_text("Posts: 0 of 1")).to_be_visible()

    # Answer this week's prompt.
    page.get_by_role("link", name="Respond to prompt 1").click()
    expect(page.get_by_label("Answering a prompt?")).to_have_value(
        str(running_course.weeks.get(number=1).prompts.get(number=1).pk)
    )
    page.get_by_label("Title:", exact=True).fill("Trying genius hour")
    page.get_by_label("Text:", exact=True).fill("We tried **genius hour** and my students *loved* it. #StudentVoice")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trying genius hour")
    expect(page.locator(".prose strong")).to_have_text("genius hour")
    expect(page.get_by_role("link", name="#immooc-w1-p1")).to_be_visible()

    # It shows in the stream and on the prompt page; the checklist counts it.
    page.goto(f"{base}{course_path}stream/")
    expect(page.get_by_role("link", name="Trying genius hour")).to_be_visible()
    expect(page.get_by_role("link", name="Devon's first try")).to_be_visible()
    page.goto(f"{base}{course_path}weeks/1/prompts/1/")
    expect(page.get_by_role("link", name="Trying genius hour")).to_be_visible()
    page.goto(base + course_path)
    expect(page.get_by_text("Posts: 1 of 1")).to_be_visible()

    # Comment on someone else's post.
    page.goto(f"{base}{course_path}weeks/1/prompts/1/")
    page.get_by_role("link", name="Devon's first try").click()
    page.get_by_label("Your comment").fill("What surprised you most when you tried it?")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#comments").get_by_text("What surprised you most when you tried it?")).to_be_visible()
    expect(page.locator("#comments").get_by_role("link", name="Nia Teacher")).to_be_visible()
    page.goto(base + course_path)
    expect(page.get_by_text("Comments on others' work: 1 of 3")).to_be_visible()
