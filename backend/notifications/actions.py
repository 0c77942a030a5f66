from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from backend.common.errors import ActionError
from backend.notifications.models import Event, Follow, Notification
from backend.notifications.registry import followable_by_type_name

logger = logging.getLogger(__name__)


class NotificationsErrorCode:
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    LIMIT_REACHED = "LIMIT_REACHED"
    INVALID = "INVALID"


def user_group(user_id: int) -> str:
    """The channel-layer group that rings one user's open sockets."""
    return f"notifications.user.{user_id}"


def _require_user(user: Any) -> None:
    if not getattr(user, "is_authenticated", False):
        raise ActionError.single(NotificationsErrorCode.UNAUTHENTICATED, "Sign in first.")


def _followable_object(*, user: Any, type_name: str, object_id: str) -> models.Model:
    followable = followable_by_type_name(type_name)
    target = None
    if followable is not None and str(object_id).isdigit():
        target = followable.visible_to(user).filter(pk=int(object_id)).first()
    if target is None:
        raise ActionError.single(
            NotificationsErrorCode.NOT_FOUND, "Nothing to follow with that ID.", "targetId"
        )
    return target


@transaction.atomic
def follow_create(*, user: Any, type_name: str, object_id: str) -> Follow:
    """Follow a visible record; following it again is not an error."""
    _require_user(user)
    target = _followable_object(user=user, type_name=type_name, object_id=object_id)
    content_type = ContentType.objects.get_for_model(target)
    existing = Follow.objects.filter(
        user=user, target_type=content_type, target_id=target.pk
    ).first()
    if existing is not None:
        return existing
    if Follow.objects.filter(user=user).count() >= settings.NOTIFICATIONS_MAX_FOLLOWS:
        raise ActionError.single(
            NotificationsErrorCode.LIMIT_REACHED,
            f"You can follow at most {settings.NOTIFICATIONS_MAX_FOLLOWS} things.",
        )
    try:
        with transaction.atomic():
            return Follow.objects.create(user=user, target_type=content_type, target_id=target.pk)
    except IntegrityError:  # a concurrent request followed it first
        return Follow.objects.get(user=user, target_type=content_type, target_id=target.pk)


@transaction.atomic
def follow_delete(*, user: Any, type_name: str, object_id: str) -> int:
    _require_user(user)
    followable = followable_by_type_name(type_name)
    if followable is None or not str(object_id).isdigit():
        raise ActionError.single(
            NotificationsErrorCode.NOT_FOUND, "Nothing followed with that ID.", "targetId"
        )
    content_type = ContentType.objects.get_for_model(followable.model)
    deleted, _ = Follow.objects.filter(
        user=user, target_type=content_type, target_id=int(object_id)
    ).delete()
    if not deleted:
        raise ActionError.single(
            NotificationsErrorCode.NOT_FOUND, "Nothing followed with that ID.", "targetId"
        )
    return deleted


def event_record(
    *, kind: str, title: str, text: str, subject: models.Model, audiences: list[models.Model]
) -> Event:
    """Record that something happened, inside the caller's transaction, and enqueue its fan-out.

    If the caller's transaction rolls back, neither the event nor its fan-out exist.
    """
    from backend.notifications.tasks import notifications_fan_out

    event = Event.objects.create(
        kind=kind,
        title=title[:300],
        text=text[:500],
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        audiences=[
            [ContentType.objects.get_for_model(audience).pk, audience.pk] for audience in audiences
        ],
    )
    notifications_fan_out.enqueue(event_id=event.pk)
    return event


def _serialize_fan_outs() -> None:
    # Notification ids must be committed in id order so that a subscriber reading "after id N"
    # never skips a lower id committed later. SQLite serializes writers already.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(727001)")


def notifications_fan_out_now(*, event_id: int) -> list[int]:
    """Write one inbox row per follower (idempotent), then ring their sockets.

    Safe to run again after a crash at any point: the unique (user, event) constraint keeps
    rows single, and ringing is only a hint to read the inbox.
    """
    with transaction.atomic():
        _serialize_fan_outs()
        event = Event.objects.select_for_update().get(pk=event_id)
        audience = Q(pk__in=[])
        for content_type_id, object_id in event.audiences:
            audience |= Q(target_type_id=content_type_id, target_id=object_id)
        user_ids = sorted(set(Follow.objects.filter(audience).values_list("user_id", flat=True)))
        already = set(
            Notification.objects.filter(event=event, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
        Notification.objects.bulk_create(
            [
                Notification(
                    user_id=user_id,
                    event=event,
                    kind=event.kind,
                    title=event.title,
                    text=event.text,
                    subject_type_id=event.subject_type_id,
                    subject_id=event.subject_id,
                )
                for user_id in user_ids
                if user_id not in already
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        if event.fanned_out_at is None:
            event.fanned_out_at = timezone.now()
            event.save(update_fields=["fanned_out_at"])
    ring_users(user_ids)
    return user_ids


def ring_users(user_ids: list[int]) -> None:
    """Tell each user's open sockets to read their inbox; a layer outage only delays delivery."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for user_id in user_ids:
            async_to_sync(layer.group_send)(user_group(user_id), {"type": "notifications.ring"})
    except Exception:
        logger.warning("channel layer unavailable; notifications wait in the inbox", exc_info=True)


@transaction.atomic
def notifications_mark_read(*, user: Any, ids: list[int] | None = None, all: bool = False) -> int:
    """Mark the user's own notifications read; ids of other users' notifications match nothing."""
    _require_user(user)
    if not all and not ids:
        raise ActionError.single(NotificationsErrorCode.INVALID, "Give ids, or all: true.", "ids")
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if not all:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())
