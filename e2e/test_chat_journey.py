"""A course chat with two participants in two browsers: each sees the other's answers and replies appear
without reloading, a half-typed answer survives the updates, and the facilitator releases Q2 by hand."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from chats.models import Chat
from courses.models import MemberRole
from courses.tests.factories import CourseFactory, EnrollmentFactory
from posts.models import Comment

# The page asks for news every 5 seconds while a live chat is on; allow two rounds and some.
UPDATE_MS = 20_000


def _signed_in(browser: Browser, base: str, user: User, path: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + reverse("accounts:login") + "?next=" + path)
    page.get_by_label("Handle").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return context, page


@pytest.mark.django_db(transaction=True)
def test_two_participants_see_each_other_in_a_live_chat(live_server, browser: Browser) -> None:
    course = CourseFactory.create(title="Innovator's Mindset MOOC", slug="immooc", hashtag="#IMMOOC")
    george = UserFactory.create(username="george", display_name="George", time_zone="UTC")
    maria = UserFactory.create(username="maria", display_name="Maria López")
    devon = UserFactory.create(username="devon", display_name="Devon Clarke")
    EnrollmentFactory.create(course=course, user=george, role=MemberRole.FACILITATOR)
    EnrollmentFactory.create(course=course, user=maria)
    EnrollmentFactory.create(course=course, user=devon)
    base = live_server.url

    # The facilitator schedules a live chat starting now, releasing each question by hand.
    g_context, g = _signed_in(browser, base, george, reverse("chats:create", args=[course.slug]))
    now = timezone.now()
    g.get_by_label("Title").fill("Week 1 chat")
    g.get_by_label("Date").fill(now.date().isoformat())
    g.get_by_label("Start time").fill(now.strftime("%H:%M"))
    g.get_by_label("Live: questions a few minutes apart, for an hour together").check()
    g.get_by_label("Time between questions").fill("0")
    g.get_by_label("Public — anyone can read it").check()
    g.get_by_label("The questions, one per line").fill(
        "Q1: What does innovation look like in your room?\nQ2: Who will you share it with?"
    )
    g.get_by_role("button", name="Schedule the chat").click()
    expect(g.get_by_text("The chat is scheduled.")).to_be_visible()
    chat = Chat.objects.get()
    g.get_by_role("button", name="Release Q1 now").click()
    expect(g.get_by_role("heading", name="Q1 What does innovation look like in your room?")).to_be_visible()

    # Two participants open the chat in their own browsers.
    m_context, m = _signed_in(browser, base, maria, chat.get_absolute_url())
    d_context, d = _signed_in(browser, base, devon, chat.get_absolute_url())
    expect(m.get_by_role("heading", name="Q1 What does innovation look like in your room?")).to_be_visible()

    # Maria answers A1; Devon sees it arrive without reloading.
    m.get_by_label("Your answer (A1)").fill("Students choose their own projects on Fridays.")
    m.get_by_role("button", name="Post my answer").click()
    expect(m.get_by_text("Your A1 is posted.")).to_be_visible()
    expect(d.get_by_text("Students choose their own projects on Fridays.")).to_be_visible(timeout=UPDATE_MS)

    # Maria starts typing an answer to Q1 again, and leaves it there while others write.
    m.get_by_label("Your answer (A1)").fill("Half-typed thought")

    # Devon replies to Maria's answer; Maria sees the reply arrive, and her half-typed answer is still there.
    d.get_by_text("Reply to Maria López's A1").click()
    d.get_by_label("Your reply").fill("How do you help them choose?")
    d.get_by_role("button", name="Post reply").click()
    expect(d.get_by_text("Your reply is posted.")).to_be_visible()
    expect(m.get_by_text("How do you help them choose?")).to_be_visible(timeout=UPDATE_MS)
    expect(m.get_by_label("Your answer (A1)")).to_have_value("Half-typed thought")
    reply = Comment.objects.get(author=devon)
    assert reply.parent is not None
    assert reply.parent.author == maria

    # The facilitator releases Q2; both participants see it without reloading.
    g.get_by_role("button", name="Release Q2 now").click()
    expect(g.get_by_text("Q2 is out.")).to_be_visible()
    for page in (m, d):
        expect(page.get_by_role("heading", name="Q2 Who will you share it with?")).to_be_visible(timeout=UPDATE_MS)
    expect(m.get_by_text("2 people taking part")).to_be_visible()
    expect(m.get_by_role("link", name="Devon Clarke").first).to_be_visible()

    for context in (g_context, m_context, d_context):
        context.close()
