"""Writes to the search index. Domains call ``search_changes_enqueue`` from their actions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import models, transaction

from backend.search.backends import search_backend
from backend.search.registry import (
    DELETED_VERSION,
    Audience,
    IndexEntry,
    kind_get,
    kinds_all,
    registry,
    targets_for,
    tombstone,
)


def search_changes_enqueue(*, instance: models.Model) -> int:
    """Enqueue the index work that follows a change to ``instance``, in the current transaction.

    The work re-reads the object when it runs, so it may run late, twice or out of order.
    """
    from backend.search.tasks import search_entry_refresh_task

    targets = list(dict.fromkeys(targets_for(instance)))
    for kind, object_id in targets:
        search_entry_refresh_task.enqueue(kind, object_id)
    return len(targets)


# Dependents are read this many at a time: a body's refresh reaches every one of its meetings.
REFRESH_BATCH = 500


def _entries_now(keys: Iterable[tuple[str, str]]) -> Iterator[IndexEntry]:
    """The entries of ``keys`` as the objects are now, read in batches of one kind; a missing
    object leaves a tombstone."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, object_id in keys:
        by_kind[kind].append(object_id)
    for kind, object_ids in by_kind.items():
        search_kind = kind_get(kind)
        for start in range(0, len(object_ids), REFRESH_BATCH):
            batch = object_ids[start : start + REFRESH_BATCH]
            found = {
                str(instance.pk): instance
                for instance in search_kind.queryset().filter(pk__in=batch)
            }
            for object_id in batch:
                instance = found.get(object_id)
                yield (
                    search_kind.entry(instance)
                    if instance is not None
                    else tombstone(kind=kind, object_id=object_id, version=DELETED_VERSION)
                )


def search_entry_refresh(*, kind: str, object_id: str) -> int:
    """Index one object as it is now, and the entries that follow it (its dependents).

    A missing object leaves a tombstone with the final version, so no replay of an older update
    brings it back. Entries below a lower version than the index holds are ignored; an entry
    at the version the index holds is written again, so re-reading an object whose version did
    not move is never refused. Dependents are read in batches of one kind, not one by one.
    """
    search_kind = kind_get(kind)
    backend = search_backend()
    object_id = str(object_id)
    instance = search_kind.queryset().filter(pk=object_id).first()
    dependents: dict[tuple[str, str], None] = {}
    if instance is None:
        own = tombstone(kind=kind, object_id=object_id, version=DELETED_VERSION)
    else:
        own = search_kind.entry(instance)
        dependents.update(((name, str(pk)), None) for name, pk in search_kind.dependents(instance))
    # Entries indexed under this object that it no longer lists (deleted with it, moved away).
    dependents.update(
        (key, None) for key in backend.entry_keys_with_parent(parent=f"{kind}:{object_id}")
    )
    dependents.pop((kind, object_id), None)
    entries = [own, *_entries_now(dependents)]
    with transaction.atomic():
        written = backend.entries_apply(entries=entries)
        for listener in registry.index_listeners:
            listener(entries)
    return written


def _entries(kinds: list[str]) -> Iterator[IndexEntry]:
    for name in kinds:
        search_kind = kind_get(name)
        for instance in search_kind.queryset().iterator(chunk_size=1000):
            yield search_kind.entry(instance)


def search_kinds_count(*, kinds: list[str]) -> int:
    return sum(kind_get(name).queryset().count() for name in kinds)


def search_index_rebuild(
    *, kinds: list[str] | None = None, progress: Callable[[int], None] = lambda done: None
) -> int:
    """Rebuild the index of ``kinds`` (every kind by default) from the database."""
    names = kinds or [kind.name for kind in kinds_all()]
    for name in names:
        kind_get(name)
    return search_backend().rebuild(kinds=names, entries=_entries(names), progress=progress)


@dataclass(frozen=True)
class Drift:
    kind: str
    object_id: str
    problem: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}: {self.problem}"


def search_drift_find(*, kinds: list[str] | None = None) -> list[Drift]:
    """Compare the index with the database: what is missing, stale, or should be gone."""
    backend = search_backend()
    drifts: list[Drift] = []
    for name in kinds or [kind.name for kind in kinds_all()]:
        stored = backend.versions(kind=name)
        expected = {entry.object_id: entry for entry in _entries([name])}
        for object_id, entry in expected.items():
            held = stored.get(object_id)
            visible = entry.audience != Audience.HIDDEN
            if held is None:
                if visible:
                    drifts.append(Drift(name, object_id, "missing from the index"))
            elif held.audience != entry.audience:
                drifts.append(
                    Drift(name, object_id, f"indexed as {held.audience}, is {entry.audience}")
                )
            elif held.version < entry.version:
                drifts.append(
                    Drift(name, object_id, f"indexed version {held.version} < {entry.version}")
                )
        for object_id, held in stored.items():
            if object_id not in expected and held.audience != Audience.HIDDEN:
                drifts.append(Drift(name, object_id, "indexed but no longer in the database"))
    return drifts
