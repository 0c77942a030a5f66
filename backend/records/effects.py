"""The side effects of a change to a meeting record, enqueued in the writing transaction.

Actions call ``record_changed`` after every write that can change what the public sees
(publish, update, unpublish, delete), inside their transaction, so that a crash after commit
loses nothing and a rolled-back write enqueues nothing. Actions bump the object's ``revision``
(the meeting's, for publication changes): the index orders its updates by it. A delete
calls it just before deleting, in the same transaction, while the object still has its key.
"""

from __future__ import annotations

from django.db import models

from backend.search.actions import search_changes_enqueue


def record_changed(*, instance: models.Model) -> None:
    """Enqueue what must follow a change to ``instance`` (the search index, for one)."""
    search_changes_enqueue(instance=instance)
