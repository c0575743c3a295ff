"""SP1–SP3 on edits: an edit that changes what the content checks read goes through them as a new comment or
post would (held: seen only by its writer and the facilitators, in the queue, mentioning nobody), on the site
and through the API; an unchanged text, or an approved item's edit that adds no link, is not held again."""

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import badges
from core.formguard import stamp
from courses.models import Course
from moderation import akismet, checks, services
from moderation.selectors import held, held_one
from moderation.tests.test_akismet import FakeAkismet
from moderation.tests.test_spam import _in_search
from network.selectors import notifications_for, unread_count
from posts import services as posts_services
from posts.models import Artifact, Comment, Kind, Mention, Visibility
from posts.review import Submission
from posts.selectors import artifact_for, comment_for, comment_threads, course_stream
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db

LINK = "https://newbie-teaches.example.net/conferences"


@pytest.fixture
def post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(
        course=course, author=maria, title="Student-led conferences", body="Our fourth graders ran them."
    )


def _nav_count(user: User) -> int:
    """The unread count the nav shows, cached per person (core.badges)."""
    return badges.unread(user.pk, lambda: unread_count(user))


def hold_everything(submission: Submission) -> str:
    """A content check that holds whatever it is asked about (CONTENT_CHECKS in tests)."""
    return "held by the test"


CALLS: list[tuple[str, int]] = []


def record_depth(submission: Submission) -> str:
    """A content check that notes how deep in transactions it was called."""
    CALLS.append((submission.text, len(connection.atomic_blocks)))
    return ""


def _comment(client: Client, artifact: Artifact, body: str) -> Comment:
    response = client.post(
        reverse("posts:comment_create", args=[artifact.pk]), {"rendered": stamp(ago=60), "body": body}
    )
    assert response.status_code == 302
    return Comment.objects.get(body=body)


def _edit_comment(client: Client, comment: Comment, body: str) -> Any:
    return client.post(reverse("posts:comment_edit", args=[comment.pk]), {"body": body}, follow=True)


def _post_form(artifact: Artifact, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": artifact.kind,
        "title": artifact.title,
        "body": artifact.body,
        "url": artifact.url,
        "image_alt": artifact.image_alt,
        "tags": "",
        "visibility": artifact.visibility,
    }
    data.update(changes)
    return data


def _edit_post(client: Client, artifact: Artifact, **changes: object) -> Any:
    return client.post(reverse("posts:artifact_edit", args=[artifact.pk]), _post_form(artifact, **changes), follow=True)


def _approve(course: Course, kind: str, pk: int, george: User) -> None:
    item = held_one(course, kind, pk)
    assert item is not None, f"the {kind} is not held"
    services.decide_held(held=item, actor=george, verdict="kept")


# Comments


def test_SP1_edit_adding_a_link_holds_the_comment(
    login, course: Course, post: Artifact, newcomer: User, george: User, devon: User
) -> None:
    comment = _comment(login(newcomer), post, "How did the parents react?")
    assert not comment.held
    assert [t.comment for t in comment_threads(post, devon)] == [comment]

    response = _edit_comment(login(newcomer), comment, f"How did the parents react? We did it too: {LINK}")

    assert "waiting for a facilitator" in response.content.decode()
    comment.refresh_from_db()
    assert comment.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    assert comment_threads(post, devon) == []
    assert comment_for(comment.pk, devon) is None
    assert comment_for(comment.pk, newcomer) is not None
    assert comment_for(comment.pk, george) is not None
    assert "newbie-teaches.example.net" not in login(devon).get(post.get_absolute_url()).content.decode()
    client = Client()
    assert "newbie-teaches.example.net" not in client.get(post.get_absolute_url()).content.decode()
    assert [(i.kind, i.item.pk) for i in held(course)] == [("comment", comment.pk)]
    html = login(george).get(reverse("moderation:queue", args=[course.slug])).content.decode()
    assert "newbie-teaches.example.net" in html
    listed = course_stream(course=course, viewer=devon).items
    assert [a.comment_count for a in listed if a.pk == post.pk] == [0]  # type: ignore[attr-defined]


