"""Habit 2 in the comment composer: tone labels, the writer's corrections, and the "seek first to understand" step."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.formguard import stamp
from courses.models import Course, HabitMode
from posts.models import Artifact, Comment, Tone
from posts.selectors import recent_challenges_to
from posts.tests.factories import ArtifactFactory, CommentFactory

SHOWN = stamp(ago=60)  # the comment form was shown a minute ago (core.formguard)

CHALLENGE = "That will never work in a real classroom."
QUESTION_REWORDING = "What makes you confident this would work in a real classroom?"


def _create_url(artifact: Artifact) -> str:
    return reverse("posts:comment_create", args=[artifact.pk])


def _tone_url(comment: Comment) -> str:
    return reverse("posts:comment_tone", args=[comment.pk])


# The label on every comment, and the writer's correction


def test_tone_label_is_shown_next_to_each_comment(client: Client, public_post: Artifact, devon: User) -> None:
    CommentFactory.create(artifact=public_post, author=devon, body="Why did you pick it?", tone=Tone.QUESTION)
    CommentFactory.create(artifact=public_post, author=devon, body="Love it", tone=Tone.SUPPORT)
    html = client.get(public_post.get_absolute_url()).content.decode()
    assert '<span class="visually-hidden">Tone: </span>Question</span>' in html
    assert '<span class="visually-hidden">Tone: </span>Support</span>' in html


def test_only_the_writer_sees_the_correction_form(login, public_post: Artifact, devon: User, maria: User) -> None:
    comment = CommentFactory.create(artifact=public_post, author=devon)
    assert _tone_url(comment) in login(devon).get(public_post.get_absolute_url()).content.decode()
    assert _tone_url(comment) not in login(maria).get(public_post.get_absolute_url()).content.decode()


def test_writer_corrects_the_label_and_it_is_kept_as_an_example(login, public_post: Artifact, devon: User) -> None:
    client = login(devon)
    client.post(_create_url(public_post), {"rendered": SHOWN, "body": "Thank you for sharing this!"})
    comment = Comment.objects.get()
    assert comment.tone == comment.tone_predicted == Tone.SUPPORT
    response = client.post(_tone_url(comment), {"tone": Tone.QUESTION})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.tone, comment.tone_predicted, comment.tone_corrected) == (Tone.QUESTION, Tone.SUPPORT, True)


def test_someone_else_cannot_correct_the_label(login, public_post: Artifact, devon: User, maria: User) -> None:
    comment = CommentFactory.create(artifact=public_post, author=devon, tone=Tone.SUPPORT)
    response = login(maria).post(_tone_url(comment), {"tone": Tone.CHALLENGE})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.tone == Tone.SUPPORT


def test_correcting_needs_post_and_a_csrf_token(public_post: Artifact, devon: User) -> None:
    comment = CommentFactory.create(artifact=public_post, author=devon, tone=Tone.SUPPORT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(devon)
    assert client.get(_tone_url(comment)).status_code == 405
    assert client.post(_tone_url(comment), {"tone": Tone.CHALLENGE}).status_code == 403
    comment.refresh_from_db()
    assert comment.tone == Tone.SUPPORT


def test_a_bad_label_changes_nothing(login, public_post: Artifact, devon: User) -> None:
    comment = CommentFactory.create(artifact=public_post, author=devon, tone=Tone.SUPPORT)
    assert login(devon).post(_tone_url(comment), {"tone": "rude"}).status_code == 302
    comment.refresh_from_db()
    assert comment.tone == Tone.SUPPORT


# "Seek first to understand"


def test_a_challenge_gets_the_confirm_step_and_is_not_posted_yet(
    login, public_post: Artifact, devon: User, valid_html
) -> None:
    response = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE})
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert not Comment.objects.exists()
    assert "Ask it as a question?" in html
    assert "People grow from questions; statements can feel like criticism." in html
    assert f"{CHALLENGE}</textarea>" in html  # the typed text is kept
    assert f'name="rewording" value="{QUESTION_REWORDING}"' in html
    assert html.count('name="rewording"') in (2, 3)
    assert 'name="confirmed" value="1"' in html
    assert ">Post as is</button>" in html
    assert 'name="edit"' in html


def test_post_as_is_creates_it_labelled_challenge(login, public_post: Artifact, devon: User) -> None:
    response = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE, "confirmed": "1"})
    comment = Comment.objects.get()
    assert response["Location"] == comment.get_absolute_url()
    assert comment.body == CHALLENGE
    assert comment.tone == Tone.CHALLENGE


def test_choosing_a_rewording_posts_it_as_a_question(login, public_post: Artifact, devon: User) -> None:
    data = {"rendered": SHOWN, "body": CHALLENGE, "confirmed": "True", "rewording": QUESTION_REWORDING}
    response = login(devon).post(_create_url(public_post), data)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.body == QUESTION_REWORDING
    assert comment.tone == comment.tone_predicted == Tone.QUESTION


def test_edit_gives_the_composer_back_with_the_text(login, public_post: Artifact, devon: User) -> None:
    response = login(devon).post(
        _create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE, "confirmed": "True", "edit": "1"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert not Comment.objects.exists()
    assert f"{CHALLENGE}</textarea>" in html
    assert "Ask it as a question?" not in html
    assert 'name="confirmed" value="1"' not in html


def test_a_question_posts_directly(login, public_post: Artifact, devon: User) -> None:
    response = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": "What made you try it?"})
    assert response.status_code == 302
    assert Comment.objects.get().tone == Tone.QUESTION


def test_tone_nudge_off_posts_a_challenge_directly(login, course: Course, public_post: Artifact, devon: User) -> None:
    Course.objects.filter(pk=course.pk).update(tone_nudge=HabitMode.OFF, relationship_nudge=HabitMode.OFF)
    response = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE})
    assert response.status_code == 302
    assert Comment.objects.get().tone == Tone.CHALLENGE


def test_a_reply_gets_the_same_step_in_its_own_thread(
    login, public_post: Artifact, devon: User, maria: User, valid_html
) -> None:
    top = CommentFactory.create(artifact=public_post, author=maria, body="We dropped homework.")
    response = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE, "parent": top.pk})
    assert response.status_code == 200
    valid_html(response.content)
    html = response.content.decode()
    assert Comment.objects.count() == 1
    assert f'id="id_reply{top.pk}_body"' in html
    assert f'id="id_reply{top.pk}_body">\n{CHALLENGE}</textarea>' in html
    assert '<details class="reply" open>' in html
    # The step is in the thread's composer, not in the top one.
    assert html.count(">Post as is</button>") == 1
    assert html.index('<details class="reply" open>') < html.index(">Post as is</button>") < html.index("add-comment")
    response = login(devon).post(
        _create_url(public_post),
        {"rendered": SHOWN, "body": CHALLENGE, "parent": top.pk, "rewording": QUESTION_REWORDING},
    )
    reply = Comment.objects.get(parent=top)
    assert reply.tone == Tone.QUESTION


# Relationship balance


def _challenges(writer: User, artifact: Artifact, n: int) -> None:
    start = timezone.now() - dt.timedelta(hours=n)
    for i in range(n):
        CommentFactory.create(
            artifact=artifact,
            author=writer,
            body=CHALLENGE,
            tone=Tone.CHALLENGE,
            created_at=start + dt.timedelta(hours=i),
        )


def test_five_challenges_to_one_person_are_named_in_the_confirm_step(
    login, course: Course, maria: User, devon: User
) -> None:
    posts = ArtifactFactory.create_batch(2, course=course, author=maria)
    _challenges(devon, posts[0], 5)
    response = login(devon).post(_create_url(posts[1]), {"rendered": SHOWN, "body": CHALLENGE})
    assert response.status_code == 200
    assert "Your last five replies to Maria López were all challenges." in response.content.decode()


def test_relationship_note_shows_even_with_the_tone_nudge_off(
    login, course: Course, public_post: Artifact, devon: User
) -> None:
    Course.objects.filter(pk=course.pk).update(tone_nudge=HabitMode.OFF)
    _challenges(devon, public_post, 5)
    response = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE})
    assert response.status_code == 200
    assert "were all challenges" in response.content.decode()


def test_no_relationship_note_after_four_or_with_one_question_among_five(
    login, public_post: Artifact, devon: User, maria: User
) -> None:
    _challenges(devon, public_post, 4)
    assert not recent_challenges_to(writer=devon, recipient=maria)
    assert (
        "were all challenges"
        not in login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE}).content.decode()
    )
    _challenges(devon, public_post, 1)
    assert recent_challenges_to(writer=devon, recipient=maria)
    CommentFactory.create(artifact=public_post, author=devon, tone=Tone.QUESTION)
    assert not recent_challenges_to(writer=devon, recipient=maria)


def test_replies_count_towards_the_person_replied_to(public_post: Artifact, devon: User, george: User) -> None:
    top = CommentFactory.create(artifact=public_post, author=george)
    for _ in range(5):
        CommentFactory.create(artifact=public_post, author=devon, parent=top, tone=Tone.CHALLENGE)
    assert recent_challenges_to(writer=devon, recipient=george)


def test_relationship_nudge_off_leaves_the_note_out(login, course: Course, public_post: Artifact, devon: User) -> None:
    Course.objects.filter(pk=course.pk).update(relationship_nudge=HabitMode.OFF)
    _challenges(devon, public_post, 5)
    html = login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE}).content.decode()
    assert "Ask it as a question?" in html
    assert "were all challenges" not in html


@pytest.mark.parametrize("confirmed", ["1", "True"])
def test_confirmed_skips_the_relationship_step_too(login, public_post: Artifact, devon: User, confirmed: str) -> None:
    _challenges(devon, public_post, 5)
    assert (
        login(devon)
        .post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE, "confirmed": confirmed})
        .status_code
        == 302
    )


# The facilitator's settings


def _settings_data(course: Course, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": course.title,
        "slug": course.slug,
        "hashtag": course.hashtag,
        "description": course.description,
        "start_date": course.start_date.isoformat(),
        "joining_open": "on",
        "norm_posts": 1,
        "norm_comments": 3,
        "norm_shares": 3,
        "comment_window_days": 14,
        "read_before_share": HabitMode.NUDGE,
        "giving_balance": HabitMode.OFF,
        "tone_nudge": HabitMode.OFF,
        "relationship_nudge": HabitMode.OFF,
        "own_share_threshold": "0.5",
        "daily_share_limit": 10,
    }
    data.update(overrides)
    return data


def test_facilitator_sets_the_habit_modes_on_the_manage_page(
    login, course: Course, george: User, public_post: Artifact, devon: User, valid_html
) -> None:
    client = login(george)
    page = client.get(reverse("courses:manage", args=[course.slug]))
    valid_html(page.content)
    html = page.content.decode()
    assert "<legend>The three habits</legend>" in html
    for name in ("read_before_share", "giving_balance", "tone_nudge", "relationship_nudge"):
        assert f'name="{name}"' in html
    assert "seek first to understand" in html
    response = client.post(reverse("courses:manage", args=[course.slug]), _settings_data(course))
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.read_before_share, course.giving_balance, course.tone_nudge, course.relationship_nudge) == (
        HabitMode.NUDGE,
        HabitMode.OFF,
        HabitMode.OFF,
        HabitMode.OFF,
    )
    assert course.own_share_threshold == 0.5
    assert course.daily_share_limit == 10
    assert login(devon).post(_create_url(public_post), {"rendered": SHOWN, "body": CHALLENGE}).status_code == 302


def test_out_of_range_habit_settings_are_refused(login, course: Course, george: User) -> None:
    data = _settings_data(course, own_share_threshold="1.5", daily_share_limit=0, tone_nudge="require")
    response = login(george).post(reverse("courses:manage", args=[course.slug]), data)
    assert response.status_code == 200
    course.refresh_from_db()
    assert course.tone_nudge == HabitMode.NUDGE


def test_a_rewording_is_posted_even_if_the_textarea_was_emptied(login, public_post: Artifact, devon: User) -> None:
    data = {"rendered": SHOWN, "body": "", "confirmed": "1", "rewording": QUESTION_REWORDING}
    assert login(devon).post(_create_url(public_post), data).status_code == 302
    assert Comment.objects.get().body == QUESTION_REWORDING
