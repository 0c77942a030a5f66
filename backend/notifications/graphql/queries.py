from __future__ import annotations

import strawberry
import strawberry_django
from graphql import GraphQLError
from strawberry.types import Info

from backend.common.graphql import viewer
from backend.notifications.graphql.types import (
    FollowType,
    NotificationConnection,
    NotificationPreferenceType,
    NotificationType,
    SavedSearchType,
)
from backend.notifications.preferences import notification_preferences_for
from backend.notifications.registry import reader_language
from backend.notifications.selectors import follows_for, notifications_for, saved_searches_for

MAX_PAGE = 100


@strawberry.type
class NotificationsQuery:
    @strawberry_django.field(description="What the signed-in user follows; empty when anonymous.")
    def follows(self, info: Info) -> list[FollowType]:
        return [FollowType.from_model(follow) for follow in follows_for(user=viewer(info))]

    @strawberry_django.field(
        description="The signed-in user's inbox, newest first; `after` is a notification cursor."
    )
    def notifications(
        self,
        info: Info,
        unread_only: bool = False,
        first: int = 20,
        after: str | None = None,
    ) -> NotificationConnection:
        user = viewer(info)
        queryset = notifications_for(user=user, unread_only=unread_only)
        total = queryset.count()
        if after is not None and after.isdigit():
            queryset = queryset.filter(pk__lt=int(after))
        first = max(1, min(first, MAX_PAGE))
        page = list(queryset.order_by("-pk")[: first + 1])
        language = reader_language(user)
        nodes = [NotificationType.from_model(item, language=language) for item in page[:first]]
        return NotificationConnection(
            nodes=nodes,
            end_cursor=nodes[-1].cursor if nodes else None,
            has_next_page=len(page) > first,
            total_count=total,
        )

    @strawberry_django.field(
        description="Unread notifications of the signed-in user (0 anonymous)."
    )
    def unread_notification_count(self, info: Info) -> int:
        return notifications_for(user=viewer(info), unread_only=True).count()

    @strawberry_django.field(
        description="The signed-in user's saved searches, newest first; empty when anonymous."
    )
    def saved_searches(self, info: Info) -> list[SavedSearchType]:
        return saved_searches_for(user=viewer(info))  # type: ignore[return-value]

    @strawberry_django.field(
        description=(
            "How each kind of notification reaches the signed-in user by email (in the inbox, "
            "every kind always arrives). Sign-in required."
        )
    )
    def notification_preferences(self, info: Info) -> list[NotificationPreferenceType]:
        user = viewer(info)
        if not user.is_authenticated:
            raise GraphQLError(
                "Sign in to see your notification preferences.",
                extensions={"code": "UNAUTHENTICATED"},
            )
        return [
            NotificationPreferenceType.from_preference(preference)
            for preference in notification_preferences_for(user=user)
        ]
