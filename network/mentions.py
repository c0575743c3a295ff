"""@mentions as notifications: the comments and artifacts that mention a person, read from posts.Mention.

Finding handles in text and recording them is `posts.mentions` (the services record a text's mentions when it
is written); this module answers "who mentioned me", applying the visibility rule, blocks and mutes when read.
"""

import datetime as dt

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import hidden_people
from posts.mentions import mentioned_handles, mentions
from posts.models import Artifact, Comment, Mention, Visibility, addressed_to_q, visible_q

__all__ = ["mention_count", "mentioned_handles", "mentioned_people", "mentions", "mentions_of"]

# How many of the newest recorded mentions are read before the visibility rule, mutes and blocks filter them.
CANDIDATES_PER_LIMIT = 4
PUBLISHED = [Visibility.PUBLIC, Visibility.COURSE]


def mentioned_people(text: str) -> QuerySet[User]:
    """The existing people the text mentions; unknown handles are ignored. One query (none without a mention)."""
    handles = mentioned_handles(text)
    if not handles:
        return User.objects.none()
    query = Q()
    for handle in handles:
        query |= Q(username__iexact=handle)
    return User.objects.filter(query)


def _mentioning(user: User, since: dt.datetime | None, limit: int) -> tuple[QuerySet[Comment], QuerySet[Artifact]]:
    """The comments and artifacts behind the person's newest recorded mentions that they may see (see
    `mentions_of`). Runs one query, for the recorded mentions; returns the two lazy querysets."""
    recorded = Mention.objects.filter(user=user)
    if since is not None:
        recorded = recorded.filter(created_at__gt=since)
    candidates = limit * CANDIDATES_PER_LIMIT
    picked = list(recorded.order_by("-created_at", "-id").values_list("comment_id", "artifact_id")[: 2 * candidates])
    # Literal id lists: each query then looks its rows up by primary key (and runs not at all for none).
    comment_ids = [comment for comment, _ in picked if comment is not None][:candidates]
    artifact_ids = [artifact for comment, artifact in picked if comment is None][:candidates]
    comments = (
        Comment.objects.shown()
        .filter(pk__in=comment_ids)
        .filter(visible_q(user, via="artifact__"), artifact__visibility__in=PUBLISHED)
        .exclude(author=user)
        .exclude(hidden_people(user))
        .exclude(addressed_to_q(user))
    )
    artifacts = (
        Artifact.objects.visible_to(user)
        .published()
        .filter(pk__in=artifact_ids)
        .exclude(author=user)
        .exclude(hidden_people(user))
    )
    if since is not None:
        comments = comments.filter(created_at__gt=since)
        artifacts = artifacts.filter(published_at__gt=since)
    return comments, artifacts


def mentions_of(
    user: User, *, since: dt.datetime | None = None, limit: int = 50
) -> tuple[list[Comment], list[Artifact]]:
    """Comments and published artifacts the user may see that mention them, newest first. One query for the
    recorded mentions, then one for each kind that has any (so one to three).

    Leaves out the people the user does not hear from (active mutes, blocks either way). Comments that are
    already replies to the user (on their work or to their comment) are left out: those notify as replies.
    `since` keeps only mentions made after it (the unread ones); at most `limit` of each.
    It starts from the person's newest recorded mentions (an index range of at most 2 × CANDIDATES_PER_LIMIT ×
    limit rows), so its cost does not grow with the site.
    """
    comments, artifacts = _mentioning(user, since, limit)
    return (
        list(comments.select_related("author", "artifact").order_by("-created_at", "-id")[:limit]),
        list(artifacts.select_related("author").order_by("-published_at", "-id")[:limit]),
    )


def mention_count(user: User, *, since: dt.datetime | None = None, limit: int = 50) -> int:
    """How many mentions `mentions_of` would return with the same arguments, reading ids only (for the nav)."""
    comments, artifacts = _mentioning(user, since, limit)
    return len(comments.order_by().values_list("pk")[:limit]) + len(artifacts.order_by().values_list("pk")[:limit])
