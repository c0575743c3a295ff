"""@mentions: detection in text, and mention notifications computed when read (visibility, blocks, mutes)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Block, Mute
from accounts.tests.factories import UserFactory
from network import services
from network.mentions import mentioned_handles, mentioned_people, mentions
from network.selectors import notifications_for
from posts.models import Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory


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
def test_mentions_cost_no_more_queries_however_many(maria, course) -> None:
    for n in range(5):
        author = UserFactory.create(username=f"writer{n}")
        work = ArtifactFactory.create(course=course, author=author, body=f"@maria number {n}")
        CommentFactory.create(artifact=work, author=author, body="hello @maria")
    nobody = UserFactory.create(username="nobody")
    with CaptureQueriesContext(connection) as without_mentions:
        notifications_for(nobody)
    with CaptureQueriesContext(connection) as with_mentions:
        assert len(_mentions(maria)) == 10
    assert len(with_mentions) == len(without_mentions)
