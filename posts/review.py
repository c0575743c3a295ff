"""Whether a new comment or post is held for a facilitator: the checks named in CONTENT_CHECKS decide.

`posts` sits below `moderation` and never imports it: the checks (new accounts with links, the advertising
scorer, Akismet) are moderation's, named in the setting as dotted paths like Django's password validators,
and called here by the services that write a comment or publish a post.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.models import User
from courses.models import Course


@dataclass(frozen=True)
class Client:
    """Who sent it, as the web request saw it (for Akismet); empty when it came another way."""

    ip: str = ""
    user_agent: str = ""
    referrer: str = ""


@dataclass(frozen=True)
class Submission:
    """A comment or a post about to be written, as the checks read it."""

    author: User
    course: Course
    kind: str  # "comment" or "post"
    text: str  # the comment, or the post's title, text and link
    context: str = ""  # for a comment: the title and text of what it comments on
    permalink: str = ""
    client: Client | None = None


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
