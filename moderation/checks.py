"""The content checks new comments and posts go through (CONTENT_CHECKS, called by `posts.review`)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from courses.selectors import can_facilitate
from moderation import akismet, spam
from posts.review import Submission

NEW_ACCOUNT_WITH_LINK = "new account with a link"
ADVERTISING = "looks like advertising: generic praise, commercial link, nothing about the post"


def is_new_account(submission: Submission, now: dt.datetime | None = None) -> bool:
    joined = submission.author.date_joined
    return joined > (now or timezone.now()) - dt.timedelta(days=settings.SPAM_NEW_ACCOUNT_DAYS)


def hold_reason(submission: Submission) -> str:
    """Why a comment or post waits for a facilitator, or "" to publish it. The course's facilitators are
    never held. In order: a new account's link (SP1), the advertising scorer on comments (SP2), then Akismet
    when AKISMET_KEY is set (SP3: spam, or the service failing, holds it). Never raises."""
    if can_facilitate(submission.course, submission.author):
        return ""
    if is_new_account(submission) and spam.links(submission.text):
        return NEW_ACCOUNT_WITH_LINK
    if submission.kind == "comment" and spam.looks_like_advertising(
        submission.text, submission.context, settings.SPAM_SCORE_THRESHOLD
    ):
        return ADVERTISING
    if settings.AKISMET_KEY:
        return akismet.hold_reason(submission)
    return ""
