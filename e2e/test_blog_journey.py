"""Syndication: register a blog served on loopback, the first harvest runs, the tagged post is in the course."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from courses.tests.factories import CourseFactory, EnrollmentFactory, PromptFactory, WeekFactory
from syndication.tests.blogserver import BlogServer, item, rss


@pytest.fixture
def blog():
    server = BlogServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.mark.django_db(transaction=True)
def test_register_a_blog_and_see_its_tagged_post_in_the_stream_and_on_its_prompt(
    live_server, page: Page, blog: BlogServer, settings
) -> None:
    settings.COMMONPLACE_FETCH_ALLOW_HOSTS = [f"127.0.0.1:{blog.port}"]
    settings.HARVEST_ON_REGISTER = True
    base = live_server.url
    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    maria = UserFactory.create(username="maria", display_name="Maria López")
    EnrollmentFactory.create(course=course, user=maria)
    week = WeekFactory.create(course=course, number=1, title="What is innovation?")
    prompt = PromptFactory.create(week=week, number=1, text="What does innovation mean in your classroom?")
    blog.serve(
        "/",
        '<html><head><title>Room 12</title><link rel="alternate" type="application/atom+xml" href="/feed">'
        "</head><body>Hi</body></html>",
        content_type="text/html",
    )
    blog.serve(
        "/feed",
        rss(
            item("1", "Innovation is a mindset", categories=("IMMOOC", "immooc-w1-p1")),
            item("2", "Weekend baking"),
            title="Room 12",
        ),
    )

    page.goto(base + reverse("accounts:login") + "?next=" + course.get_absolute_url())
    page.get_by_label("Handle").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Gather your posts into the course").click()
    page.get_by_label("Your blog's address").fill(blog.url("/"))
    page.get_by_role("button", name="Find my blog's feed").click()
    expect(page.get_by_role("heading", name="We found Room 12")).to_be_visible()
    expect(page.get_by_text("Not gathered: no #IMMOOC tag")).to_be_visible()
    page.get_by_role("button", name="Register this blog").click()
    expect(page.get_by_text("Your blog is registered")).to_be_visible()
    expect(page.get_by_text("Working")).to_be_visible()

    page.goto(base + reverse("network:stream", args=[course.slug]))
    expect(page.get_by_role("link", name="Innovation is a mindset", exact=True)).to_be_visible()
    expect(page.get_by_text("Weekend baking")).to_have_count(0)
    page.goto(base + prompt.get_absolute_url())
    expect(page.get_by_role("link", name="Innovation is a mindset", exact=True)).to_be_visible()
    page.get_by_role("link", name="Innovation is a mindset", exact=True).click()
    expect(page.get_by_text("First published on Room 12")).to_be_visible()
    expect(page.get_by_role("link", name="Read the whole post on Room 12")).to_be_visible()
