from __future__ import annotations

import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.types import Info

from backend.common.graphql import UserError
from backend.search.graphql.loaders import RecordByHitLoader

# The union of the record types a hit can carry (``union SearchRecord = Meeting | ...``). It is
# assembled with the schema, in backend.api, from the GraphQL type each domain names when it
# registers a searchable kind, and named here only, resolved there: this app imports no domain.
RecordUnion = Annotated[
    "SearchRecord",  # noqa: F821
    strawberry.lazy("backend.api.graphql.search"),
]


@strawberry.enum(description="Stable codes for search errors.")
class SearchErrorCode(Enum):
    QUERY_TOO_LONG = "QUERY_TOO_LONG"
    INVALID_CURSOR = "INVALID_CURSOR"


@strawberry.type(description="Why a search returned nothing: the request itself was refused.")
class SearchError(UserError):
    code: SearchErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.type(description="One thing found: a meeting, agenda item, document, body or person.")
class SearchHit:
    kind: str = strawberry.field(
        description="What was found: meeting, agenda_item, document, body or person."
    )
    object_id: strawberry.ID = strawberry.field(
        description="The database id of the record found, within its kind."
    )
    title: str = strawberry.field(description="The record's title, as plain text.")
    snippet: str = strawberry.field(
        description=(
            "An excerpt around the words matched, as HTML: the text is escaped and only the "
            "matched words are wrapped in <mark> tags."
        )
    )
    score: float = strawberry.field(
        description="Relevance; higher is better. Comparable only within one search."
    )
    date: datetime.date | None = strawberry.field(
        description="The day of the meeting the record belongs to, if any."
    )
    body_name: str | None = strawberry.field(
        description="The body (council, committee) the record belongs to, if any."
    )
    records: strawberry.Private[RecordByHitLoader]

    @strawberry.field(
        description=(
            "The record found, as you may see it now: null when you may no longer see it "
            "(unpublished since it was indexed). Closed-session content stays withheld."
        )
    )
    def record(self, info: Info) -> RecordUnion | None:
        return self.records.load(info=info, kind=self.kind, object_id=str(self.object_id))


@strawberry.type(description="A hit and its place in the results.")
class SearchHitEdge:
    cursor: str = strawberry.field(description="Pass as `after` to continue after this hit.")
    node: SearchHit = strawberry.field(description="The hit.")


@strawberry.type(description="How many hits share one value of a facet.")
class SearchFacetCount:
    value: str = strawberry.field(description="The value to filter by (a kind, a body id, a year).")
    label: str = strawberry.field(description="The value as a person reads it.")
    count: int = strawberry.field(description="Hits with this value among all the results.")


@strawberry.type(description="Counts of all the results by kind, body and year.")
class SearchFacets:
    kinds: list[SearchFacetCount] = strawberry.field(description="By kind of record.")
    bodies: list[SearchFacetCount] = strawberry.field(
        description="By body; records outside any body are not counted here."
    )
    years: list[SearchFacetCount] = strawberry.field(
        description="By year of the meeting, newest first; undated records are not counted."
    )


@strawberry.type(
    description=(
        "A page of search results, best first. When the request is refused (see `errors`) "
        "the page is empty."
    )
)
class SearchConnection:
    edges: list[SearchHitEdge] = strawberry.field(description="The hits of this page.")
    page_info: relay.PageInfo = strawberry.field(description="Where this page stands.")
    total_count: int = strawberry.field(description="How many hits in all the pages.")
    facets: SearchFacets = strawberry.field(description="Counts over all the pages.")
    errors: list[SearchError] = strawberry.field(
        description="Why the search was refused; empty when it ran."
    )


@strawberry.type(description="Titles for type-ahead.")
class SearchSuggestPayload:
    suggestions: list[str] = strawberry.field(description="Up to ten titles, best first.")
    errors: list[SearchError] = strawberry.field(
        description="Why the request was refused; empty when it ran."
    )
