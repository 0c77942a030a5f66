"""The side effects of a change to a meeting record, enqueued in the writing transaction.

Actions call ``record_changed`` after every write that can change what the public sees
(publish, update, unpublish, delete), inside their transaction, so that a crash after commit
loses nothing and a rolled-back write enqueues nothing.
"""

from __future__ import annotations

from django.db import models


def record_changed(*, instance: models.Model) -> None:
    """Enqueue what must follow a change to ``instance`` (the search index, for one)."""
