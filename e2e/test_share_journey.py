"""Read before you share: told to open an unopened link first, open it, share with a note, a follower sees it."""

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from courses.tests.factories import CourseFactory, EnrollmentFactory
from network.models import Follow
from posts.models import Kind
from posts.tests.factories import ArtifactFactory


def _log_in(page: Page, base: str, username: str, next_path: str) -> None:
    page.goto(base + reverse("accounts:login") + "?next=" + next_path)
    page.get_by_label("Handle").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.django_db(transaction=True)
def test_open_it_first_then_share_with_a_note_and_a_follower_sees_it(live_server, page: Page, browser: Browser) -> None:
    base = live_server.url
    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    maria = UserFactory.create(username="maria", display_name="Maria López")
    devon = UserFactory.create(username="devon", display_name="Devon Clarke")
    george = UserFactory.create(username="george", display_name="George")
    for person in (maria, devon, george):
        EnrollmentFactory.create(course=course, user=person)
    Follow.objects.create(follower=george, followee=maria)
    # The original is a page on the live server itself, so the journey needs no outside network.
    link = ArtifactFactory.create(
        course=course, author=devon, kind=Kind.LINK, title="Devon's reading list", url=base + "/courses/"
    )
    share_path = reverse("network:share", args=[link.pk])

    # Maria tries to share before opening it, and is told to open it first.
    _log_in(page, base, "maria", share_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Share “Devon's reading list”")
    open_first = page.get_by_role("link", name="Open it first")
    expect(open_first).to_be_visible()
    expect(page.get_by_label("Why is it worth someone's time?")).to_have_count(0)

    # Opening it goes through /go/ to the original.
    open_first.click()
    expect(page).to_have_url(base + "/courses/")

    # Back on the share page, she can share with a note.
    page.goto(base + share_path)
    expect(page.get_by_text("You have not shared anything in the past 30 days.")).to_be_visible()
    page.get_by_label("Why is it worth someone's time?").fill("The second list changed how I plan week 1.")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("Shared with the people who follow you.")).to_be_visible()

    # George, who follows Maria, sees it on his home timeline with her note.
    context = browser.new_context()
    try:
        follower = context.new_page()
        _log_in(follower, base, "george", reverse("network:home"))
        expect(follower.get_by_role("heading", level=1)).to_have_text("Home")
        expect(follower.get_by_role("link", name="Devon's reading list", exact=True)).to_be_visible()
        expect(follower.get_by_text("The second list changed how I plan week 1.")).to_be_visible()
        expect(follower.locator(".share-note")).to_contain_text("Maria López shared this")
    finally:
        context.close()
