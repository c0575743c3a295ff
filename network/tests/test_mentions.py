"""@mentions: detection in text, mentions recorded when written (posts.Mention), notifications read from them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Block, Mute
from accounts.tests.factories import UserFactory
from core.tests.migrations import migrate_back_to, migrate_to_latest
from network import services
from network.mentions import mentioned_handles, mentioned_people, mentions
from network.selectors import notifications_for, unread_count
from posts import services as post_services
from posts.mentions import MAX_MENTIONS
from posts.models import Artifact, Mention, Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory

NOW = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def _mentions(user) -> list[tuple[str, str]]:
    return [
        (item.actor.username if item.actor else "", item.text)
        for item in notifications_for(user)
        if item.kind == "mention"
    ]


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("Thanks @maria!", {"maria"}),
        ("@Maria, @DEVON and (@george).", {"maria", "devon", "george"}),
        ("see @maria's post; cc @devon?", {"maria", "devon"}),
        ("write to maria@example.org or devon.clarke@school.edu", set()),
        ("@maria_lopez is not @maria", {"maria_lopez", "maria"}),
        ("no @ here, @x is too short, @@maria is not one", set()),
        ("line start\n@maria", {"maria"}),
    ],
)
def test_mentioned_handles(text: str, handles: set[str]) -> None:
    assert mentioned_handles(text) == handles


def test_mentions_matches_the_whole_handle_case_insensitively() -> None:
    assert mentions("Hi @MARIA.", "maria")
    assert not mentions("Hi @mariana", "maria")
    assert not mentions("mail maria@example.org", "maria")


@pytest.mark.django_db
def test_unknown_handles_are_ignored(maria, devon) -> None:
    assert set(mentioned_people("@Maria and @nobody_here and @devon").values_list("username", flat=True)) == {
        "maria",
        "devon",
    }
    assert not mentioned_people("no mentions").exists()


@pytest.mark.django_db
def test_comment_and_artifact_mentions_are_notifications_newest_first(maria, devon, george, course) -> None:
    earlier = timezone.now() - dt.timedelta(hours=2)
    ArtifactFactory.create(course=course, author=george, body="Ideas from @Maria.", published_at=earlier)
    theirs = ArtifactFactory.create(course=course, author=george)
    CommentFactory.create(artifact=theirs, author=devon, body="@maria what do you think?")
    CommentFactory.create(artifact=theirs, author=devon, body="@mariana and maria@example.org are not her")
    assert _mentions(maria) == [("devon", "mentioned you in a comment on"), ("george", "mentioned you in")]
    assert all(item.unread for item in notifications_for(maria))
    services.mark_read(user=maria)
    assert not any(item.unread for item in notifications_for(maria))


@pytest.mark.django_db
def test_mention_in_a_reply_to_you_notifies_once_as_a_reply(maria, devon, course) -> None:
    work = ArtifactFactory.create(course=course, author=maria)
    CommentFactory.create(artifact=work, author=devon, body="Lovely, @maria")
    assert [item.kind for item in notifications_for(maria)] == ["reply"]


@pytest.mark.django_db
def test_own_mentions_and_drafts_are_no_notifications(maria, devon, course) -> None:
    ArtifactFactory.create(course=course, author=maria, body="Note to self @maria")
    ArtifactFactory.create(course=course, author=devon, body="Draft for @maria", visibility=Visibility.DRAFT)
    assert _mentions(maria) == []


@pytest.mark.django_db
def test_mentions_only_where_the_person_may_see(maria, devon, outsider, course) -> None:
    members_only = ArtifactFactory.create(
        course=course, author=devon, body="For @olive and @maria", visibility=Visibility.COURSE
    )
    CommentFactory.create(artifact=members_only, author=devon, body="@olive again")
    assert _mentions(outsider) == []
    assert _mentions(maria) == [("devon", "mentioned you in")]


@pytest.mark.django_db
@pytest.mark.parametrize("who_blocks", ["recipient", "author"])
def test_no_mentions_across_a_block(maria, devon, george, course, who_blocks: str) -> None:
    theirs = ArtifactFactory.create(course=course, author=george)
    CommentFactory.create(artifact=theirs, author=devon, body="@maria look")
    ArtifactFactory.create(course=course, author=devon, body="Thanks @maria")
    if who_blocks == "recipient":
        Block.objects.create(blocker=maria, blocked=devon)
    else:
        Block.objects.create(blocker=devon, blocked=maria)
    assert _mentions(maria) == []


@pytest.mark.django_db
def test_muted_author_mentions_hidden_while_the_mute_lasts(maria, devon, course) -> None:
    ArtifactFactory.create(course=course, author=devon, body="Thanks @maria")
    mute = Mute.objects.create(muter=maria, muted=devon)
    assert _mentions(maria) == []
    mute.until = timezone.now() - dt.timedelta(minutes=1)
    mute.save()
    assert _mentions(maria) == [("devon", "mentioned you in")]


@pytest.mark.django_db
def test_mentions_cost_no_more_queries_however_many(maria, devon, george, course) -> None:
    work = ArtifactFactory.create(course=course, author=george, body="@devon once")
    CommentFactory.create(artifact=work, author=maria, body="hello @devon")
    for n in range(5):
        author = UserFactory.create(username=f"writer{n}")
        work = ArtifactFactory.create(course=course, author=author, body=f"@maria number {n}")
        CommentFactory.create(artifact=work, author=author, body="hello @maria")
    with CaptureQueriesContext(connection) as two_mentions:
        assert len(_mentions(devon)) == 2
    with CaptureQueriesContext(connection) as ten_mentions:
        assert len(_mentions(maria)) == 10
    assert len(ten_mentions) == len(two_mentions)


# Mentions are recorded when a text is written, edited or removed (posts.Mention), and read back from there.


@pytest.mark.django_db
def test_services_record_mentions_when_written_and_edited(maria, devon, george, course) -> None:
    work = post_services.publish(author=george, course=course, kind="post", title="Week 1", body="Thanks @maria")
    assert list(Mention.objects.filter(comment=None).values_list("user__username", "artifact")) == [("maria", work.pk)]
    post_services.edit_artifact(artifact=work, actor=george, body="Thanks @devon and @george (me)")
    assert list(Mention.objects.filter(comment=None).values_list("user__username", flat=True)) == ["devon"]
    assert _mentions(maria) == []
    assert _mentions(devon) == [("george", "mentioned you in")]


@pytest.mark.django_db
def test_an_edited_or_removed_comment_takes_its_mention_back(maria, devon, george, course) -> None:
    theirs = ArtifactFactory.create(course=course, author=george)
    comment = post_services.add_comment(artifact=theirs, author=devon, body="What do you think, @maria?")
    assert _mentions(maria) == [("devon", "mentioned you in a comment on")]
    assert unread_count(maria) == 1
    post_services.edit_comment(comment=comment, actor=devon, body="What do you think, everyone?")
    assert _mentions(maria) == []
    assert unread_count(maria) == 0
    post_services.edit_comment(comment=comment, actor=devon, body="And you, @MARIA?")
    assert _mentions(maria) == [("devon", "mentioned you in a comment on")]
    post_services.remove_comment(comment=comment, actor=devon)
    assert not Mention.objects.exists()
    assert _mentions(maria) == []


@pytest.mark.django_db
def test_a_draft_mention_notifies_when_the_draft_is_published(maria, devon, course) -> None:
    draft = post_services.publish(
        author=devon, course=course, kind="post", title="Soon", body="For @maria", visibility=Visibility.DRAFT
    )
    assert _mentions(maria) == []
    post_services.edit_artifact(artifact=draft, actor=devon, visibility=Visibility.PUBLIC)
    assert _mentions(maria) == [("devon", "mentioned you in")]
    assert Mention.objects.get().created_at == Artifact.objects.get(pk=draft.pk).published_at


@pytest.mark.django_db
def test_one_text_notifies_at_most_max_mentions_people(devon, course) -> None:
    people = [UserFactory.create(username=f"reader{n:02}") for n in range(MAX_MENTIONS + 5)]
    body = " ".join(f"@{person.username}" for person in people)
    post_services.publish(author=devon, course=course, kind="post", title="Everyone", body=body)
    noticed = set(Mention.objects.values_list("user__username", flat=True))
    assert noticed == {person.username for person in people[:MAX_MENTIONS]}


@pytest.mark.django_db
def test_unread_mentions_read_only_the_recorded_rows(maria, devon, george, course) -> None:
    """No text search: a text that says @maria but has no recorded mention (written around the services)
    is not a notification, and a recorded one is, whatever its text says now."""
    ArtifactFactory.create(course=course, author=devon, body="plain text")
    silent = Artifact.objects.create(course=course, author=george, title="Raw", body="@maria", body_html="")
    assert _mentions(maria) == []
    Mention.objects.create(user=maria, artifact=silent, created_at=silent.published_at)
    assert _mentions(maria) == [("george", "mentioned you in")]
    assert unread_count(maria) == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_mentions_written_before_it(django_db_blocker) -> None:
    old = migrate_back_to("posts", "0004_comment_day_index")
    user, course_model = old.get_model("accounts", "User"), old.get_model("courses", "Course")
    maria = user.objects.create(username="Maria", email="m@example.org", notification_email="")
    devon = user.objects.create(username="devon", email="d@example.org", notification_email="")
    course = course_model.objects.create(title="C", slug="c", hashtag="#C", start_date=dt.date(2026, 9, 1))
    artifact = old.get_model("posts", "Artifact").objects.create(
        author=devon, course=course, title="T", body="Hi @maria and @devon and @nobody", body_html=""
    )
    comment_model = old.get_model("posts", "Comment")
    comment = comment_model.objects.create(artifact=artifact, author=devon, body="@MARIA?", body_html="")
    comment_model.objects.create(artifact=artifact, author=devon, body="@maria", body_html="", removed_at=NOW)
    migrate_to_latest()
    rows = set(Mention.objects.values_list("user_id", "artifact_id", "comment_id"))
    assert rows == {(maria.pk, artifact.pk, None), (maria.pk, artifact.pk, comment.pk)}
