from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.types import Info

from backend.common.errors import ActionError
from backend.common.graphql import errors_from, viewer
from backend.notifications.actions import follow_create, follow_delete, notifications_mark_read
from backend.notifications.graphql.inputs import (
    NotificationPreferenceInput,
    SavedSearchCreateInput,
)
from backend.notifications.graphql.types import (
    FollowType,
    NotificationPreferenceType,
    NotificationsError,
    NotificationsErrorCode,
    SavedSearchType,
)
from backend.notifications.preferences import notification_preferences_update
from backend.notifications.saved_searches import saved_search_create, saved_search_delete


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


@strawberry.type(description="The result of notificationPreferencesUpdate.")
class NotificationPreferencesUpdatePayload:
    preferences: list[NotificationPreferenceType] | None = strawberry.field(
        description="Every kind's email delivery after the change, when it worked."
    )
    errors: list[NotificationsError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of savedSearchCreate.")
class SavedSearchCreatePayload:
    saved_search: SavedSearchType | None = strawberry.field(
        description="The saved search (the existing one when the same search was saved before)."
    )
    errors: list[NotificationsError] = strawberry.field(description="Why nothing changed.")


@strawberry.type(description="The result of savedSearchDelete.")
class SavedSearchDeletePayload:
    deleted_id: relay.GlobalID | None = strawberry.field(
        description="The saved search deleted, when it worked."
    )
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

    @strawberry_django.mutation(
        handle_django_errors=False,
        description=(
            "Choose how kinds of notification reach the signed-in user by email. Every change "
            "is checked first: one unknown kind (UNKNOWN_KIND) and nothing changes."
        ),
    )
    def notification_preferences_update(
        self, info: Info, input: list[NotificationPreferenceInput]
    ) -> NotificationPreferencesUpdatePayload:
        try:
            preferences = notification_preferences_update(
                user=viewer(info), changes=[(item.kind, item.email.value) for item in input]
            )
        except ActionError as error:
            return NotificationPreferencesUpdatePayload(preferences=None, errors=_errors(error))
        return NotificationPreferencesUpdatePayload(
            preferences=[NotificationPreferenceType.from_preference(item) for item in preferences],
            errors=[],
        )

    @strawberry_django.mutation(
        handle_django_errors=False,
        description=(
            "Save a search: each record that becomes public from now on and matches it arrives "
            "once as a notification. Saving the same search again returns the first one."
        ),
    )
    def saved_search_create(
        self, info: Info, input: SavedSearchCreateInput
    ) -> SavedSearchCreatePayload:
        filter = input.filter
        try:
            saved = saved_search_create(
                user=viewer(info),
                query=input.query,
                name=input.name or "",
                kinds=filter.kinds if filter else None,
                bodies=[str(body) for body in filter.bodies or []] if filter else None,
            )
        except ActionError as error:
            return SavedSearchCreatePayload(saved_search=None, errors=_errors(error))
        return SavedSearchCreatePayload(saved_search=saved, errors=[])

    @strawberry_django.mutation(
        handle_django_errors=False,
        description="Delete one of your saved searches; its past notifications stay.",
    )
    def saved_search_delete(self, info: Info, id: relay.GlobalID) -> SavedSearchDeletePayload:
        try:
            saved_search_delete(
                user=viewer(info),
                saved_search_id=id.node_id if id.type_name == "SavedSearch" else "",
            )
        except ActionError as error:
            return SavedSearchDeletePayload(deleted_id=None, errors=_errors(error))
        return SavedSearchDeletePayload(deleted_id=id, errors=[])
