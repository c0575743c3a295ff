"""Writes for moderation: a participant reports a post or comment; a facilitator decides, on reports and on
what the content checks held."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import Invalid, NotAllowed
from core.text import html_to_text
from courses.selectors import can_facilitate
from moderation import akismet
from moderation.models import Reason, Report, Verdict
from moderation.selectors import HeldItem
from posts.models import Artifact, Comment
from posts.selectors import can_see
from posts.services import (
    delete_artifact,
    reject_artifact,
    reject_comment,
    release_artifact,
    release_comment,
    remove_comment,
)


def _check(reporter: User, artifact: Artifact, author_id: int, reason: str, note: str) -> str:
    if not can_see(artifact, reporter):
        raise NotAllowed("You cannot report that.")
    if author_id == reporter.pk:
        raise Invalid("That is your own: edit or delete it instead.")
    if reason not in Reason.values:
        raise Invalid("Choose why you are reporting it.")
    note = note.strip()
    if len(note) > 500:
        raise Invalid("Please keep the note under 500 characters.")
    return note


def _save(report: Report) -> Report:
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise Invalid("You have reported this already; a facilitator will look at it.") from None
    return report


def _artifact_excerpt(artifact: Artifact) -> str:
    return f"{artifact.title}: {html_to_text(artifact.body_html) or artifact.excerpt}"[:500]


def report_artifact(*, reporter: User, artifact: Artifact, reason: str, note: str = "") -> Report:
    note = _check(reporter, artifact, artifact.author_id, reason, note)
    excerpt = _artifact_excerpt(artifact)
    return _save(
        Report(reporter=reporter, course=artifact.course, artifact=artifact, excerpt=excerpt, reason=reason, note=note)
    )


def report_comment(*, reporter: User, comment: Comment, reason: str, note: str = "") -> Report:
    if comment.removed_at is not None:
        raise Invalid("That comment has been removed already.")
    note = _check(reporter, comment.artifact, comment.author_id, reason, note)
    return _save(
        Report(
            reporter=reporter,
            course=comment.artifact.course,
            artifact=comment.artifact,
            comment=comment,
            excerpt=comment.body[:500],
            reason=reason,
            note=note,
        )
    )


def decide(*, report: Report, actor: User, verdict: str) -> int:
    """A facilitator keeps or removes what was reported (removing it as spam also tells Akismet, when it is
    on); every open report of the same item gets the verdict. Returns how many reports were closed."""
    # Named before the decision: removing a post deletes it, and a deleted object has no address.
    kind = "comment" if report.comment_id is not None else "post"
    permalink = _permalink(report.artifact)
    closed = _decide(report=report, actor=actor, verdict=verdict)
    if verdict == Verdict.SPAM and settings.AKISMET_KEY:
        akismet.submit("spam", kind=kind, text=report.excerpt, permalink=permalink)
    return closed


@transaction.atomic
def _decide(*, report: Report, actor: User, verdict: str) -> int:
    if not can_facilitate(report.course, actor):
        raise NotAllowed("Only this course's facilitators can decide on reports.")
    if verdict not in (Verdict.KEPT, Verdict.REMOVED, Verdict.SPAM):
        raise Invalid("Choose to keep it or to remove it.")
    if report.verdict:
        raise Invalid("This report has been decided already.")
    same = Report.objects.filter(course=report.course, verdict=Verdict.OPEN)
    remove = verdict in (Verdict.REMOVED, Verdict.SPAM)
    if report.comment_id is not None:
        same = same.filter(comment_id=report.comment_id)
        if remove and report.comment is not None:
            remove_comment(comment=report.comment, actor=actor)
    else:
        same = same.filter(artifact=report.artifact, comment__isnull=True)
        if remove and report.artifact is not None:
            delete_artifact(artifact=report.artifact, actor=actor)
    return same.update(verdict=verdict, decided_by=actor, decided_at=timezone.now())


def _permalink(artifact: Artifact | None) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{artifact.get_absolute_url()}" if artifact is not None else ""


def decide_held(*, held: HeldItem, actor: User, verdict: str, seen: str | None = None) -> Report:
    """A facilitator decides on a held post or comment: approve it (KEPT: it is published now, and reaches
    people from then on), or keep it hidden (SPAM, or REMOVED when it is not spam; nothing is deleted).
    The verdict is recorded as a report with no reporter and the check's reason as its note; with Akismet on,
    an approval is sent as ham and a spam verdict as spam. NotAllowed for anyone but the course's
    facilitators; Invalid for another verdict. `seen`, the item's `version` when the facilitator read it:
    if it was edited since, the decision is refused (Invalid), so an approval never publishes words
    nobody read."""
    report = _decide_held(held=held, actor=actor, verdict=verdict, seen=seen)
    if settings.AKISMET_KEY and verdict in (Verdict.KEPT, Verdict.SPAM):
        text = held.comment.body if held.comment is not None else report.excerpt
        akismet.submit(
            "ham" if verdict == Verdict.KEPT else "spam", kind=held.kind, text=text, permalink=_permalink(held.artifact)
        )
    return report


@transaction.atomic
def _decide_held(*, held: HeldItem, actor: User, verdict: str, seen: str | None) -> Report:
    course = held.artifact.course
    if not can_facilitate(course, actor):
        raise NotAllowed("Only this course's facilitators can decide on held posts and comments.")
    if verdict not in (Verdict.KEPT, Verdict.REMOVED, Verdict.SPAM):
        raise Invalid("Choose to approve it or to keep it hidden.")
    # Read it again under a lock: an edit saved meanwhile is either before this (and refused below) or after.
    if held.comment is not None:
        held = HeldItem(artifact=held.artifact, comment=Comment.objects.select_for_update().get(pk=held.comment.pk))
    else:
        held = HeldItem(artifact=Artifact.objects.select_for_update().select_related("course").get(pk=held.artifact.pk))
    if seen is not None and seen != held.version:
        raise Invalid("It was edited after you read it. Read it again below, then decide.")
    reason = held.reason
    if held.comment is not None:
        excerpt = held.comment.body[:500]
        if verdict == Verdict.KEPT:
            release_comment(comment=held.comment, actor=actor)
        else:
            reject_comment(comment=held.comment, actor=actor)
    else:
        excerpt = _artifact_excerpt(held.artifact)
        if verdict == Verdict.KEPT:
            release_artifact(artifact=held.artifact, actor=actor)
        else:
            reject_artifact(artifact=held.artifact, actor=actor)
    return Report.objects.create(
        reporter=None,
        course=course,
        artifact=held.artifact,
        comment=held.comment,
        excerpt=excerpt,
        reason=Reason.HELD,
        note=reason,
        verdict=verdict,
        decided_by=actor,
        decided_at=timezone.now(),
    )
