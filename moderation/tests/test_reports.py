"""Participants report a post or comment to the course's facilitators, with a reason; a facilitator keeps or
removes it, and the verdict is recorded for every report of the same item."""

import pytest
from django.urls import reverse

from accounts.models import User
from core.exceptions import Invalid, NotAllowed
from courses.models import Course
from moderation import services
from moderation.models import Report, Verdict
from posts.models import Artifact, Comment, Visibility
from posts.tests.factories import ArtifactFactory, CommentFactory

pytestmark = pytest.mark.django_db
SPAM = "Great post! Educational software like ZappyLearn is the most effective way: https://zappy.example.com"


@pytest.fixture
def spam(course: Course, maria: User, devon: User) -> Comment:
    post = ArtifactFactory.create(course=course, author=maria, title="Genius hour")
    return CommentFactory.create(artifact=post, author=devon, body=SPAM)


def test_a_participant_reports_a_comment_with_a_reason_and_the_writer_is_not_named(
    login, spam: Comment, maria: User, valid_html
) -> None:
    client = login(maria)
    page = client.get(spam.artifact.get_absolute_url()).content.decode()
    assert reverse("moderation:report_comment", args=[spam.pk]) in page
    form = client.get(reverse("moderation:report_comment", args=[spam.pk]))
    valid_html(form.content)
    done = client.post(reverse("moderation:report_comment", args=[spam.pk]), {"reason": "spam", "note": "An ad"})
    assert done.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.comment, report.reason, report.excerpt) == (maria, spam, "spam", SPAM)


def test_a_refused_report_keeps_what_was_typed(login, spam: Comment, maria: User) -> None:
    response = login(maria).post(reverse("moderation:report_comment", args=[spam.pk]), {"note": "Selling things"})
    assert response.status_code == 400
    assert "Selling things" in response.content.decode()
    assert not Report.objects.exists()


def test_one_open_report_each_and_not_of_your_own(spam: Comment, maria: User, devon: User) -> None:
    services.report_comment(reporter=maria, comment=spam, reason="spam")
    with pytest.raises(Invalid, match="reported this already"):
        services.report_comment(reporter=maria, comment=spam, reason="other")
    with pytest.raises(Invalid, match="your own"):
        services.report_comment(reporter=devon, comment=spam, reason="spam")


def test_what_you_cannot_see_you_cannot_report(course: Course, maria: User, outsider: User, login) -> None:
    hidden = ArtifactFactory.create(course=course, author=maria, visibility=Visibility.COURSE)
    with pytest.raises(NotAllowed):
        services.report_artifact(reporter=outsider, artifact=hidden, reason="spam")
    assert login(outsider).get(reverse("moderation:report_artifact", args=[hidden.pk])).status_code == 404


def test_facilitators_see_the_queue_and_removing_closes_every_report_of_it(
    login, spam: Comment, maria: User, george: User, outsider: User, course: Course
) -> None:
    course.enrollments.create(user=outsider)
    services.report_comment(reporter=maria, comment=spam, reason="spam")
    services.report_comment(reporter=outsider, comment=spam, reason="harassment", note="Again and again")
    assert login(maria).get(reverse("moderation:queue", args=[course.slug])).status_code == 403
    client = login(george)
    queue = client.get(reverse("moderation:queue", args=[course.slug])).content.decode()
    assert "reported 2 times: Harassment or a personal attack, Spam or advertising" in queue
    assert "Again and again" in queue
    first = Report.objects.order_by("id").first()
    assert first is not None
    client.post(reverse("moderation:decide", args=[course.slug, first.pk]), {"verdict": "removed"})
    spam.refresh_from_db()
    assert spam.removed_at is not None
    assert set(Report.objects.values_list("verdict", "decided_by")) == {(Verdict.REMOVED, george.pk)}
    assert "No reports are waiting." in client.get(reverse("moderation:queue", args=[course.slug])).content.decode()


def test_keeping_a_reported_post_records_the_verdict_and_leaves_it(
    course: Course, maria: User, devon: User, george: User
) -> None:
    post = ArtifactFactory.create(course=course, author=devon)
    report = services.report_artifact(reporter=maria, artifact=post, reason="off_topic")
    with pytest.raises(NotAllowed):
        services.decide(report=report, actor=maria, verdict=Verdict.KEPT)
    assert services.decide(report=report, actor=george, verdict=Verdict.KEPT) == 1
    assert Artifact.objects.filter(pk=post.pk).exists()
    report.refresh_from_db()
    assert (report.verdict, report.decided_by) == (Verdict.KEPT, george)
    with pytest.raises(Invalid, match="decided already"):
        services.decide(report=report, actor=george, verdict=Verdict.REMOVED)
