"""The records behind a page of hits, loaded together."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info
from strawberry_django.optimizer import optimize

from backend.search.selectors import search_records_load


class RecordByHitLoader:
    """Loads the records of one page of hits on the first ``record`` asked: one query per kind.

    Each kind's query is shaped by the optimizer from the ``record`` selection (a meeting's body,
    an item's meeting, ...), so nothing below it costs a query per hit. The same field asked
    twice under different aliases may select different things: each alias loads once.
    """

    def __init__(self, *, viewer: Any, keys: list[tuple[str, str]]) -> None:
        self.viewer = viewer
        self.keys = keys
        self._loaded: dict[str, dict[tuple[str, str], Any]] = {}

    def load(self, *, info: Info, kind: str, object_id: str) -> Any | None:
        alias = info.path.key
        if alias not in self._loaded:
            self._loaded[alias] = search_records_load(
                viewer=self.viewer,
                keys=self.keys,
                prepare=lambda queryset: optimize(queryset, info),
            )
        return self._loaded[alias].get((kind, object_id))
