"""Writes for moderation: a participant reports a post or comment; a facilitator decides."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import Invalid, NotAllowed
from core.text import html_to_text
from courses.selectors import can_facilitate
from moderation.models import Reason, Report, Verdict
from posts.models import Artifact, Comment
from posts.selectors import can_see
from posts.services import delete_artifact, remove_comment


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


def report_artifact(*, reporter: User, artifact: Artifact, reason: str, note: str = "") -> Report:
    note = _check(reporter, artifact, artifact.author_id, reason, note)
    excerpt = f"{artifact.title}: {html_to_text(artifact.body_html) or artifact.excerpt}"[:500]
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


@transaction.atomic
def decide(*, report: Report, actor: User, verdict: str) -> int:
    """A facilitator keeps or removes what was reported; every open report of the same item gets the verdict.
    Returns how many reports were closed."""
    if not can_facilitate(report.course, actor):
        raise NotAllowed("Only this course's facilitators can decide on reports.")
    if verdict not in (Verdict.KEPT, Verdict.REMOVED):
        raise Invalid("Choose to keep it or to remove it.")
    if report.verdict:
        raise Invalid("This report has been decided already.")
    same = Report.objects.filter(course=report.course, verdict=Verdict.OPEN)
    if report.comment_id is not None:
        same = same.filter(comment_id=report.comment_id)
        if verdict == Verdict.REMOVED and report.comment is not None:
            remove_comment(comment=report.comment, actor=actor)
    else:
        same = same.filter(artifact=report.artifact, comment__isnull=True)
        if verdict == Verdict.REMOVED and report.artifact is not None:
            delete_artifact(artifact=report.artifact, actor=actor)
    return same.update(verdict=verdict, decided_by=actor, decided_at=timezone.now())
