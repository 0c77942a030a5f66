"""Reads of the search index, always through the viewer's audience."""

from __future__ import annotations

from typing import Any

from backend.search.backends import search_backend
from backend.search.backends.base import SearchFilters, SearchPage
from backend.search.query import Term, query_parse
from backend.search.registry import viewer_audience

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
