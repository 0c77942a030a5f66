from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
import strawberry_django
from django.db.models import QuerySet
from django.utils import translation
from strawberry import relay
from strawberry.types import Info

from backend.common.graphql import UserError, viewer
from backend.notifications.actions import NotificationsErrorCode as _Codes
from backend.notifications.models import Follow, Notification, SavedSearch
from backend.notifications.preferences import KindPreference
from backend.notifications.registry import followable_by_model, notification_headline
from backend.notifications.selectors import saved_searches_for


def _global_id(content_type, object_id: int) -> relay.GlobalID:
    model = content_type.model_class()
    followable = followable_by_model(model)
    type_name = followable.type_name if followable else model.__name__
    return relay.GlobalID(type_name, str(object_id))


@strawberry.enum(description="Stable codes for notification errors.")
class NotificationsErrorCode(Enum):
    UNAUTHENTICATED = _Codes.UNAUTHENTICATED
    NOT_FOUND = _Codes.NOT_FOUND
    LIMIT_REACHED = _Codes.LIMIT_REACHED
    INVALID = _Codes.INVALID
    UNKNOWN_KIND = _Codes.UNKNOWN_KIND
    REQUIRED = _Codes.REQUIRED
    TOO_LONG = _Codes.TOO_LONG


@strawberry.type(description="Why a follow or inbox change was refused.")
class NotificationsError(UserError):
    code: NotificationsErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.type(name="Notification", description="One message in the signed-in user's inbox.")
class NotificationType:
    cursor: str = strawberry.field(
        description="Orders the user's notifications; pass it as `after` to resume."
    )
    kind: str = strawberry.field(description="What happened, e.g. agenda_published.")
    title: str = strawberry.field(
        description="A short headline, in the signed-in user's preferred language."
    )
    text: str = strawberry.field(description="A sentence or two.")
    subject_id: relay.GlobalID = strawberry.field(description="The record this is about.")
    read: bool = strawberry.field(description="Whether it has been marked read.")
    created_at: datetime = strawberry.field(description="When it was written to the inbox.")

    @classmethod
    def from_model(cls, notification: Notification, *, language: str) -> NotificationType:
        with translation.override(language):
            title = notification_headline(
                kind=notification.kind,
                title=notification.title,
                parts=notification.headline_parts,
            )
        return cls(
            cursor=str(notification.pk),
            kind=notification.kind,
            title=title,
            text=notification.text,
            subject_id=_global_id(notification.subject_type, notification.subject_id),
            read=notification.read_at is not None,
            created_at=notification.created_at,
        )


@strawberry.type(name="Follow", description="Something the signed-in user follows.")
class FollowType:
    target_id: relay.GlobalID = strawberry.field(description="The followed record.")
    created_at: datetime = strawberry.field(description="When the follow began.")

    @classmethod
    def from_model(cls, follow: Follow) -> FollowType:
        return cls(
            target_id=_global_id(follow.target_type, follow.target_id),
            created_at=follow.created_at,
        )


@strawberry.type(description="A page of notifications, newest first.")
class NotificationConnection:
    nodes: list[NotificationType] = strawberry.field(description="The notifications.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")
    has_next_page: bool = strawberry.field(description="Whether older notifications remain.")
    total_count: int = strawberry.field(description="How many match, on all pages.")


# Email preferences


@strawberry.enum(description="How a kind of notification reaches the user by email.")
class NotificationEmailMode(Enum):
    OFF = strawberry.enum_value("off", description="Never by email; in the inbox only.")
    IMMEDIATE = strawberry.enum_value("immediate", description="One email per notification.")
    DAILY = strawberry.enum_value(
        "daily", description="In one email a day, for the previous day in the Town's time zone."
    )


@strawberry.type(
    name="NotificationPreference",
    description="How one kind of notification reaches the signed-in user; always in the inbox.",
)
class NotificationPreferenceType:
    kind: str = strawberry.field(description="The kind, as in Notification.kind.")
    label: str = strawberry.field(description="What the kind is, in words.")
    email: NotificationEmailMode = strawberry.field(description="How it arrives by email.")
    email_default: NotificationEmailMode = strawberry.field(
        description="How it arrives by email for someone who never chose."
    )

    @classmethod
    def from_preference(cls, preference: KindPreference) -> NotificationPreferenceType:
        return cls(
            kind=preference.kind.kind,
            label=str(preference.kind.label),
            email=NotificationEmailMode(preference.email),
            email_default=NotificationEmailMode(preference.kind.email_default),
        )


# Saved searches


@strawberry.type(
    name="SavedSearchFilter",
    description="What a saved search is limited to, in the shape of the search filter.",
)
class SavedSearchFilterType:
    kinds: list[str] = strawberry.field(
        description="Only these kinds of record (meeting, agenda_item, document); empty: all."
    )
    bodies: list[strawberry.ID] = strawberry.field(
        description="Only records of these bodies (body facet values); empty: every body."
    )


@strawberry_django.type(
    SavedSearch,
    name="SavedSearch",
    description=(
        "A search the signed-in user saved: each record that becomes public after it was saved "
        "and matches it arrives once as a notification of kind saved_search_match. Only its "
        "owner sees it."
    ),
)
class SavedSearchType(relay.Node):
    name: str = strawberry_django.field(description="The owner's name for it.")
    query: str = strawberry_django.field(description="The search, in the search language.")
    created_at: datetime = strawberry_django.field(description="When it was saved.")
    last_matched_at: datetime | None = strawberry_django.field(
        description="When a record last matched it; null until one does."
    )

    @strawberry_django.field(only=["kinds", "body_ids"], description="What it is limited to.")
    def filter(self) -> SavedSearchFilterType:
        return SavedSearchFilterType(
            kinds=list(self.kinds), bodies=[strawberry.ID(str(pk)) for pk in self.body_ids]
        )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs) -> QuerySet:
        return saved_searches_for(user=viewer(info), queryset=queryset)
