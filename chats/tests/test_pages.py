"""The chat page: released questions with their answers (comments, with every rule of comments), live updates,
the links shared and who took part; the facilitator's form; what a chat hides until its time."""

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Block, Mute, User
from chats import services
from chats.models import Chat, ChatQuestion, ChatVisibility, LinkTitle
from core.formguard import stamp
from courses.models import Course
from posts.models import Artifact, Comment
from posts.services import add_comment, remove_comment

from .conftest import QUESTIONS, plan

SHOWN = stamp(ago=60)  # the comment form was shown a minute ago (core.formguard)

CHALLENGE = "That will never work in a real classroom."


def _same(content: bytes, path: str) -> str:
    """A page with what differs on every response (nonce, CSRF token, its own path) blanked."""
    body = re.sub(r'nonce="[^"]*"', "", content.decode().replace(quote(path, safe=""), "P").replace(path, "P"))
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", re.sub(r'value="[^"]*"', "", body))


def _answer_url(chat: Chat, number: int = 1) -> str:
    return reverse("chats:answer", kwargs={"slug": chat.course.slug, "pk": chat.pk, "number": number})


def _q(chat: Chat, number: int = 1) -> ChatQuestion:
    return chat.questions.select_related("artifact").get(number=number)


def _art(chat: Chat, number: int = 1) -> Artifact:
    artifact = _q(chat, number).artifact
    assert artifact is not None
    return artifact


def _released(chat: Chat) -> Chat:
    services.release_due()
    return chat


def test_the_page_shows_released_questions_and_keeps_the_rest_back(client: Client, chat: Chat, valid_html) -> None:
    response = client.get(chat.get_absolute_url())
    html = response.content.decode()
    valid_html(response.content)
    assert QUESTIONS[0] in html  # due: opening the page releases it
    assert QUESTIONS[1] not in html
    assert QUESTIONS[2] not in html
    assert "2 more questions; the next one comes out at" in html


def test_facilitators_see_what_is_to_come_and_release_it(login, chat: Chat, george: User) -> None:
    client = login(george)
    html = client.get(chat.get_absolute_url()).content.decode()
    assert QUESTIONS[2] in html
    assert "Release Q3 now" in html
    url = reverse("chats:release", kwargs={"slug": chat.course.slug, "pk": chat.pk, "number": 3})
    response = client.post(url, follow=True)
    assert "Q3 is out." in response.content.decode()
    assert _q(chat, 3).artifact is not None


def test_participants_cannot_release_questions(login, chat: Chat, maria: User) -> None:
    url = reverse("chats:release", kwargs={"slug": chat.course.slug, "pk": chat.pk, "number": 3})
    assert login(maria).post(url).status_code == 403
    assert _q(chat, 3).released_at is None


def test_a_members_only_chat_is_missing_to_everyone_else(
    client: Client, login, course: Course, george: User, outsider: User
) -> None:
    chat = services.schedule_chat(course=course, actor=george, plan=plan(visibility=ChatVisibility.COURSE))
    missing = reverse("chats:chat", kwargs={"slug": course.slug, "pk": chat.pk + 100})
    assert client.get(chat.get_absolute_url()).status_code == 404
    anonymous_missing = client.get(missing)
    assert anonymous_missing.status_code == 404
    outsider_client = login(outsider)
    hidden = outsider_client.get(chat.get_absolute_url())
    assert hidden.status_code == 404
    assert _same(hidden.content, chat.get_absolute_url()) == _same(outsider_client.get(missing).content, missing)
    assert chat.title not in outsider_client.get(reverse("chats:list", args=[course.slug])).content.decode()


def test_a_member_answers_and_the_answer_threads_under_its_question(login, chat: Chat, maria: User) -> None:
    _released(chat)
    client = login(maria)
    response = client.post(_answer_url(chat), {"rendered": SHOWN, "body": "We tried genius hour."})
    answer = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{answer.pk}")
    assert answer.artifact == _q(chat).artifact
    assert answer.author == maria
    html = client.get(chat.get_absolute_url()).content.decode()
    q1 = html.index(QUESTIONS[0])
    assert q1 < html.index("We tried genius hour.")
    assert "1 answer" in html
    assert 'class="chat-label" aria-hidden="true">A1<' in html


def test_a_reply_to_an_answer_joins_its_thread(login, chat: Chat, maria: User, devon: User) -> None:
    _released(chat)
    answer = add_comment(artifact=_art(chat), author=maria, body="Genius hour.")
    response = login(devon).post(
        _answer_url(chat), {"rendered": SHOWN, "body": "How long did it take?", "parent": answer.pk}
    )
    assert response.status_code == 302
    assert Comment.objects.get(author=devon).parent == answer


def test_an_empty_answer_is_refused_and_nothing_is_lost(login, chat: Chat, maria: User) -> None:
    _released(chat)
    response = login(maria).post(_answer_url(chat), {"rendered": SHOWN, "body": "   "})
    assert response.status_code == 400
    assert "Please fix the 1 problem below" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_challenging_answer_gets_the_question_first_step_with_its_text_kept(login, chat: Chat, maria: User) -> None:
    _released(chat)
    client = login(maria)
    response = client.post(_answer_url(chat), {"rendered": SHOWN, "body": CHALLENGE})
    html = response.content.decode()
    assert response.status_code == 200
    assert not Comment.objects.exists()
    assert "Ask it as a question?" in html
    assert CHALLENGE in html
    assert f'action="{_answer_url(chat)}"' in html  # the step posts back to the chat
    response = client.post(_answer_url(chat), {"rendered": SHOWN, "body": CHALLENGE, "confirmed": "1"})
    assert response.status_code == 302
    assert Comment.objects.get().body == CHALLENGE


def test_blocked_people_cannot_reply_to_each_other(login, chat: Chat, maria: User, devon: User) -> None:
    _released(chat)
    answer = add_comment(artifact=_art(chat), author=maria, body="Genius hour.")
    Block.objects.create(blocker=maria, blocked=devon)
    client = login(devon)
    response = client.post(
        _answer_url(chat), {"rendered": SHOWN, "body": "Tell me more about it please", "parent": answer.pk}
    )
    assert response.status_code in (400, 403)
    assert "Tell me more about it please" in response.content.decode()  # kept
    assert not Comment.objects.filter(author=devon).exists()
    assert "Genius hour." not in client.get(chat.get_absolute_url()).content.decode()


def test_muted_people_s_answers_are_collapsed(login, chat: Chat, maria: User, devon: User) -> None:
    _released(chat)
    add_comment(artifact=_art(chat), author=devon, body="Loud answer.")
    Mute.objects.create(muter=maria, muted=devon)
    html = login(maria).get(chat.get_absolute_url()).content.decode()
    assert "Loud answer." not in html
    assert "Hidden — you muted @devon" in html


def test_an_open_page_gets_nothing_until_something_changes(login, chat: Chat, maria: User, devon: User) -> None:
    _released(chat)
    client = login(maria)
    html = client.get(chat.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 5s"' in html
    version = html.split("?v=", 1)[1].split('"', 1)[0]
    poll = chat.get_absolute_url() + "?v=" + version
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204
    add_comment(artifact=_art(chat), author=devon, body="A fresh answer from Devon.")
    fresh = client.get(poll, headers={"HX-Request": "true"})
    body = fresh.content.decode()
    assert fresh.status_code == 200
    assert "A fresh answer from Devon." in body
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="chat-live"')


@pytest.mark.parametrize("change", ["edit", "remove", "release"])
def test_edits_removals_and_releases_change_the_version(chat: Chat, maria: User, george: User, change: str) -> None:
    from chats.selectors import chat_version

    _released(chat)
    answer = add_comment(artifact=_art(chat), author=maria, body="First words.")
    before = chat_version(chat)
    if change == "edit":
        Comment.objects.filter(pk=answer.pk).update(edited_at=timezone.now())
    elif change == "remove":
        remove_comment(comment=answer, actor=maria)
    else:
        services.release_question(question=_q(chat, 2), actor=george)
    assert chat_version(chat) != before


def test_a_chat_long_over_does_not_poll(client: Client, course: Course, george: User) -> None:
    past = services.schedule_chat(
        course=course, actor=george, plan=plan(starts_at=timezone.now() - dt.timedelta(days=2))
    )
    html = client.get(past.get_absolute_url()).content.decode()
    assert QUESTIONS[2] in html
    assert "hx-trigger" not in html


def test_links_shared_are_listed_once_with_their_titles_and_who_shared_them(
    client: Client, chat: Chat, maria: User, devon: User
) -> None:
    _released(chat)
    artifact = _art(chat)
    add_comment(artifact=artifact, author=maria, body="See https://example.org/genius-hour.")
    add_comment(
        artifact=artifact, author=devon, body="Also [this](https://example.org/genius-hour) and https://example.net/x"
    )
    gone = add_comment(artifact=artifact, author=devon, body="https://example.com/removed")
    remove_comment(comment=gone, actor=devon)
    LinkTitle.objects.create(url="https://example.org/genius-hour", title="Genius Hour in Grade 5")
    html = client.get(chat.get_absolute_url()).content.decode()
    links = html.split('id="links-title"', 1)[1].split("</section>", 1)[0]
    assert links.count("https://example.org/genius-hour") == 2  # the href and the address after its title
    assert "Genius Hour in Grade 5</a>" in links
    assert "shared by Maria López" in links
    assert "https://example.net/x</a>" in links  # no title yet: the address itself
    assert "example.com/removed" not in links


def test_who_took_part_lists_everyone_who_answered_or_replied(
    client: Client, chat: Chat, maria: User, devon: User
) -> None:
    _released(chat)
    answer = add_comment(artifact=_art(chat), author=maria, body="Answer.")
    add_comment(artifact=_art(chat), author=devon, body="Reply?", parent=answer)
    html = client.get(chat.get_absolute_url()).content.decode()
    people = html.split('id="people-title"', 1)[1].split("</section>", 1)[0]
    assert people.index("Maria López") < people.index("Devon Clarke")
    assert "2 people taking part" in html


def test_the_page_costs_the_same_queries_for_few_and_many_answers(
    client: Client, chat: Chat, maria: User, devon: User, login: Callable[[User], Client]
) -> None:
    services.release_question(question=_q(chat, 2), actor=chat.created_by)
    _released(chat)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert login(maria).get(chat.get_absolute_url()).status_code == 200
        return len(context.captured_queries)

    for number in (1, 2):
        add_comment(artifact=_art(chat, number), author=devon, body="One answer.")
    queries()  # the first page of a session does some once-only work
    few = queries()
    for number in (1, 2):
        for i in range(6):
            answer = add_comment(artifact=_art(chat, number), author=devon, body=f"Answer {i}.")
            add_comment(artifact=_art(chat, number), author=maria, body="A reply.", parent=answer)
    many = queries()
    assert many == few


def test_the_facilitator_schedules_a_chat_from_the_form(login, course: Course, george: User) -> None:
    client = login(george)
    data = {
        "title": "Week 2 chat",
        "date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        "time": "19:00",
        "mode": "live",
        "interval": "10",
        "visibility": "public",
        "questions": "Q1: What surprised you?\n\nQ2. What will you try?\n",
    }
    response = client.post(reverse("chats:create", args=[course.slug]), data)
    chat = Chat.objects.get()
    assert response.status_code == 302
    assert response["Location"] == chat.get_absolute_url()
    assert list(chat.questions.values_list("text", flat=True)) == ["What surprised you?", "What will you try?"]


def test_a_refused_chat_form_keeps_what_was_typed(login, course: Course, george: User) -> None:
    data = {
        "title": "Slow chat",
        "date": timezone.localdate().isoformat(),
        "time": "08:00",
        "mode": "slow",
        "interval": "3",
        "visibility": "public",
        "questions": "What did chapter 4 change for you?",
    }
    response = login(george).post(reverse("chats:create", args=[course.slug]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert not Chat.objects.exists()
    assert "one question a day or one a week" in html
    assert "What did chapter 4 change for you?" in html


def test_only_facilitators_open_the_chat_form(login, course: Course, maria: User) -> None:
    assert login(maria).get(reverse("chats:create", args=[course.slug])).status_code == 403


def test_the_course_page_links_to_its_chats(client: Client, chat: Chat) -> None:
    html = client.get(chat.course.get_absolute_url()).content.decode()
    assert f'href="{reverse("chats:list", args=[chat.course.slug])}"' in html
    listing = client.get(reverse("chats:list", args=[chat.course.slug])).content.decode()
    assert f'href="{chat.get_absolute_url()}"' in listing
