"""Whether a new or edited comment or post is held for a facilitator: the checks named in CONTENT_CHECKS decide.

`posts` sits below `moderation` and never imports it: the checks (new accounts with links, the advertising
scorer, Akismet) are moderation's, named in the setting as dotted paths like Django's password validators,
and called here by the services that write, edit or publish a comment or post.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import User
from courses.models import Course
from posts.models import Artifact, Comment


@dataclass(frozen=True)
class Client:
    """Who sent it, as the web request saw it (for Akismet); empty when it came another way."""

    ip: str = ""
    user_agent: str = ""
    referrer: str = ""


@dataclass(frozen=True)
class Edit:
    """An edit of a post or comment that is already out: the item, and its text (as the checks read it) before
    the edit, so a check can tell what the edit adds and what a facilitator has already approved."""

    item: Artifact | Comment
    before: str


@dataclass(frozen=True)
class Submission:
    """A comment or a post about to be written (or rewritten: `edit`), as the checks read it."""

    author: User
    course: Course
    kind: str  # "comment" or "post"
    text: str  # the comment, or the post's title, text and link
    context: str = ""  # for a comment: the title and text of what it comments on
    permalink: str = ""
    client: Client | None = None
    edit: Edit | None = None


Check = Callable[[Submission], str]


def hold_reason(submission: Submission) -> str:
    """Why the submission is held for a facilitator, or "" to publish it. The first check that gives a
    reason wins. A check must not raise: one that cannot decide (a spam service down) holds, naming why."""
    for path in settings.CONTENT_CHECKS:
        check: Check = import_string(path)
        reason = check(submission)
        if reason:
            return reason[:200]
    return ""


def edit_hold_reason(submission: Submission, *, held_reason: str) -> str:
    """Why an edited post or comment (`submission.edit`) is held, given why it was held before the edit ("" when
    it was not). An edit never releases what is held: only a facilitator does. An edit that leaves what the
    checks read as it was is not checked again; any other goes through the checks as something new would,
    and they may hold it (or let an approved item's edit through when it adds no link)."""
    if held_reason:
        return held_reason
    if submission.edit is not None and submission.text == submission.edit.before:
        return ""
    return hold_reason(submission)
