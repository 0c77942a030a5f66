"""The contract every search backend meets: the same inputs, the same shapes back."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from backend.search.query import ParsedQuery
from backend.search.registry import IndexEntry, ViewerAudience

# Backends mark highlighted words with these two characters, which indexed text never holds,
# so that the text can be escaped safely before they become <mark> tags.
MARK_START = "\x02"
MARK_END = "\x03"


def highlight_html(marked: str) -> str:
    """Escape a marked-up snippet for HTML, keeping only the highlight tags."""
    return html.escape(marked).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()
    body_ids: tuple[int, ...] = ()
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def filters_admit(
    filters: SearchFilters, *, kind: str, body_id: int | None, date: datetime.date | None
) -> bool:
    """Whether an entry with these facets passes ``filters``."""
    if filters.kinds and kind not in filters.kinds:
        return False
    if filters.body_ids and body_id not in filters.body_ids:
        return False
    if filters.date_from and (date is None or date < filters.date_from):
        return False
    return not (filters.date_to and (date is None or date > filters.date_to))


@dataclass(frozen=True)
class StandingQuery:
    """A query kept to be tested against entries one at a time (a resident's saved search)."""

    key: str
    query: ParsedQuery
    filters: SearchFilters = field(default_factory=SearchFilters)


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: str
    title: str
    # HTML: the text escaped, with the matched words in <mark> tags.
    snippet: str
    score: float
    date: datetime.date | None
    body_id: int | None
    body_name: str


@dataclass(frozen=True)
class FacetCount:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int
    by_kind: list[FacetCount] = field(default_factory=list)
    by_body: list[FacetCount] = field(default_factory=list)
    by_year: list[FacetCount] = field(default_factory=list)


@dataclass(frozen=True)
class StoredVersion:
    version: int
    audience: str


class SearchBackend(Protocol):
    name: str

    def entries_apply(self, *, entries: Iterable[IndexEntry]) -> int:
        """Store entries, each unless the index holds a higher version; returns how many."""

    def search(
        self,
        *,
        query: ParsedQuery,
        filters: SearchFilters,
        audience: ViewerAudience,
        offset: int,
        limit: int,
    ) -> SearchPage: ...

    def suggest(self, *, query: ParsedQuery, audience: ViewerAudience, limit: int) -> list[str]:
        """Titles starting with the words typed so far, best first."""

    def rebuild(
        self,
        *,
        kinds: list[str],
        entries: Iterable[IndexEntry],
        progress: Callable[[int], None],
    ) -> int:
        """Replace every entry of ``kinds`` with ``entries``; returns how many were written."""

    def versions(self, *, kind: str) -> dict[str, StoredVersion]:
        """What the index holds for one kind, by object id."""

    def entry_keys_with_parent(self, *, parent: str) -> list[tuple[str, str]]:
        """The (kind, object id) of entries belonging to ``parent``."""

    def matching_queries(
        self, *, kind: str, object_id: str, queries: Sequence[StandingQuery]
    ) -> set[str]:
        """The keys of ``queries`` that the entry ``kind:object_id`` matches as indexed now.

        Only a public entry matches anything: a draft, a restricted or a hidden entry, or one
        not indexed, matches no query.
        """


def facet_sort(counts: dict[tuple[str, str], int], *, by_value: bool = False) -> list[FacetCount]:
    items = [FacetCount(value=value, label=label, count=n) for (value, label), n in counts.items()]
    if by_value:
        return sorted(items, key=lambda item: item.value, reverse=True)
    return sorted(items, key=lambda item: (-item.count, item.label))
