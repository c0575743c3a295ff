"""What search reads of artifacts and comments: their documents in the full-text index, kept current by
the services that write them (in the same transaction), and rebuilt whole by `commonplace search reindex`."""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from django.db.models import Prefetch

from core import search
from core.text import html_to_text
from posts.models import Artifact, Comment, Tag

ARTIFACTS = "search_artifacts"
COMMENTS = "search_comments"


def artifact_facets(artifact: Artifact) -> str:
    """What search filters narrow by, as facet words (core.search.FACETS): course, prompt, author, the
    day it was published (UTC), that day in its course (a course's week is its prompts or its days: one
    small word a day instead of the site's day AND the course) and its tags' ids."""
    day = artifact.published_at.astimezone(dt.UTC).strftime("%Y%m%d")
    words = [f"c{artifact.course_id}", f"a{artifact.author_id}", f"d{day}", f"e{artifact.course_id}_{day}"]
    if artifact.prompt_id:
        words.append(f"p{artifact.prompt_id}")
    words += [f"t{tag.pk}" for tag in artifact.tags.all()]
    return " ".join(words)


def artifact_document(artifact: Artifact) -> search.Document:
    return {
        search.FACETS: artifact_facets(artifact),
        "title": artifact.title,
        "tags": " ".join(t.name for t in artifact.tags.all()),
        "source": artifact.source_name,
        "body": " ".join(
            part for part in (artifact.passage, html_to_text(artifact.body_html), artifact.image_alt) if part
        ),
    }


def comment_document(comment: Comment) -> search.Document:
    return {"body": comment.body}


def index_artifacts(ids: Iterable[int]) -> int:
    """(Re-)index these artifacts from the database; ids that no longer exist are taken out.

    Who wrote it is not in the document (a renamed person would leave it stale): search filters by person,
    and finds people in their own index."""
    ids = list(ids)
    rows = (
        Artifact.objects.filter(pk__in=ids)
        .only(
            "title",
            "source_name",
            "passage",
            "body_html",
            "image_alt",
            "course_id",
            "author_id",
            "prompt_id",
            "published_at",
        )
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("name")))
    )
    found = {a.pk: a for a in rows}
    search.remove(ARTIFACTS, [pk for pk in ids if pk not in found])
    return search.store(ARTIFACTS, ((pk, artifact_document(a)) for pk, a in found.items()))


def index_comments(ids: Iterable[int]) -> int:
    """(Re-)index these comments; removed or missing ones are taken out."""
    ids = list(ids)
    found = {c.pk: c for c in Comment.objects.filter(pk__in=ids, removed_at__isnull=True).only("body")}
    search.remove(COMMENTS, [pk for pk in ids if pk not in found])
    return search.store(COMMENTS, ((pk, comment_document(c)) for pk, c in found.items()))


def remove_artifact(artifact_id: int, comment_ids: Iterable[int] = ()) -> None:
    search.remove(ARTIFACTS, [artifact_id])
    search.remove(COMMENTS, comment_ids)


def _batches(ids: Iterator[int], size: int) -> Iterator[list[int]]:
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild(progress: Callable[[int], None] | None = None, *, batch: int = 2000) -> dict[str, int]:
    """Empty and refill both indexes from the source tables, a batch at a time."""
    counts = {}
    for index, model, indexer in ((ARTIFACTS, Artifact, index_artifacts), (COMMENTS, Comment, index_comments)):
        search.clear(index)
        total = 0
        for ids in _batches(model.objects.order_by("pk").values_list("pk", flat=True).iterator(), batch):
            done = indexer(ids)
            total += done
            if progress:
                progress(len(ids))
        search.optimize(index)
        counts[index] = total
    return counts
