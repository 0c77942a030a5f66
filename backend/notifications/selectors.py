from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from backend.notifications.models import Follow, Notification, SavedSearch


def notifications_for(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's own notifications, newest first; nobody else's, ever."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    queryset = Notification.objects.filter(user_id=user.pk).select_related("subject_type")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


def notifications_after(*, user_id: int, after_id: int, limit: int = 100) -> list[Notification]:
    """The user's notifications with an id above ``after_id``, oldest first (for replay)."""
    return list(
        Notification.objects.filter(user_id=user_id, pk__gt=after_id)
        .select_related("subject_type")
        .order_by("pk")[:limit]
    )


def follows_for(*, user: Any) -> QuerySet[Follow]:
    if not getattr(user, "is_authenticated", False):
        return Follow.objects.none()
    return Follow.objects.filter(user_id=user.pk).select_related("target_type")


def saved_searches_for(*, user: Any, queryset: QuerySet[SavedSearch] | None = None) -> QuerySet:
    """A user's own saved searches, newest first; nobody else's, ever."""
    queryset = SavedSearch.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(user_id=user.pk)
