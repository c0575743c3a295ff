"""Background work for posts: indexing gathered blog posts for search after the harvest commits them."""

from django.tasks import task

from posts.search_index import index_artifacts


@task
def index_artifacts_later(artifact_ids: list[int]) -> int:
    """(Re-)index these artifacts for search; ids that are gone by now are taken out of the index."""
    return index_artifacts(artifact_ids)
