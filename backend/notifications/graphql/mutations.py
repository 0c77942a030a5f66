from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.types import Info

from backend.common.errors import ActionError
from backend.common.graphql import errors_from, viewer
from backend.notifications.actions import follow_create, follow_delete, notifications_mark_read
from backend.notifications.graphql.types import (
    FollowType,
    NotificationsError,
    NotificationsErrorCode,
)


@strawberry.type(description="The result of follow.")
class FollowPayload:
    follow: FollowType | None = strawberry.field(description="The follow, when it worked.")
    errors: list[NotificationsError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of unfollow.")
class UnfollowPayload:
    target_id: relay.GlobalID | None = strawberry.field(description="What is no longer followed.")
    errors: list[NotificationsError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of notificationsMarkRead.")
class NotificationsMarkReadPayload:
    marked_count: int = strawberry.field(description="How many were newly marked read.")
    errors: list[NotificationsError] = strawberry.field(description="Why nothing changed.")


def _errors(error: ActionError) -> list[NotificationsError]:
    return errors_from(error, NotificationsError, NotificationsErrorCode)


@strawberry.type
class NotificationsMutation:
    @strawberry_django.mutation(
        handle_django_errors=False, description="Follow a body or a meeting to hear about it."
    )
    def follow(self, info: Info, target_id: relay.GlobalID) -> FollowPayload:
        try:
            follow = follow_create(
                user=viewer(info), type_name=target_id.type_name, object_id=target_id.node_id
            )
        except ActionError as error:
            return FollowPayload(follow=None, errors=_errors(error))
        return FollowPayload(follow=FollowType.from_model(follow), errors=[])

    @strawberry_django.mutation(handle_django_errors=False, description="Stop following.")
    def unfollow(self, info: Info, target_id: relay.GlobalID) -> UnfollowPayload:
        try:
            follow_delete(
                user=viewer(info), type_name=target_id.type_name, object_id=target_id.node_id
            )
        except ActionError as error:
            return UnfollowPayload(target_id=None, errors=_errors(error))
        return UnfollowPayload(target_id=target_id, errors=[])

    @strawberry_django.mutation(
        handle_django_errors=False,
        description="Mark the given notifications (by cursor) read, or all of them.",
    )
    def notifications_mark_read(
        self, info: Info, ids: list[str] | None = None, all: bool = False
    ) -> NotificationsMarkReadPayload:
        try:
            numeric = [int(value) for value in ids or [] if value.isdigit()]
            if ids and len(numeric) != len(ids):
                raise ActionError.single("INVALID", "Each id is a notification cursor.", "ids")
            count = notifications_mark_read(user=viewer(info), ids=numeric, all=all)
        except ActionError as error:
            return NotificationsMarkReadPayload(marked_count=0, errors=_errors(error))
        return NotificationsMarkReadPayload(marked_count=count, errors=[])
