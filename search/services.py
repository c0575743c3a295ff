"""Rebuilding the search indexes from the source tables (after a restore, an import, or a bulk load)."""

from collections.abc import Callable

from django.db import transaction

from accounts import search_index as people_index
from accounts.models import User
from posts import search_index as posts_index
from posts.models import Artifact, Comment


def reindex_total() -> int:
    """How many rows a rebuild goes through (for a progress bar)."""
    return Artifact.objects.count() + Comment.objects.count() + User.objects.count()


def reindex(progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Empty every index and fill it again; each index is rebuilt in one transaction, so a search during
    the rebuild sees the old index until the new one is complete. Returns how many documents each holds."""
    with transaction.atomic():
        counts = posts_index.rebuild(progress)
    with transaction.atomic():
        counts[people_index.PEOPLE] = people_index.rebuild(progress)
    return counts
