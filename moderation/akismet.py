"""A tiny Akismet client (comment-check, submit-spam, submit-ham), used only when AKISMET_KEY is set.

Every request goes through the guarded client (`core.fetch`), with its own short deadline
(AKISMET_TIMEOUT_SECONDS). Akismet is told no name and no e-mail address: only the fields its API documents
for a check, from what we have — the text, its type, its page, the site, the language, and the sender's
address and browser when the comment came from a web page (they are not stored, so a verdict sent later
carries the text, type and page only). A check that fails (timeout, an error status, an invalid key) never
refuses or loses a comment: it is held for a facilitator, and the failure is logged as a warning.
"""

import logging

from django.conf import settings

from core.fetch import FetchError, fetch_one
from posts.review import Submission

log = logging.getLogger(__name__)

SPAM = "Akismet says it is spam"
UNCHECKED = "the spam check (Akismet) could not be reached"
COMMENT_TYPES = {"comment": "comment", "post": "blog-post"}


class AkismetError(Exception):
    """Akismet did not answer as documented (a timeout, an error status, an invalid key, another body)."""


def _call(method: str, fields: dict[str, str]) -> str:
    url = f"{settings.AKISMET_URL.rstrip('/')}/1.1/{method}"
    form = {"api_key": settings.AKISMET_KEY, "blog": settings.SITE_URL, "blog_lang": "en", **fields}
    try:
        result = fetch_one(url, form=form, accept="text/plain", timeout=settings.AKISMET_TIMEOUT_SECONDS)
    except FetchError as exc:
        raise AkismetError(str(exc)) from exc
    answer = result.body.decode("utf-8", "replace").strip()
    if answer == "invalid":
        raise AkismetError(f"invalid key ({result.headers.get('x-akismet-debug-help', 'no details')})")
    return answer


def fields_of(*, kind: str, text: str, permalink: str = "", ip: str = "", user_agent: str = "") -> dict[str, str]:
    """The documented fields we send: nothing about the person but the request's address and browser."""
    fields = {"comment_type": COMMENT_TYPES.get(kind, "comment"), "comment_content": text, "permalink": permalink}
    if ip:
        fields["user_ip"] = ip
    if user_agent:
        fields["user_agent"] = user_agent
    return fields


def is_spam(submission: Submission) -> bool:
    """Ask Akismet's comment-check; raises AkismetError when it cannot say."""
    client = submission.client
    fields = fields_of(
        kind=submission.kind,
        text=submission.text,
        permalink=submission.permalink,
        ip=client.ip if client else "",
        user_agent=client.user_agent if client else "",
    )
    if client is not None and client.referrer:
        fields["referrer"] = client.referrer
    if submission.edit is not None:
        fields["recheck_reason"] = "edit"  # documented for content checked again after an edit
    answer = _call("comment-check", fields)
    if answer not in ("true", "false"):
        raise AkismetError(f"unexpected answer {answer[:40]!r}")
    return answer == "true"


def hold_reason(submission: Submission) -> str:
    """SPAM or "" from Akismet; UNCHECKED (held, with a warning in the log) when Akismet fails. Akismet needs
    the sender's address: what came without a web request (the API, a draft made public) is left to the
    local checks rather than held for want of one."""
    if submission.client is None or not submission.client.ip:
        return ""
    try:
        return SPAM if is_spam(submission) else ""
    except AkismetError as exc:
        log.warning("Akismet check failed, holding the %s for a facilitator: %s", submission.kind, exc)
        return UNCHECKED


def submit(verdict: str, *, kind: str, text: str, permalink: str = "") -> bool:
    """Tell Akismet a facilitator's verdict: `verdict` is "spam" (submit-spam) or "ham" (submit-ham).
    Returns whether Akismet took it; a failure is logged, never raised (the verdict is already recorded)."""
    method = "submit-spam" if verdict == "spam" else "submit-ham"
    try:
        _call(method, fields_of(kind=kind, text=text, permalink=permalink))
    except AkismetError as exc:
        log.warning("Akismet %s failed: %s", method, exc)
        return False
    return True
