from __future__ import annotations

import datetime

import strawberry


@strawberry.input(description="Narrow a search; every filter given must hold.")
class SearchFilter:
    kinds: list[str] | None = strawberry.field(
        default=None, description="Only these kinds (meeting, agenda_item, document, ...)."
    )
    bodies: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only records of these bodies (the values of the body facet)."
    )
    date_from: datetime.date | None = strawberry.field(
        default=None, description="Only records dated on or after this day."
    )
    date_to: datetime.date | None = strawberry.field(
        default=None, description="Only records dated on or before this day."
    )
