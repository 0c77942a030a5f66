from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from backend.common.graphql import UserError
from backend.notifications.actions import NotificationsErrorCode as _Codes
from backend.notifications.models import Follow, Notification
from backend.notifications.registry import followable_by_model


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


@strawberry.type(description="Why a follow or inbox change was refused.")
class NotificationsError(UserError):
    code: NotificationsErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry.type(name="Notification", description="One message in the signed-in user's inbox.")
class NotificationType:
    cursor: str = strawberry.field(
        description="Orders the user's notifications; pass it as `after` to resume."
    )
    kind: str = strawberry.field(description="What happened, e.g. agenda_published.")
    title: str = strawberry.field(description="A short headline.")
    text: str = strawberry.field(description="A sentence or two.")
    subject_id: relay.GlobalID = strawberry.field(description="The record this is about.")
    read: bool = strawberry.field(description="Whether it has been marked read.")
    created_at: datetime = strawberry.field(description="When it was written to the inbox.")

    @classmethod
    def from_model(cls, notification: Notification) -> NotificationType:
        return cls(
            cursor=str(notification.pk),
            kind=notification.kind,
            title=notification.title,
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
