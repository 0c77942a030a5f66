"""Search over everything the viewer may see.

Errors are data: an over-long query or an unreadable cursor returns an empty result whose
``errors`` carry a stable ``SearchErrorCode``; any other input returns results or none.
"""

from __future__ import annotations

import base64
import binascii

import strawberry
from strawberry import relay
from strawberry.types import Info

from backend.common.graphql import viewer
from backend.search.backends.base import FacetCount, SearchFilters
from backend.search.graphql.inputs import SearchFilter
from backend.search.graphql.loaders import RecordByHitLoader
from backend.search.graphql.types import (
    SearchConnection,
    SearchError,
    SearchErrorCode,
    SearchFacetCount,
    SearchFacets,
    SearchHit,
    SearchHitEdge,
    SearchSuggestPayload,
)
from backend.search.query import MAX_QUERY_LENGTH, QueryTooLong
from backend.search.selectors import MAX_PAGE_SIZE, search_run, search_suggest

DEFAULT_PAGE_SIZE = 20
_CURSOR_PREFIX = "search:"


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    """The offset after ``cursor``; raises ValueError when it is not one of ours."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError) as error:
        raise ValueError(cursor) from error
    if not text.startswith(_CURSOR_PREFIX) or not text[len(_CURSOR_PREFIX) :].isdigit():
        raise ValueError(cursor)
    return int(text[len(_CURSOR_PREFIX) :]) + 1


def _filters(value: SearchFilter | None) -> SearchFilters:
    if value is None:
        return SearchFilters()
    bodies = tuple(int(body) for body in value.bodies or () if str(body).isdigit())
    if value.bodies and not bodies:
        # Only unknown bodies were asked for: nothing can match, not everything.
        bodies = (-1,)
    return SearchFilters(
        kinds=tuple(value.kinds or ()),
        body_ids=bodies,
        date_from=value.date_from,
        date_to=value.date_to,
    )


def _counts(items: list[FacetCount]) -> list[SearchFacetCount]:
    return [
        SearchFacetCount(value=item.value, label=item.label, count=item.count) for item in items
    ]


def _refused(code: SearchErrorCode, field: str, message: str) -> SearchConnection:
    return SearchConnection(
        edges=[],
        page_info=relay.PageInfo(
            has_next_page=False, has_previous_page=False, start_cursor=None, end_cursor=None
        ),
        total_count=0,
        facets=SearchFacets(kinds=[], bodies=[], years=[]),
        errors=[SearchError(field=field, message=message, code=code)],
    )


_TOO_LONG = f"A search is limited to {MAX_QUERY_LENGTH} characters."


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description=(
            "Search meetings, agenda items, documents, bodies and people. Words are all "
            'required; "a phrase" in quotes, word* for a prefix, -word to exclude, a OR b. '
            f"Queries longer than {MAX_QUERY_LENGTH} characters are refused with "
            "QUERY_TOO_LONG."
        )
    )
    def search(
        self,
        info: Info,
        query: str,
        filter: SearchFilter | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> SearchConnection:
        try:
            offset = _offset(after)
        except ValueError:
            return _refused(SearchErrorCode.INVALID_CURSOR, "after", "This cursor is not valid.")
        limit = min(max(first if first is not None else DEFAULT_PAGE_SIZE, 0), MAX_PAGE_SIZE)
        try:
            page = search_run(
                viewer=viewer(info),
                text=query,
                filters=_filters(filter),
                offset=offset,
                limit=limit,
            )
        except QueryTooLong:
            return _refused(SearchErrorCode.QUERY_TOO_LONG, "query", _TOO_LONG)
        # The page's records load together, and only if a hit's `record` is asked for.
        records = RecordByHitLoader(
            viewer=viewer(info), keys=[(hit.kind, hit.object_id) for hit in page.hits]
        )
        edges = [
            SearchHitEdge(
                cursor=_cursor(offset + position),
                node=SearchHit(
                    kind=hit.kind,
                    object_id=strawberry.ID(hit.object_id),
                    title=hit.title,
                    snippet=hit.snippet,
                    score=hit.score,
                    date=hit.date,
                    body_name=hit.body_name or None,
                    records=records,
                ),
            )
            for position, hit in enumerate(page.hits)
        ]
        return SearchConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=offset + len(edges) < page.total,
                has_previous_page=offset > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
            facets=SearchFacets(
                kinds=_counts(page.by_kind),
                bodies=_counts(page.by_body),
                years=_counts(page.by_year),
            ),
            errors=[],
        )

    @strawberry.field(
        description=(
            "Up to ten titles starting with the words typed, for type-ahead. Prefixes longer "
            f"than {MAX_QUERY_LENGTH} characters are refused with QUERY_TOO_LONG."
        )
    )
    def search_suggest(self, info: Info, prefix: str) -> SearchSuggestPayload:
        try:
            titles = search_suggest(viewer=viewer(info), prefix=prefix)
        except QueryTooLong:
            return SearchSuggestPayload(
                suggestions=[],
                errors=[
                    SearchError(
                        field="prefix", message=_TOO_LONG, code=SearchErrorCode.QUERY_TOO_LONG
                    )
                ],
            )
        return SearchSuggestPayload(suggestions=titles, errors=[])
