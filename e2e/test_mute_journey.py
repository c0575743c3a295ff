"""A participant mutes someone for 7 days: their comments fold away, and come back when the week is over."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Mute
from accounts.tests.factories import PASSWORD, UserFactory
from courses.tests.factories import CourseFactory, EnrollmentFactory
from posts.tests.factories import ArtifactFactory, CommentFactory


@pytest.mark.django_db(transaction=True)
def test_mute_for_seven_days_then_they_return(live_server, page: Page) -> None:
    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    maria = UserFactory.create(username="maria", display_name="Maria López")
    devon = UserFactory.create(username="devon", display_name="Devon Clarke")
    EnrollmentFactory.create(course=course, user=maria)
    EnrollmentFactory.create(course=course, user=devon)
    post = ArtifactFactory.create(course=course, author=maria, title="Genius hour every Friday")
    CommentFactory.create(artifact=post, author=devon, body="Fridays are for tests, surely.")

    page.goto(live_server.url + reverse("accounts:login") + "?next=" + post.get_absolute_url())
    page.get_by_label("Handle").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    comments = page.locator("#comments")
    expect(comments.get_by_text("Fridays are for tests, surely.")).to_be_visible()

    # Mute Devon for 7 days, right from his comment.
    comment = comments.locator("article.comment").first
    comment.get_by_label("Mute for").select_option(label="7 days")
    comment.get_by_role("button", name="Mute @devon").click()
    expect(page.get_by_text("You muted @devon for 7 days.")).to_be_visible()
    expect(comments.get_by_text("Hidden — you muted @devon")).to_be_visible()
    expect(comments.get_by_text("Fridays are for tests, surely.")).to_have_count(0)
    mute = Mute.objects.get(muter=maria, muted=devon)
    assert mute.until is not None

    # A week later (the clock advanced by moving the mute's end into the past), Devon is back.
    Mute.objects.filter(pk=mute.pk).update(until=timezone.now() - dt.timedelta(minutes=1))
    page.reload()
    expect(comments.get_by_text("Fridays are for tests, surely.")).to_be_visible()
    expect(comments.get_by_text("Hidden — you muted @devon")).to_have_count(0)
