from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from backend.common.errors import ActionError
from backend.common.realtime import group_send_many
from backend.notifications.models import Event, Follow, Notification, SavedSearch
from backend.notifications.registry import followable_by_type_name

logger = logging.getLogger(__name__)


class NotificationsErrorCode:
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    LIMIT_REACHED = "LIMIT_REACHED"
    INVALID = "INVALID"
    UNKNOWN_KIND = "UNKNOWN_KIND"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"


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
    *,
    kind: str,
    title: str,
    text: str,
    subject: models.Model,
    audiences: list[models.Model],
    headline_parts: dict[str, str] | None = None,
) -> Event:
    """Record that something happened, inside the caller's transaction, and enqueue its fan-out.

    ``title`` is the headline in English; ``headline_parts`` are what the kind's registered
    headline composes it from in the reader's language (see ``notification_headline``).
    If the caller's transaction rolls back, neither the event nor its fan-out exist.
    """
    from backend.notifications.tasks import notifications_fan_out

    event = Event.objects.create(
        kind=kind,
        title=title[:300],
        headline_parts=headline_parts or {},
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


def _audience_user_ids(audiences: list[list[int]]) -> list[int]:
    """Who hears of an event: the followers of its audiences, and the owner of a saved search
    among them (a saved search is followed by its owner alone)."""
    saved_search_type_id = ContentType.objects.get_for_model(SavedSearch).pk
    follows = Q(pk__in=[])
    saved_search_ids: list[int] = []
    for content_type_id, object_id in audiences:
        if content_type_id == saved_search_type_id:
            saved_search_ids.append(object_id)
        else:
            follows |= Q(target_type_id=content_type_id, target_id=object_id)
    user_ids = set(Follow.objects.filter(follows).values_list("user_id", flat=True))
    if saved_search_ids:
        user_ids.update(
            SavedSearch.objects.filter(pk__in=saved_search_ids).values_list("user_id", flat=True)
        )
    return sorted(user_ids)


def notifications_fan_out_now(*, event_id: int) -> list[int]:
    """Write one inbox row per follower (idempotent), then ring their sockets.

    Safe to run again after a crash at any point: the rows are written in one transaction, the
    unique (user, event) constraint keeps them single, and a ring is only a hint (it carries the
    new row so that a socket need not read it again, see ``_rings``).
    """
    with transaction.atomic():
        _serialize_fan_outs()
        event = Event.objects.select_for_update().get(pk=event_id)
        user_ids = _audience_user_ids(event.audiences)
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
                    headline_parts=event.headline_parts,
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
            _immediate_emails_enqueue(event_id=event.pk)
        rings = _rings(event)
    ring_users(rings)
    return user_ids


def _rings(event: Event) -> dict[int, dict[str, Any]]:
    """Each user's ring: their row of the event, and the id of their notification before it.

    Read inside the fan-out's serialized transaction, so ``previous`` is exact: a socket that has
    sent up to ``previous`` sends this one next without reading the inbox; any other socket reads
    the inbox from where it is. One query for every row of the event.
    """
    previous = (
        Notification.objects.filter(user_id=OuterRef("user_id"), pk__lt=OuterRef("pk"))
        .order_by("-pk")
        .values("pk")[:1]
    )
    rows = (
        Notification.objects.filter(event=event)
        .annotate(previous=Subquery(previous))
        .values_list("pk", "user_id", "previous", "created_at")
    )
    return {
        user_id: {
            "type": "notifications.ring",
            "notification": {
                "id": pk,
                "previous": before or 0,
                "kind": event.kind,
                "title": event.title,
                "headline_parts": event.headline_parts,
                "text": event.text,
                "subject_type_id": event.subject_type_id,
                "subject_id": event.subject_id,
                "created_at": created_at.isoformat(),
            },
        }
        for pk, user_id, before, created_at in rows
    }


def _immediate_emails_enqueue(*, event_id: int) -> None:
    # In the fan-out's transaction, once per event: the mails exist as work as soon as the rows do.
    from backend.notifications.tasks import notifications_email_immediately_task

    notifications_email_immediately_task.enqueue(event_id=event_id)


def ring_users(rings: dict[int, dict[str, Any]]) -> None:
    """Send each user's ring to their open sockets; a layer outage only delays delivery."""
    layer = get_channel_layer()
    if layer is None or not rings:
        return
    messages = {user_group(user_id): message for user_id, message in rings.items()}
    try:
        async_to_sync(group_send_many)(layer, messages)
    except Exception:
        logger.warning("channel layer unavailable; notifications wait in the inbox", exc_info=True)


def notifications_fan_out_recover(*, worker_is_gone: Callable[[str], bool]) -> int:
    """Queue again the fan-outs a worker left unfinished; returns how many.

    django-tasks-db leaves the task of a worker killed mid-run RUNNING for ever, and a failed one
    FAILED. A fan-out is safe to run again, so a RUNNING one goes back to the queue at once when
    ``worker_is_gone(worker_id)`` says its worker stopped, or once it has run for
    NOTIFICATIONS_FAN_OUT_RETRY_SECONDS (its worker may be alive elsewhere: running twice only
    costs time). An event still not fanned out that long after it was recorded, with no fan-out
    waiting or running (it failed, or its task row is gone), gets a new one, at most once per
    that period.
    """
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from backend.notifications.tasks import notifications_fan_out

    cutoff = timezone.now() - dt.timedelta(seconds=settings.NOTIFICATIONS_FAN_OUT_RETRY_SECONDS)
    fan_outs = DBTaskResult.objects.filter(task_path=notifications_fan_out.module_path)
    recovered = 0
    for row in fan_outs.filter(status=TaskResultStatus.RUNNING).only("started_at", "worker_ids"):
        worker_id = row.worker_ids[-1] if row.worker_ids else ""
        if row.started_at is not None and row.started_at > cutoff and not worker_is_gone(worker_id):
            continue
        # Only if nobody finished or re-queued it meanwhile.
        recovered += fan_outs.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        ).update(status=TaskResultStatus.READY)

    stuck = set(
        Event.objects.filter(fanned_out_at__isnull=True, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    if stuck:
        for args_kwargs, status, finished_at in fan_outs.filter(
            args_kwargs__kwargs__event_id__in=sorted(stuck),
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING, TaskResultStatus.FAILED],
        ).values_list("args_kwargs", "status", "finished_at"):
            event_id = (args_kwargs.get("kwargs") or {}).get("event_id")
            if status != TaskResultStatus.FAILED or (finished_at and finished_at > cutoff):
                stuck.discard(event_id)  # waiting, running, or failed too recently to retry
        for event_id in sorted(stuck):
            notifications_fan_out.enqueue(event_id=event_id)
            recovered += 1
    return recovered


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
