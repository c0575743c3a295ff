"""The content checks new comments and posts go through (CONTENT_CHECKS, called by `posts.review`)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from courses.selectors import can_facilitate
from moderation import akismet, spam
from moderation.selectors import approved
from posts.review import Submission

NEW_ACCOUNT_WITH_LINK = "new account with a link"
ADVERTISING = "looks like advertising: generic praise, commercial link, nothing about the post"


def is_new_account(submission: Submission, now: dt.datetime | None = None) -> bool:
    joined = submission.author.date_joined
    return joined > (now or timezone.now()) - dt.timedelta(days=settings.SPAM_NEW_ACCOUNT_DAYS)


def adds_a_link(submission: Submission) -> bool:
    """Whether the text has an address that it did not have before the edit (always, for something new)."""
    before = set(spam.links(submission.edit.before)) if submission.edit is not None else set()
    return any(link not in before for link in spam.links(submission.text))


def hold_reason(submission: Submission) -> str:
    """Why a comment or post waits for a facilitator, or "" to publish it. The course's facilitators are
    never held, nor an edit that adds no link to what a facilitator has approved (a typo fixed). In order:
    a new account's link (SP1), the advertising scorer on comments (SP2), then Akismet when AKISMET_KEY is set
    (SP3: spam, or the service failing, holds it). Never raises."""
    if can_facilitate(submission.course, submission.author):
        return ""
    if submission.edit is not None and not adds_a_link(submission) and approved(submission.edit.item):
        return ""
    if is_new_account(submission) and spam.links(submission.text):
        return NEW_ACCOUNT_WITH_LINK
    if submission.kind == "comment" and spam.looks_like_advertising(
        submission.text, submission.context, settings.SPAM_SCORE_THRESHOLD
    ):
        return ADVERTISING
    if settings.AKISMET_KEY:
        reason = akismet.hold_reason(submission)
        if reason == akismet.UNCHECKED and submission.edit is not None:
            # Akismet being down is no reason to take a published post and its discussion away from
            # everyone over a typo: an edit it could not check stands (the local checks above still ran).
            return ""
        return reason
    return ""
