"""@mentions: finding handles in text, and the comments and artifacts that mention a person (computed when read)."""

import datetime as dt
import re

from django.db.models import Q, QuerySet

from accounts.models import User
from posts.models import Artifact, Comment

# An @ not preceded by a word character, dot or another @ (so e-mail addresses and "@@x" are left alone),
# followed by a whole handle (a longer word is not a mention of its prefix).
MENTION_RE = re.compile(r"(?<![\w.@+-])@([A-Za-z0-9_]{2,30})(?![\w@])")


def mentioned_handles(text: str) -> set[str]:
    """The handles written as @handle in the text, lower-cased (they may or may not belong to anyone)."""
    return {match.lower() for match in MENTION_RE.findall(text)}


def mentions(text: str, handle: str) -> bool:
    """True when the text mentions this handle, case-insensitively."""
    return handle.lower() in mentioned_handles(text)


def mentioned_people(text: str) -> QuerySet[User]:
    """The existing people the text mentions; unknown handles are ignored. One query (none without a mention)."""
    handles = mentioned_handles(text)
    if not handles:
        return User.objects.none()
    query = Q()
    for handle in handles:
        query |= Q(username__iexact=handle)
    return User.objects.filter(query)


def mentions_of(
    user: User, *, hidden: QuerySet[User], since: dt.datetime | None = None, limit: int = 50
) -> tuple[list[Comment], list[Artifact]]:
    """Comments and published artifacts the user may see that mention them, newest first. Two queries.

    `hidden` is the people the user does not hear from (active mutes, blocks either way). Comments that are
    already replies to the user (on their work or to their comment) are left out: those notify as replies.
    `since` keeps only mentions made after it (the unread ones, for the unread count); at most `limit` of each.
    The database narrows by `@handle` in the text; the regex then drops look-alikes (`@handlebar`, e-mails).
    """
    needle = f"@{user.username}"
    visible = Artifact.objects.visible_to(user).published()
    comments = (
        Comment.objects.shown()
        .filter(body__icontains=needle, artifact__in=visible)
        .exclude(author=user)
        .exclude(author__in=hidden)
        .exclude(Q(artifact__author=user) | Q(parent__author=user))
    )
    artifacts = visible.filter(body__icontains=needle).exclude(author=user).exclude(author__in=hidden)
    if since is not None:
        comments = comments.filter(created_at__gt=since)
        artifacts = artifacts.filter(published_at__gt=since)
    comments = comments.select_related("author", "artifact").order_by("-created_at", "-id")[:limit]
    artifacts = artifacts.select_related("author").order_by("-published_at", "-id")[:limit]
    return (
        [c for c in comments if mentions(c.body, user.username)],
        [a for a in artifacts if mentions(a.body, user.username)],
    )
