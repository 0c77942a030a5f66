from __future__ import annotations

import strawberry

from backend.notifications.graphql.types import NotificationEmailMode


@strawberry.input(description="The email delivery to set for one kind of notification.")
class NotificationPreferenceInput:
    kind: str = strawberry.field(description="The kind, as listed by notificationPreferences.")
    email: NotificationEmailMode = strawberry.field(description="How it should arrive by email.")


@strawberry.input(description="What a saved search is limited to: the shape of the search filter.")
class SavedSearchFilterInput:
    kinds: list[str] | None = strawberry.field(
        default=None, description="Only these kinds of record (meeting, agenda_item, document)."
    )
    bodies: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Only records of these bodies (the values of the body facet)."
    )


@strawberry.input(description="A search to save.")
class SavedSearchCreateInput:
    query: str = strawberry.field(description="The search, as typed into search (500 at most).")
    name: str | None = strawberry.field(
        default=None, description="A name for it (100 at most); the query by default."
    )
    filter: SavedSearchFilterInput | None = strawberry.field(
        default=None, description="What to limit it to; everything by default."
    )
