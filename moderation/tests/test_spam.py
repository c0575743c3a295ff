"""SP1 and SP2: what the content checks hold waits for a facilitator, seen only by its writer and the course's
facilitators, on every surface through the one visibility rule; approving releases it, nothing is deleted."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from core import search as core_search
from core.exceptions import NotAllowed
from core.formguard import stamp
from core.search import parse_query
from courses.models import Course, MemberRole
from courses.tests.factories import EnrollmentFactory
from moderation import checks, services, spam
from moderation.models import Reason, Report, Verdict
from moderation.selectors import HeldItem, held, held_one
from network.selectors import notifications_for, unread_count
from posts import services as posts_services
from posts.models import Artifact, Comment, Kind, Mention, Visibility
from posts.search_index import COMMENTS
from posts.selectors import artifact_for, comment_threads, course_stream
from posts.tests.factories import ArtifactFactory

pytestmark = pytest.mark.django_db


def _held(course: Course, kind: str, pk: int) -> HeldItem:
    item = held_one(course, kind, pk)
    assert item is not None, f"the {kind} is not held"
    return item


SHOWN = stamp(ago=60)  # the comment form was shown a minute ago (core.formguard)

POST_TITLE = "Student-led conferences: what we learned"
POST_BODY = (
    "This term our fourth graders ran their own parent conferences, presenting portfolios and the goals they set. "
    "Parents said they had never heard their children talk about their learning like that."
)
# The pattern from the blogs (SECURITY-TESTS SP2): short generic praise of a product, a commercial link, not a
# word about the post.
SP2_EXAMPLE = (
    "Educational software like Brightly is the effective way to engage learners. https://www.brightlylearn.com/"
)
TEACHER_COMMENTS = [
    "Great post! I tried student-led conferences with my 5th graders: https://mrsmith.edublogs.org/conferences",
    "Thanks for sharing. A related read: https://www.cultofpedagogy.com/student-led-conferences/",
    "Love how the portfolios gave students ownership. Did parents ask questions?",
    "Nice post! I wrote about our version here https://mrsjones.wordpress.com/2024/03/12/portfolio-nights/",
    "Have you seen Hattie's research on feedback? https://visible-learning.org",
    "Our district uses https://www.seesaw.me for portfolios, highly recommend it",
    "Thank you for sharing this! We do goal-setting conferences in grade 2 and the kids lead them.",
    "This video helped my staff see it: https://www.youtube.com/watch?v=dQw4w9WgXcQ Great post.",
    "Great post. Check out the ASCD piece on conferences, https://www.ascd.org/el/articles/student-led",
    "I highly recommend the book Leaders of Their Own Learning (https://www.amazon.com/dp/1118655443) on this.",
]


@pytest.fixture
def post(course: Course, maria: User) -> Artifact:
    return ArtifactFactory.create(course=course, author=maria, title=POST_TITLE, body=POST_BODY)


def _in_search(words: str) -> set[int]:
    """Ids of the comments the search index finds for the words. (Search shows what is indexed, through the
    visibility rule; a held comment is not indexed until it is released.)"""
    found = core_search.match(COMMENTS, parse_query(words))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid FROM {COMMENTS} WHERE {found.condition}", found.params)  # noqa: S608
        return {row[0] for row in cursor.fetchall()}


def _comment(client: Client, artifact: Artifact, body: str, **extra: object) -> Comment:
    response = client.post(
        reverse("posts:comment_create", args=[artifact.pk]), {"rendered": SHOWN, "body": body, **extra}
    )
    assert response.status_code == 302
    return Comment.objects.get(body=body)


# SP1: new accounts' links are held


def test_SP1_new_account_comment_with_link_is_held_for_its_author_and_the_facilitators_only(
    client: Client, login, post: Artifact, newcomer: User, george: User, devon: User, maria: User, valid_html
) -> None:
    body = "Here is my classroom site https://newbie-teaches.example.net/conferences"
    held_comment = _comment(login(newcomer), post, body)
    assert held_comment.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    # The writer sees it, marked; so does the facilitator.
    page = login(newcomer).get(post.get_absolute_url()).content.decode()
    assert "newbie-teaches.example.net" in page
    assert "Waiting for a facilitator" in page
    response = login(george).get(post.get_absolute_url())
    valid_html(response.content)
    assert "newbie-teaches.example.net" in response.content.decode()
    # Nobody else: another participant, the post's author, anyone signed out; threads, counts and the API too.
    for viewer in (devon, maria):
        assert "newbie-teaches.example.net" not in login(viewer).get(post.get_absolute_url()).content.decode()
        assert comment_threads(post, viewer) == []
    client.logout()
    assert "newbie-teaches.example.net" not in client.get(post.get_absolute_url()).content.decode()
    listed = course_stream(course=post.course, viewer=devon).items
    assert [a.comment_count for a in listed if a.pk == post.pk] == [0]  # type: ignore[attr-defined]
    api = login(devon).get(f"/api/v1/artifacts/{post.pk}/comments")
    assert api.status_code == 200
    assert api.json() == []
    assert login(devon).get(reverse("moderation:report_comment", args=[held_comment.pk])).status_code == 404


def test_SP1_a_held_reply_reaches_nobody_until_it_is_approved(
    login, post: Artifact, newcomer: User, george: User, devon: User, maria: User
) -> None:
    body = "@devon see https://newbie-teaches.example.net/conferences for how we did it"
    comment = _comment(login(newcomer), post, body)
    assert comment.held
    # No notification for the post's author, no mention of devon, not in search.
    assert [n for n in notifications_for(maria) if n.comment is not None] == []
    assert unread_count(maria) == 0
    assert not Mention.objects.filter(comment=comment).exists()
    assert _in_search("newbie") == set()

    report = services.decide_held(held=_held(post.course, "comment", comment.pk), actor=george, verdict="kept")

    comment.refresh_from_db()
    assert not comment.held
    assert comment.removed_at is None
    assert (report.verdict, report.decided_by, report.reason, report.reporter) == (Verdict.KEPT, george, "held", None)
    assert report.note == checks.NEW_ACCOUNT_WITH_LINK
    assert [t.comment for t in comment_threads(post, devon)] == [comment]
    assert [n.comment for n in notifications_for(maria) if n.comment is not None] == [comment]
    assert unread_count(maria) == 1
    assert Mention.objects.filter(comment=comment, user=devon).exists()
    assert _in_search("newbie") == {comment.pk}


def test_SP1_new_account_comment_without_a_link_is_posted(login, post: Artifact, newcomer: User, devon: User) -> None:
    comment = _comment(login(newcomer), post, "How did parents react the first time?")
    assert not comment.held
    assert [t.comment for t in comment_threads(post, devon)] == [comment]


def test_SP1_an_established_account_posts_links_straight_away(login, post: Artifact, devon: User) -> None:
    comment = _comment(login(devon), post, "We did this too: https://devon-school.example.net/portfolio-night")
    assert not comment.held


def test_SP1_the_course_facilitators_are_never_held(course: Course, post: Artifact) -> None:
    fresh = UserFactory.create(username="cofacilitator", date_joined=timezone.now())
    EnrollmentFactory.create(course=course, user=fresh, role=MemberRole.FACILITATOR)
    comment = posts_services.add_comment(artifact=post, author=fresh, body="Slides: https://slides.example.com/")
    assert not comment.held


@pytest.mark.parametrize("days", [0, 6])
def test_SP1_the_new_account_age_is_a_setting(settings, post: Artifact, course: Course, days: int) -> None:
    settings.SPAM_NEW_ACCOUNT_DAYS = 5
    person = UserFactory.create(date_joined=timezone.now() - dt.timedelta(days=days))
    EnrollmentFactory.create(course=course, user=person)
    comment = posts_services.add_comment(artifact=post, author=person, body="see www.example.net/x")
    assert comment.held == (days < 5)


def test_SP1_a_new_accounts_post_with_a_link_is_held_on_every_surface(
    client: Client, login, course: Course, newcomer: User, george: User, devon: User
) -> None:
    response = login(newcomer).post(
        reverse("posts:publish", args=[course.slug]),
        {
            "kind": Kind.LINK,
            "title": "My favourite resource",
            "url": "https://shop.example.com/",
            "visibility": "public",
        },
    )
    artifact = Artifact.objects.get(title="My favourite resource")
    assert response.status_code == 302
    assert artifact.held_reason == checks.NEW_ACCOUNT_WITH_LINK
    assert artifact_for(artifact.pk, newcomer) is not None
    assert artifact_for(artifact.pk, george) is not None
    assert artifact_for(artifact.pk, devon) is None
    assert "Waiting for a facilitator" in login(newcomer).get(artifact.get_absolute_url()).content.decode()
    assert login(devon).get(artifact.get_absolute_url()).status_code == 404
    assert (
        "My favourite resource" not in login(devon).get(reverse("network:stream", args=[course.slug])).content.decode()
    )
    assert login(devon).get(f"/api/v1/artifacts/{artifact.pk}").status_code == 404
    client.logout()
    assert "My favourite resource" not in client.get(f"/courses/{course.slug}/feed.atom").content.decode()
    assert client.get(artifact.get_absolute_url()).status_code == 404
    # Approved: published now, for everyone.
    services.decide_held(held=_held(course, "post", artifact.pk), actor=george, verdict="kept")
    assert "My favourite resource" in client.get(f"/courses/{course.slug}/feed.atom").content.decode()
    assert artifact_for(artifact.pk, devon) is not None


def test_SP1_a_new_accounts_post_without_a_link_is_published(course: Course, newcomer: User, devon: User) -> None:
    artifact = posts_services.publish(author=newcomer, course=course, kind=Kind.POST, title="Hello", body="Week one.")
    assert not artifact.held
    assert artifact_for(artifact.pk, devon) is not None


def test_SP1_the_queue_shows_what_is_held_with_the_reason_and_only_to_facilitators(
    login, course: Course, post: Artifact, newcomer: User, george: User, devon: User, valid_html
) -> None:
    comment = _comment(login(newcomer), post, "Visit https://newbie-teaches.example.net/x")
    response = login(george).get(reverse("moderation:queue", args=[course.slug]))
    valid_html(response.content)
    html = response.content.decode()
    assert "held: new account with a link" in html
    assert reverse("moderation:decide_held", args=[course.slug, "comment", comment.pk]) in html
    assert login(devon).get(reverse("moderation:queue", args=[course.slug])).status_code == 403
    refused = login(devon).post(
        reverse("moderation:decide_held", args=[course.slug, "comment", comment.pk]), {"verdict": "kept"}
    )
    assert refused.status_code == 403
    comment.refresh_from_db()
    assert comment.held


def test_SP1_spam_verdict_keeps_it_hidden_and_nothing_is_deleted(
    login, course: Course, post: Artifact, newcomer: User, george: User, devon: User
) -> None:
    body = "Visit https://newbie-teaches.example.net/x"
    comment = _comment(login(newcomer), post, body)
    response = login(george).post(
        reverse("moderation:decide_held", args=[course.slug, "comment", comment.pk]), {"verdict": "spam"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == body
    assert comment.removed_at is not None
    assert comment_threads(post, devon) == []
    assert comment_threads(post, newcomer) == []
    assert held(course) == []
    report = Report.objects.get()
    assert (report.verdict, report.decided_by, report.comment) == (Verdict.SPAM, george, comment)


def test_SP1_a_refused_post_goes_back_to_its_writer_as_a_draft(
    course: Course, newcomer: User, george: User, devon: User
) -> None:
    artifact = posts_services.publish(
        author=newcomer, course=course, kind=Kind.POST, title="Deals", body="Buy at https://deals.example.com"
    )
    assert artifact.held
    with pytest.raises(NotAllowed):
        services.decide_held(held=_held(course, "post", artifact.pk), actor=devon, verdict="kept")
    services.decide_held(held=_held(course, "post", artifact.pk), actor=george, verdict="removed")
    artifact.refresh_from_db()
    assert (artifact.visibility, artifact.held) == (Visibility.DRAFT, False)
    assert artifact_for(artifact.pk, newcomer) is not None
    assert artifact_for(artifact.pk, devon) is None


def test_SP1_nobody_can_reply_to_a_held_comment(post: Artifact, newcomer: User, george: User) -> None:
    comment = posts_services.add_comment(artifact=post, author=newcomer, body="see https://x.example.net/y")
    with pytest.raises(posts_services.Invalid):
        posts_services.add_comment(artifact=post, author=george, body="Hello", parent=comment)


# SP2: the advertising scorer


def test_SP2_the_example_scores_as_advertising() -> None:
    result = spam.score(SP2_EXAMPLE, f"{POST_TITLE}\n{POST_BODY}")
    assert (result.commercial_link, result.generic_praise, result.unrelated) == (1.0, 1.0, 1.0)
    assert spam.looks_like_advertising(SP2_EXAMPLE, f"{POST_TITLE}\n{POST_BODY}")


@pytest.mark.parametrize("comment", TEACHER_COMMENTS)
def test_SP2_ordinary_teacher_comments_are_not_flagged(comment: str) -> None:
    assert not spam.looks_like_advertising(comment, f"{POST_TITLE}\n{POST_BODY}"), spam.score(comment, POST_BODY)


def test_SP2_the_same_advert_about_the_post_is_not_flagged() -> None:
    about = (
        "Educational software like Brightly is the effective way to run student-led conferences. https://brightly.com/"
    )
    assert not spam.looks_like_advertising(about, f"{POST_TITLE}\n{POST_BODY}")


@pytest.mark.parametrize(
    ("link", "commercial"),
    [
        ("https://www.brightlylearn.com/", 1.0),
        ("https://acme.example.com/pricing", 1.0),
        ("https://tools.example.net/features?ref=partner42", 1.0),
        ("https://www.cultofpedagogy.com/student-choice/", 0.3),
        ("https://someone.com/2023/05/our-portfolio-night/", 0.3),
        ("https://mrsmith.edublogs.org/", 0.0),
        ("https://district.k12.ca.us/", 0.0),
        ("https://www.harvard.edu/", 0.0),
        ("https://youtu.be/abc", 0.0),
    ],
)
def test_SP2_how_commercial_a_link_is(link: str, commercial: float) -> None:
    assert spam.link_commerciality(link) == commercial


def test_SP2_an_established_accounts_advert_on_an_old_post_is_queued_with_the_reason(
    login, course: Course, maria: User, devon: User, george: User
) -> None:
    course.comment_window_days = 365
    course.save()
    months_ago = timezone.now() - dt.timedelta(days=120)
    old = ArtifactFactory.create(course=course, author=maria, title=POST_TITLE, body=POST_BODY, published_at=months_ago)
    comment = _comment(login(devon), old, SP2_EXAMPLE)
    assert comment.held_reason == checks.ADVERTISING
    assert comment_threads(old, maria) == []
    html = login(george).get(reverse("moderation:queue", args=[course.slug])).content.decode()
    assert "looks like advertising: generic praise, commercial link, nothing about the post" in html
    assert Comment.objects.filter(pk=comment.pk, body=SP2_EXAMPLE).exists()  # queued, never deleted


def test_SP2_the_writer_is_told_it_waits_for_a_facilitator_and_sees_it_marked(
    login, course: Course, post: Artifact, devon: User
) -> None:
    response = login(devon).post(
        reverse("posts:comment_create", args=[post.pk]), {"rendered": SHOWN, "body": SP2_EXAMPLE}, follow=True
    )
    html = response.content.decode()
    assert "waiting for a facilitator" in html
    assert "Waiting for a facilitator" in html
    assert "brightlylearn.com" in html


def test_SP2_the_threshold_is_a_setting(settings, post: Artifact, devon: User) -> None:
    settings.SPAM_SCORE_THRESHOLD = 1.01  # nothing reaches it
    comment = posts_services.add_comment(artifact=post, author=devon, body=SP2_EXAMPLE)
    assert not comment.held


def test_SP2_reports_of_spam_can_be_removed_as_spam(course: Course, post: Artifact, devon: User, maria: User, george):
    comment = posts_services.add_comment(artifact=post, author=devon, body="Cheap essays at essays.example.org")
    report = services.report_comment(reporter=maria, comment=comment, reason=Reason.SPAM)
    assert services.decide(report=report, actor=george, verdict=Verdict.SPAM) == 1
    comment.refresh_from_db()
    assert comment.removed_at is not None
