"""Reads of the search index, always through the viewer's audience."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from backend.search.backends import search_backend
from backend.search.backends.base import SearchFilters, SearchPage
from backend.search.query import Term, query_parse
from backend.search.registry import SearchKind, kind_get, viewer_audience

MAX_PAGE_SIZE = 50
SUGGESTIONS = 10


def search_run(
    *, viewer: Any, text: str, filters: SearchFilters, offset: int = 0, limit: int = 20
) -> SearchPage:
    """One page of what ``viewer`` may find for ``text``; raises QueryTooLong past the limit."""
    query = query_parse(text)
    return search_backend().search(
        query=query,
        filters=filters,
        audience=viewer_audience(user=viewer),
        offset=max(offset, 0),
        limit=min(max(limit, 0), MAX_PAGE_SIZE),
    )


def search_suggest(*, viewer: Any, prefix: str, limit: int = SUGGESTIONS) -> list[str]:
    """Titles for type-ahead: every word typed must start a title word, the last as a prefix."""
    query = query_parse(prefix.replace('"', " "))
    if query.is_empty:
        return []
    terms = [Term(words=(word,)) for term in query.terms() for word in term.words]
    terms[-1] = Term(words=terms[-1].words, prefix=True)
    query = type(query)(groups=tuple((term,) for term in terms))
    return search_backend().suggest(
        query=query, audience=viewer_audience(user=viewer), limit=min(limit, SUGGESTIONS)
    )


def search_records_load(
    *,
    viewer: Any,
    keys: Iterable[tuple[str, str]],
    prepare: Callable[[QuerySet], QuerySet] = lambda queryset: queryset,
) -> dict[tuple[str, str], Any]:
    """The records behind hits, by (kind, object id), that ``viewer`` may see now.

    One query per kind, through the kind's ``visible_to`` (the owning domain's selectors), so a
    hit whose record the viewer may no longer see, or whose kind loads no record, has none.
    ``prepare`` shapes each kind's query before it runs (the GraphQL layer selects what the
    request asks for).
    """
    kinds: dict[str, SearchKind] = {}
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for kind, object_id in dict.fromkeys(keys):
        try:
            search_kind = kinds[kind] = kind_get(kind)
            by_kind[kind].append(search_kind.model._meta.pk.to_python(object_id))
        except (LookupError, ValidationError):
            # A kind no longer registered, or an id its model cannot hold: no record.
            continue
    records: dict[tuple[str, str], Any] = {}
    for kind, pks in by_kind.items():
        visible_to = kinds[kind].visible_to
        if visible_to is None:
            continue
        queryset = visible_to(viewer).filter(pk__in=pks)
        for record in prepare(queryset):
            records[(kind, str(record.pk))] = record
    return records
