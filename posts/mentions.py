"""@mentions: finding handles in text, and recording whom an artifact or a comment mentions (posts.Mention).

The services call `record_artifact` and `record_comment` whenever a text is written, edited or removed; the
notifications (network.mentions) read the rows back. Only the first MAX_MENTIONS handles of a text count, so
one comment cannot notify a whole course.
"""

import re

from django.db.models import Q

from accounts.models import User
from core import badges
from posts.models import Artifact, Comment, Mention

# An @ not preceded by a word character, dot or another @ (so e-mail addresses and "@@x" are left alone),
# followed by a whole handle (a longer word is not a mention of its prefix).
MENTION_RE = re.compile(r"(?<![\w.@+-])@([A-Za-z0-9_]{2,30})(?![\w@])")
MAX_MENTIONS = 20


def mentioned_handles(text: str) -> set[str]:
    """The handles written as @handle in the text, lower-cased (they may or may not belong to anyone)."""
    return {match.lower() for match in MENTION_RE.findall(text)}


def mentions(text: str, handle: str) -> bool:
    """True when the text mentions this handle, case-insensitively."""
    return handle.lower() in mentioned_handles(text)


def _people(text: str, *, author_id: int) -> list[int]:
    """Ids of the existing people the text mentions (not its author), at most MAX_MENTIONS handles read."""
    handles: list[str] = []
    for match in MENTION_RE.findall(text):
        handle = match.lower()
        if handle not in handles:
            handles.append(handle)
        if len(handles) == MAX_MENTIONS:
            break
    if not handles:
        return []
    query = Q()
    for handle in handles:
        query |= Q(username__iexact=handle)
    return list(User.objects.filter(query).exclude(pk=author_id).values_list("pk", flat=True))


def record_artifact(artifact: Artifact) -> None:
    """Replace the mentions in the artifact's own text (not its comments); a held artifact mentions no one
    until it is released. Two or three queries."""
    Mention.objects.filter(artifact=artifact, comment__isnull=True).delete()
    if artifact.held:
        return
    people = _people(artifact.body, author_id=artifact.author_id)
    when = artifact.published_at or artifact.created_at
    Mention.objects.bulk_create(Mention(user_id=pk, artifact=artifact, created_at=when) for pk in people)
    badges.forget(people)


def record_comment(comment: Comment) -> None:
    """Replace the mentions in a comment; a removed comment, or one held for a facilitator, mentions no one.
    Two or three queries."""
    Mention.objects.filter(comment=comment).delete()
    if comment.removed_at is not None or comment.held:
        return
    people = _people(comment.body, author_id=comment.author_id)
    Mention.objects.bulk_create(
        Mention(user_id=pk, artifact_id=comment.artifact_id, comment=comment, created_at=comment.created_at)
        for pk in people
    )
    badges.forget(people)
