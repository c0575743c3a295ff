"""The full-text indexes seen from the ORM: read-only views of core.search's tables, one row per indexed
thing, keyed by its id. Django never creates or changes these tables (core's migration does), so the
selectors can join an index to the visibility rule of what it indexes."""

from django.conf import settings
from django.db import models

from posts.models import Artifact, Comment


class ArtifactIndex(models.Model):
    artifact = models.OneToOneField(
        Artifact,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_index",
    )

    class Meta:
        managed = False
        db_table = "search_artifacts"

    def __str__(self) -> str:
        return f"Index entry for artifact {self.pk}"


class CommentIndex(models.Model):
    comment = models.OneToOneField(
        Comment,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_index",
    )

    class Meta:
        managed = False
        db_table = "search_comments"

    def __str__(self) -> str:
        return f"Index entry for comment {self.pk}"


class PersonIndex(models.Model):
    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        db_column="rowid",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_index",
    )

    class Meta:
        managed = False
        db_table = "search_people"

    def __str__(self) -> str:
        return f"Index entry for person {self.pk}"
