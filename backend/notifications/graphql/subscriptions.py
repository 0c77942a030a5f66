from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from graphql import GraphQLError
from strawberry.types import Info

from backend.notifications.actions import user_group
from backend.notifications.graphql.types import NotificationType, _global_id
from backend.notifications.models import Notification
from backend.notifications.registry import notification_headline, reader_language
from backend.notifications.selectors import notifications_after

REPLAY_BATCH = 100

_content_types: dict[int, ContentType] = {}


def _viewer(info: Info) -> tuple[int | None, str]:
    """The signed-in user's id (None for nobody) and the language they read in."""
    user = info.context.user
    return (user.pk if user.is_authenticated else None), reader_language(user)


def _latest_id(user_id: int) -> int:
    latest = Notification.objects.filter(user_id=user_id).order_by("-pk").values("pk").first()
    return latest["pk"] if latest else 0


async def _from_ring(carried: dict[str, Any], language: str) -> NotificationType:
    """The notification a ring carries, exactly as its row was written (unread)."""
    type_id = carried["subject_type_id"]
    content_type = _content_types.get(type_id)
    if content_type is None:
        content_type = await sync_to_async(ContentType.objects.get_for_id)(type_id)
        _content_types[type_id] = content_type
    return NotificationType(
        cursor=str(carried["id"]),
        kind=carried["kind"],
        title=_headline(carried, language),
        text=carried["text"],
        subject_id=_global_id(content_type, carried["subject_id"]),
        read=False,
        created_at=datetime.fromisoformat(carried["created_at"]),
    )


def _headline(carried: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return notification_headline(
            kind=carried["kind"], title=carried["title"], parts=carried.get("headline_parts")
        )


async def _unseen(user_id: int, after_id: int) -> AsyncGenerator[Notification, None]:
    """Every notification of the user above ``after_id``, oldest first, in bounded batches."""
    while True:
        batch = await sync_to_async(notifications_after)(user_id=user_id, after_id=after_id)
        for notification in batch:
            yield notification
        if len(batch) < REPLAY_BATCH:
            return
        after_id = batch[-1].pk


@strawberry.type
class NotificationsSubscription:
    @strawberry.subscription(
        description=(
            "The signed-in user's notifications as they arrive. With `after` (a cursor), first "
            "replays everything newer than it, in order, then streams: no gaps, no duplicates "
            "across reconnects."
        )
    )
    async def notification_received(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[NotificationType, None]:
        user_id, language = await sync_to_async(_viewer)(info)
        if user_id is None:
            raise GraphQLError(
                "Sign in to receive notifications.", extensions={"code": "UNAUTHENTICATED"}
            )
        if after is not None and not after.isdigit():
            raise GraphQLError("`after` is a notification cursor.", extensions={"code": "INVALID"})
        consumer = info.context.request
        # Join the group before reading the inbox, so nothing committed in between is missed.
        # A ring carries the user's new notification and the id of the one before it: when that
        # one was the last sent, the new one is next and is sent as carried; otherwise (a ring
        # lost while the channel layer was down, an older ring arriving late) the inbox is read
        # again from the last id sent. Either way: in order, no gaps, no duplicates.
        async with consumer.listen_to_channel(
            "notifications.ring", groups=[user_group(user_id)]
        ) as rings:
            last = int(after) if after is not None else await sync_to_async(_latest_id)(user_id)
            async for notification in _unseen(user_id, last):
                last = notification.pk
                yield NotificationType.from_model(notification, language=language)
            async for ring in rings:
                carried = ring.get("notification")
                if carried is not None and carried["id"] <= last:
                    continue  # sent already
                if carried is not None and carried["previous"] <= last:
                    last = carried["id"]
                    yield await _from_ring(carried, language)
                    continue
                async for notification in _unseen(user_id, last):
                    last = notification.pk
                    yield NotificationType.from_model(notification, language=language)
