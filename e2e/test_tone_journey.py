"""A participant writes a challenging statement, is offered questions instead, and posts one."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.tests.factories import PASSWORD, UserFactory
from courses.tests.factories import CourseFactory, EnrollmentFactory
from posts.models import Comment, Tone
from posts.tests.factories import ArtifactFactory


@pytest.mark.django_db(transaction=True)
def test_a_challenge_is_reworded_as_a_question_before_posting(live_server, page: Page) -> None:
    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    maria = UserFactory.create(username="maria", display_name="Maria López")
    devon = UserFactory.create(username="devon", display_name="Devon Clarke")
    EnrollmentFactory.create(course=course, user=maria)
    EnrollmentFactory.create(course=course, user=devon)
    post = ArtifactFactory.create(course=course, author=maria, title="Genius hour every Friday")

    page.goto(live_server.url + reverse("accounts:login") + "?next=" + post.get_absolute_url())
    page.get_by_label("Handle").fill("devon")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Genius hour every Friday")

    # A statement that reads as a challenge is not posted yet: the composer comes back with a nudge.
    statement = "That will never work in a real classroom."
    page.get_by_label("Your comment").fill(statement)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Ask it as a question?")).to_be_visible()
    expect(page.get_by_label("Your comment")).to_have_value(statement)
    assert not Comment.objects.exists()

    # Choose one of the questions offered instead.
    question = "How have you seen this work in a real classroom?"
    page.get_by_role("button", name=question).click()
    comments = page.locator("#comments")
    expect(comments.get_by_text(question)).to_be_visible()
    expect(comments.locator(".tone")).to_have_text("Tone: Question")
    comment = Comment.objects.get()
    assert comment.body == question
    assert comment.tone == Tone.QUESTION