def test_SP1_a_comment_held_by_an_edit_withdraws_its_mentions_notifications_and_search_entry(
    settings, login, course: Course, post: Artifact, newcomer: User, george: User, devon: User, maria: User
) -> None:
    settings.UNREAD_CACHE_SECONDS = 30  # the counts are cached: the hold must forget them
    comment = posts_services.add_comment(artifact=post, author=newcomer, body="@devon how did the parents react?")
    assert Mention.objects.filter(comment=comment, user=devon).exists()
    assert _nav_count(maria) == 1  # a comment on her post
    assert _nav_count(devon) == 1  # the mention
    assert _in_search("parents") == {comment.pk}

    posts_services.edit_comment(comment=comment, actor=newcomer, body=f"@devon how did the parents react? {LINK}")

    comment.refresh_from_db()
    assert comment.held
    assert not Mention.objects.filter(comment=comment).exists()
    assert [n for n in notifications_for(maria) if n.comment is not None] == []
    assert [n for n in notifications_for(devon) if n.comment is not None] == []
    assert _nav_count(maria) == 0
    assert _nav_count(devon) == 0
    assert _in_search("parents") == set()

    _approve(course, "comment", comment.pk, george)  # approved: it reaches them now
    assert Mention.objects.filter(comment=comment, user=devon).exists()
    assert _nav_count(devon) == 1
    assert _in_search("parents") == {comment.pk}


def test_SP1_an_edit_that_leaves_the_text_as_it_was_is_not_checked_again(settings, post: Artifact, devon: User) -> None:
    comment = posts_services.add_comment(artifact=post, author=devon, body="How did the parents react?")
    settings.CONTENT_CHECKS = ["moderation.tests.test_SP1_edits.hold_everything"]
    edited = posts_services.edit_comment(comment=comment, actor=devon, body="  How did the parents react?  ")
    assert not edited.held
    edited = posts_services.edit_comment(comment=comment, actor=devon, body="How did the parents react at first?")
    assert edited.held_reason == "held by the test"


def test_SP1_an_approved_comment_whose_link_is_changed_is_checked_again(
    login, course: Course, post: Artifact, newcomer: User, george: User, devon: User
) -> None:
    comment = _comment(login(newcomer), post, f"Our version: {LINK}")
    assert comment.held
    _approve(course, "comment", comment.pk, george)

    _edit_comment(login(newcomer), comment, f"Our versoin: {LINK}")  # a typo fixed: no new link
    comment.refresh_from_db()
    assert not comment.held
    assert [t.comment for t in comment_threads(post, devon)] == [comment]

    _edit_comment(login(newcomer), comment, "Our version: https://cheap-essays.example.com/")
    comment.refresh_from_db()
    assert comment.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    assert comment_threads(post, devon) == []


def test_SP1_an_edit_never_releases_a_held_comment(course: Course, post: Artifact, newcomer: User, devon) -> None:
    comment = posts_services.add_comment(artifact=post, author=newcomer, body=f"See {LINK}")
    assert comment.held
    edited = posts_services.edit_comment(comment=comment, actor=newcomer, body="See my blog, no link now")
    assert edited.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    comment.refresh_from_db()
    assert comment.held
    assert comment.body == "See my blog, no link now"  # the facilitator decides on what it says now
    assert comment_threads(post, devon) == []


def test_SP2_an_edit_into_an_advert_is_held(post: Artifact, devon: User) -> None:
    comment = posts_services.add_comment(artifact=post, author=devon, body="Did the parents come?")
    advert = (
        "Educational software like Brightly is the effective way to engage learners. https://www.brightlylearn.com/"
    )
    edited = posts_services.edit_comment(comment=comment, actor=devon, body=advert)
    assert edited.held_reason == checks.ADVERTISING


# Posts


def test_SP1_edit_adding_a_link_holds_the_post(
    client: Client, login, course: Course, newcomer: User, george: User, devon: User
) -> None:
    artifact = posts_services.publish(
        author=newcomer, course=course, kind=Kind.POST, title="Hello", body="My first week, no links here."
    )
    assert not artifact.held
    assert login(devon).get(artifact.get_absolute_url()).status_code == 200

    response = _edit_post(login(newcomer), artifact, body=f"My first week. Buy at {LINK}")

    assert "waiting for a facilitator" in response.content.decode()
    artifact.refresh_from_db()
    assert artifact.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    assert artifact_for(artifact.pk, devon) is None
    assert artifact_for(artifact.pk, george) is not None
    assert artifact_for(artifact.pk, newcomer) is not None
    assert login(devon).get(artifact.get_absolute_url()).status_code == 404
    assert "Hello" not in login(devon).get(reverse("network:stream", args=[course.slug])).content.decode()
    client.logout()
    assert client.get(artifact.get_absolute_url()).status_code == 404
    assert "Hello" not in client.get(f"/courses/{course.slug}/feed.atom").content.decode()
    assert [(i.kind, i.item.pk) for i in held(course)] == [("post", artifact.pk)]


