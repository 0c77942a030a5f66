from __future__ import annotations

from django_tasks import task

from backend.search.actions import search_entry_refresh


@task()
def search_entry_refresh_task(kind: str, object_id: str) -> int:
    """Bring one object's entry, and those following it, up to date; safe to run again."""
    return search_entry_refresh(kind=kind, object_id=object_id)
