"""The database backend's index: one row per searchable object, kept by the index work.

The full-text structures live beside it, created by the migration for the database in use:
an FTS5 table kept in step by triggers on SQLite, a weighted ``search_vector`` column with a
GIN index on PostgreSQL. Neither is a Django field, so the model stays portable.
"""

from __future__ import annotations

from django.db import models

from backend.common.models import BaseModel


class SearchEntry(BaseModel):
    kind = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    title = models.TextField(blank=True)
    content = models.TextField(blank=True)
    audience = models.CharField(max_length=12)
    audience_key = models.CharField(max_length=64, blank=True)
    body_id = models.BigIntegerField(null=True, blank=True)
    body_name = models.CharField(max_length=200, blank=True)
    date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=40, blank=True)
    parent = models.CharField(max_length=120, blank=True)
    # The object's version when indexed; an update carrying a lower one is ignored.
    version = models.BigIntegerField()
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "search entries"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_identity")
        ]
        indexes = [
            models.Index(fields=["date"]),
            models.Index(fields=["parent"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} v{self.version}"