@pytest.mark.parametrize("change", ["url", "kind"])
def test_SP1_edit_pointing_a_post_at_a_new_address_holds_it(
    login, course: Course, newcomer: User, devon: User, change: str
) -> None:
    """A link post's address is read by the checks; so is a video's address once it is made a link."""
    kind, url = (Kind.LINK, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    if change == "kind":
        kind = Kind.VIDEO
    artifact = posts_services.publish(author=newcomer, course=course, kind=kind, title="Watch", url=url)
    if change == "url":
        artifact.held_reason = ""  # a facilitator let the first address through
        artifact.save()
        _edit_post(login(newcomer), artifact, url="https://shop.example.com/")
    else:
        assert not artifact.held
        _edit_post(login(newcomer), artifact, kind=Kind.LINK)
    artifact.refresh_from_db()
    assert artifact.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    assert artifact_for(artifact.pk, devon) is None


def test_SP1_a_post_held_by_an_edit_mentions_nobody(
    settings, course: Course, newcomer: User, devon: User, george: User
) -> None:
    settings.UNREAD_CACHE_SECONDS = 30
    artifact = posts_services.publish(
        author=newcomer, course=course, kind=Kind.POST, title="Hello", body="Thanks @devon for the welcome."
    )
    assert _nav_count(devon) == 1
    posts_services.edit_artifact(
        artifact=artifact, actor=newcomer, body=f"Thanks @devon for the welcome. {LINK}", title="Hello"
    )
    artifact.refresh_from_db()
    assert artifact.held
    assert not Mention.objects.filter(artifact=artifact).exists()
    assert _nav_count(devon) == 0
    _approve(course, "post", artifact.pk, george)
    assert _nav_count(devon) == 1


def test_SP1_an_approved_old_account_post_edited_to_fix_a_typo_is_not_held(
    fake: FakeAkismet, login, course: Course, maria: User, george: User, devon: User
) -> None:
    fake.mode = "spam"
    response = login(maria).post(
        reverse("posts:publish", args=[course.slug]),
        {"kind": Kind.POST, "title": "Portfolio nigths", "body": "Our first one.", "visibility": "public"},
    )
    assert response.status_code == 302
    artifact = Artifact.objects.get(title="Portfolio nigths")
    assert artifact.held_reason == akismet.SPAM
    _approve(course, "post", artifact.pk, george)
    asked = len(fake.received)

    _edit_post(login(maria), artifact, title="Portfolio nights")

    artifact.refresh_from_db()
    assert artifact.title == "Portfolio nights"
    assert not artifact.held
    assert artifact_for(artifact.pk, devon) is not None
    assert fake.received[asked:] == []  # not asked again


def test_SP3_an_edit_is_sent_to_akismet_as_an_edit_outside_the_transaction(
    settings, fake: FakeAkismet, login, post: Artifact, devon: User
) -> None:
    comment = _comment(login(devon), post, "Did the parents come?")
    fake.mode = "spam"
    _edit_comment(login(devon), comment, "Did the parents come? Cheap pills here.")
    comment.refresh_from_db()
    assert comment.held_reason == akismet.SPAM
    path, form = fake.received[-1]
    assert path == "/1.1/comment-check"
    assert form["recheck_reason"] == "edit"
    assert form["comment_content"] == "Did the parents come? Cheap pills here."
    assert form["user_ip"] == "127.0.0.1"

    # The checks (Akismet among them) are asked before the edit's transaction opens, as on creation.
    settings.CONTENT_CHECKS = ["moderation.tests.test_SP1_edits.record_depth"]
    CALLS.clear()
    depth = len(connection.atomic_blocks)
    artifact = posts_services.publish(author=devon, course=post.course, kind=Kind.POST, title="Mine", body="One")
    posts_services.edit_artifact(artifact=artifact, actor=devon, title="Mine", body="Two")
    other = posts_services.add_comment(artifact=post, author=devon, body="First")
    posts_services.edit_comment(comment=other, actor=devon, body="Second")
    assert [("Mine\nOne", depth), ("Mine\nTwo", depth), ("First", depth), ("Second", depth)] == CALLS


def test_SP1_a_held_post_made_a_draft_is_checked_again_when_published(
    fake: FakeAkismet, login, course: Course, maria: User, devon: User
) -> None:
    """Making a post a draft and publishing it again is not a way round the checks: it is checked (Akismet
    too, with the request's address) as a new post."""
    fake.mode = "spam"
    login(maria).post(
        reverse("posts:publish", args=[course.slug]),
        {"kind": Kind.POST, "title": "Deals", "body": "Great deals.", "visibility": "public"},
    )
    artifact = Artifact.objects.get(title="Deals")
    assert artifact.held_reason == akismet.SPAM
    _edit_post(login(maria), artifact, visibility=Visibility.DRAFT)
    artifact.refresh_from_db()
    assert (artifact.visibility, artifact.held) == (Visibility.DRAFT, False)
    _edit_post(login(maria), artifact, visibility=Visibility.PUBLIC)
    artifact.refresh_from_db()
    assert artifact.held_reason == akismet.SPAM
    assert artifact_for(artifact.pk, devon) is None


def test_SP1_an_edit_that_changes_neither_text_nor_link_is_not_checked_again(
    settings, login, course: Course, devon: User, maria: User
) -> None:
    artifact = posts_services.publish(author=devon, course=course, kind=Kind.POST, title="Hello", body="Week one.")
    settings.CONTENT_CHECKS = ["moderation.tests.test_SP1_edits.hold_everything"]
    _edit_post(login(devon), artifact, tags="assessment", visibility=Visibility.COURSE)
    artifact.refresh_from_db()
    assert (artifact.visibility, artifact.held) == (Visibility.COURSE, False)
    assert artifact_for(artifact.pk, maria) is not None
    _edit_post(login(devon), artifact, body="Week one, again.")
    artifact.refresh_from_db()
    assert artifact.held_reason == "held by the test"


# The API edits through the same services


def _api(user: User) -> Client:
    """The REST API as a signed-in browser calls it (the site's session; tests in `moderation` do not import
    `api` for its tokens)."""
    client = Client()
    client.force_login(user)
    return client


def test_SP1_api_edits_adding_a_link_hold_the_comment_and_the_post(
    course: Course, post: Artifact, newcomer: User, devon: User
) -> None:
    api = _api(newcomer)
    made = api.post(
        f"/api/v1/artifacts/{post.pk}/comments", {"body": "How did it go?"}, content_type="application/json"
    )
    assert made.status_code == 201
    comment = Comment.objects.get(pk=made.json()["id"])
    assert not comment.held
    edited = api.patch(f"/api/v1/comments/{comment.pk}", {"body": f"How? {LINK}"}, content_type="application/json")
    assert edited.status_code == 200
    comment.refresh_from_db()
    assert comment.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    assert _api(devon).get(f"/api/v1/artifacts/{post.pk}/comments").json() == []

    artifact = posts_services.publish(author=newcomer, course=course, kind=Kind.POST, title="Hi", body="No links.")
    patched = api.patch(f"/api/v1/artifacts/{artifact.pk}", {"body": f"Now {LINK}"}, content_type="application/json")
    assert patched.status_code == 200
    artifact.refresh_from_db()
    assert artifact.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    assert _api(devon).get(f"/api/v1/artifacts/{artifact.pk}").status_code == 404


@pytest.mark.parametrize("failure", ["500", "slow"])
def test_SP3_an_edit_akismet_cannot_check_stands_but_a_new_comment_is_held(
    fake: FakeAkismet, login, post: Artifact, devon: User, failure: str
) -> None:
    """Akismet down is no reason to take a published comment (and its replies) away from everyone over a
    typo; a new comment it cannot check still waits for a facilitator (SP3)."""
    comment = _comment(login(devon), post, "Did the parents come?")
    fake.mode = failure

    _edit_comment(login(devon), comment, "Did the parents all come?")
    fresh = _comment(login(devon), post, "And the grandparents?")

    comment.refresh_from_db()
    assert comment.body == "Did the parents all come?"
    assert not comment.held
    assert fresh.held_reason == akismet.UNCHECKED


def test_SP1_approving_an_edit_keeps_the_date_of_what_was_already_out(
    login, course: Course, post: Artifact, newcomer: User, george: User
) -> None:
    """A post or comment held by an edit, once approved, stays where it was (its week, the stream, the
    thread); one held as it was written arrives as new when approved."""
    weeks_ago = timezone.now() - dt.timedelta(days=10)
    artifact = posts_services.publish(author=newcomer, course=course, kind=Kind.POST, title="Week 1", body="No link.")
    comment = _comment(login(newcomer), post, "How did the parents react?")
    Artifact.objects.filter(pk=artifact.pk).update(published_at=weeks_ago, updated_at=weeks_ago, created_at=weeks_ago)
    Comment.objects.filter(pk=comment.pk).update(created_at=weeks_ago)
    artifact.refresh_from_db()
    comment.refresh_from_db()

    _edit_post(login(newcomer), artifact, body=f"Now with a link: {LINK}")
    _edit_comment(login(newcomer), comment, f"How did the parents react? {LINK}")
    _approve(course, "post", artifact.pk, george)
    _approve(course, "comment", comment.pk, george)
    fresh = _comment(login(newcomer), post, f"Here is more: {LINK}")
    _approve(course, "comment", fresh.pk, george)

    artifact.refresh_from_db()
    comment.refresh_from_db()
    fresh.refresh_from_db()
    assert not artifact.held
    assert not comment.held
    assert artifact.published_at == weeks_ago
    assert comment.created_at == weeks_ago
    assert fresh.created_at > weeks_ago + dt.timedelta(days=9)  # held as written: dated to the approval


def test_SP1_a_top_comment_held_by_an_edit_keeps_its_place_for_the_replies_to_it(
    login, course: Course, post: Artifact, newcomer: User, devon: User, maria: User
) -> None:
    """Classmates' replies do not vanish with the comment they answered: the held comment's place stays,
    its text not shown to them, on the page and through the API."""
    comment = _comment(login(newcomer), post, "How did the parents react?")
    posts_services.add_comment(artifact=post, author=devon, body="They loved it.", parent=comment)
    _edit_comment(login(newcomer), comment, f"How did the parents react? {LINK}")
    comment.refresh_from_db()
    assert comment.held

    page = login(maria).get(post.get_absolute_url()).content.decode()
    assert "They loved it." in page
    assert "This comment is not shown." in page
    assert LINK not in page
    listed = login(maria).get(f"/api/v1/artifacts/{post.pk}/comments").json()
    assert [c["body"] for c in listed] == ["They loved it."]
    # The writer still sees their own held comment.
    assert LINK in login(newcomer).get(post.get_absolute_url()).content.decode()


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("where", ["passage", "image_alt"])
def test_SP1_a_link_in_a_quoted_passage_or_an_image_description_is_read_by_the_checks(
    course: Course, newcomer: User, where: str
) -> None:
    """Every text of a post that others read goes through the checks, not only its title and body."""
    from courses.tests.factories import BookFactory

    fields: dict[str, Any] = {"title": "My first week", "body": "No links in here."}
    if where == "passage":
        fields |= {"kind": Kind.QUOTE, "book": BookFactory.create(course=course), "page": 3, "passage": f"Read {LINK}"}
    else:
        fields |= {"kind": Kind.IMAGE, "image": _png(), "image_alt": f"A poster; order at {LINK}"}

    artifact = posts_services.publish(author=newcomer, course=course, **fields)

    assert artifact.held_reason == checks.NEW_ACCOUNT_WITH_LINK


@pytest.mark.parametrize("kind", ["comment", "post"])
def test_SP1_an_approval_of_what_was_read_before_an_edit_is_refused(
    course: Course, post: Artifact, newcomer: User, george: User, kind: str
) -> None:
    """The facilitator reads the held item; its writer edits it (still held: an edit never releases); the
    approval the facilitator then sends was for the words they read, so it is refused and nothing is
    published. Reading it again and approving works."""
    writer, facilitator = Client(), Client()
    writer.force_login(newcomer)
    facilitator.force_login(george)
    if kind == "comment":
        item: Artifact | Comment = _comment(writer, post, f"Great ideas, see {LINK}")
    else:
        item = posts_services.publish(author=newcomer, course=course, kind=Kind.POST, title="Hi", body=f"See {LINK}")
    assert item.held
    queue = facilitator.get(reverse("moderation:queue", args=[course.slug])).content.decode()
    seen = re.search(r'name="seen" value="([0-9a-f]+)"', queue)
    assert seen is not None

    if kind == "comment":
        assert isinstance(item, Comment)
        _edit_comment(writer, item, f"Buy now at {LINK}/shop")
    else:
        assert isinstance(item, Artifact)
        _edit_post(writer, item, body=f"Buy now at {LINK}/shop")
    item.refresh_from_db()
    assert "shop" in item.body, "the edit went through"
    url = reverse("moderation:decide_held", args=[course.slug, kind, item.pk])
    answer = facilitator.post(url, {"verdict": "kept", "seen": seen.group(1)}, follow=True).content.decode()

    assert "It was edited after you read it" in answer
    item.refresh_from_db()
    assert item.held, "nothing was published"
    fresh = re.search(r'name="seen" value="([0-9a-f]+)"', answer)
    assert fresh is not None
    assert fresh.group(1) != seen.group(1)
    facilitator.post(url, {"verdict": "kept", "seen": fresh.group(1)})
    item.refresh_from_db()
    assert not item.held
