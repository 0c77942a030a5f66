"""Notifications by email: one mail per notification, or one digest per day, never twice.

Every mail has a plain-text and an HTML part, is written in the recipient's language, and carries
a signed one-click unsubscribe link (RFC 8058). Only users whose address is verified get mail.

A notification is marked ``emailed_at`` in the same transaction that sends it, so a crash before
the mail server accepted it leaves it unmarked and it goes on the next run, and a run after the
commit skips it. The one window left is a crash after the server accepted a mail and before the
mark commits: that one mail can go out again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy

from backend.common.errors import ActionError
from backend.notifications.actions import NotificationsErrorCode
from backend.notifications.models import EmailDigest, EmailMode, Notification
from backend.notifications.preferences import (
    UNSUBSCRIBE_ALL,
    email_modes_for_kind,
    email_modes_of,
)
from backend.notifications.registry import (
    notification_headline,
    notification_kind,
    reader_language,
    subject_path,
)

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "backend.notifications.unsubscribe"


# Signed unsubscribe links


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A token naming a user and a kind (or "all"), signed and dated; no sign-in needed."""
    return signing.dumps([user_id, kind], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """The user and kind a token names; raises ``signing.BadSignature`` (or its subclass
    ``signing.SignatureExpired``) when it was altered or is too old."""
    value = signing.loads(
        token,
        salt=UNSUBSCRIBE_SALT,
        max_age=dt.timedelta(days=settings.NOTIFICATIONS_UNSUBSCRIBE_LINK_DAYS),
    )
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        raise signing.BadSignature("Unexpected unsubscribe token content.")
    return value[0], value[1]


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    path = reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)]
    )
    return settings.PUBLIC_URL.rstrip("/") + path


# Composing a mail


def notification_link(notification: Notification) -> str | None:
    """Where the web app shows the notification's subject, when its domain registered a path."""
    path = subject_path(
        model=notification.subject_type.model_class(), object_id=notification.subject_id
    )
    return settings.FRONTEND_URL.rstrip("/") + path if path else None


def _kind_label(kind: str) -> Any:
    """The kind's label, lazy: it is put into words in the recipient's language."""
    registered = notification_kind(kind)
    return registered.label if registered else kind


def _headline_now(notification: Notification) -> str:
    return notification_headline(
        kind=notification.kind, title=notification.title, parts=notification.headline_parts
    )


# Put into words when the mail is rendered, in the recipient's language.
_headline = lazy(_headline_now, str)


def _item(notification: Notification) -> dict[str, Any]:
    return {
        "title": _headline(notification),
        "text": notification.text,
        "label": _kind_label(notification.kind),
        "link": notification_link(notification),
        "when": timezone.localtime(notification.created_at),
    }


def _message(
    *, user: Any, template: str, context: dict[str, Any], unsubscribe: str
) -> EmailMultiAlternatives:
    context = {**context, "user": user, "unsubscribe_url": unsubscribe}
    with translation.override(reader_language(user)):
        subject = render_to_string(f"notifications/email/{template}_subject.txt", context)
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_message(*, user: Any, notification: Notification) -> EmailMultiAlternatives:
    return _message(
        user=user,
        template="immediate",
        context={"item": _item(notification)},
        unsubscribe=unsubscribe_url(user_id=user.pk, kind=notification.kind),
    )


def digest_message(
    *, user: Any, day: dt.date, notifications: list[Notification]
) -> EmailMultiAlternatives:
    return _message(
        user=user,
        template="digest",
        context={"day": day, "items": [_item(item) for item in notifications]},
        unsubscribe=unsubscribe_url(user_id=user.pk, kind=UNSUBSCRIBE_ALL),
    )


# Who may receive mail


def email_recipients(*, user_ids: Iterable[int]) -> dict[int, Any]:
    """The active users among ``user_ids`` whose account address is verified, by id."""
    user_ids = list(user_ids)
    verified = {
        (user_id, email.lower())
        for user_id, email in EmailAddress.objects.filter(
            user_id__in=user_ids, verified=True
        ).values_list("user_id", "email")
    }
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    return {user.pk: user for user in users if (user.pk, user.email.lower()) in verified}


# One mail per notification


def _notification_email_send(*, notification_id: int, user: Any) -> bool:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("subject_type")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:  # another run sent it
            return False
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        # Sent last: if the mail server refuses it, the mark rolls back and the next run retries.
        notification_message(user=user, notification=notification).send()
    return True


@dataclass(frozen=True)
class ImmediateSummary:
    sent: int
    failed: int  # left unmarked, for the next run


def notifications_email_immediately(*, event_id: int) -> ImmediateSummary:
    """Mail each notification of an event to its user when they asked for that kind at once.

    Safe to run again: a notification already emailed is skipped. A mail the server refuses is
    logged and left unmarked, and the others still go; the caller runs it again later.
    """
    pending = list(
        Notification.objects.filter(event_id=event_id, emailed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "user_id", "kind")
    )
    if not pending:
        return ImmediateSummary(sent=0, failed=0)
    kind = pending[0][2]  # one event, one kind
    modes = email_modes_for_kind(user_ids=[user_id for _, user_id, _ in pending], kind=kind)
    recipients = email_recipients(
        user_ids=[user_id for user_id, mode in modes.items() if mode == EmailMode.IMMEDIATE]
    )
    sent = failed = 0
    for notification_id, user_id, _ in pending:
        user = recipients.get(user_id)
        if user is None:
            continue
        try:
            if _notification_email_send(notification_id=notification_id, user=user):
                sent += 1
        except Exception:
            failed += 1
            logger.exception("notification %s could not be emailed", notification_id)
    return ImmediateSummary(sent=sent, failed=failed)


# The daily digest


@dataclass(frozen=True)
class DigestSummary:
    day: dt.date
    digests: int  # mails sent
    notifications: int  # notifications they held
    failures: int  # users whose mail could not be sent; a later run retries them


def town_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of ``day`` and of the day after, in the Town's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def digest_send(*, user: Any, day: dt.date) -> int:
    """Send one user's digest of ``day``: that day's unsent notifications of their daily kinds.

    Sends nothing when the digest of that day went already, or when there is nothing to hold.
    Returns how many notifications the digest held (0 when none was sent).
    """
    if EmailDigest.objects.filter(user=user, day=day).exists():
        return 0
    daily = [
        kind for kind, mode in email_modes_of(user_id=user.pk).items() if mode == EmailMode.DAILY
    ]
    if not daily:
        return 0
    start, end = town_day_bounds(day)
    try:
        with transaction.atomic():
            notifications = list(
                Notification.objects.select_for_update(of=("self",))
                .select_related("subject_type")
                .filter(
                    user=user,
                    kind__in=daily,
                    created_at__gte=start,
                    created_at__lt=end,
                    emailed_at__isnull=True,
                )
                .order_by("created_at", "pk")
            )
            if not notifications:
                return 0
            # A concurrent run for the same user and day waits here, then finds the digest sent.
            EmailDigest.objects.create(user=user, day=day, notification_count=len(notifications))
            Notification.objects.filter(pk__in=[item.pk for item in notifications]).update(
                emailed_at=timezone.now()
            )
            digest_message(user=user, day=day, notifications=notifications).send()
    except IntegrityError:
        return 0
    return len(notifications)


def digests_send(*, day: dt.date) -> DigestSummary:
    """Send every user's digest of ``day`` (a day in the Town's time zone that has ended).

    Running it again for the same day sends nothing new. A user whose mail fails is logged and
    skipped; nothing was marked for them, so the next run for that day retries them.
    """
    if day >= timezone.localdate():
        raise ActionError.single(
            NotificationsErrorCode.INVALID,
            f"{day.isoformat()} has not ended yet in the Town's time zone.",
            "date",
        )
    start, end = town_day_bounds(day)
    user_ids = (
        Notification.objects.filter(
            created_at__gte=start, created_at__lt=end, emailed_at__isnull=True
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    recipients = email_recipients(user_ids=user_ids)
    digests = held = failures = 0
    for user_id in sorted(recipients):
        try:
            count = digest_send(user=recipients[user_id], day=day)
        except Exception:
            failures += 1
            logger.exception("the digest of %s for user %s could not be sent", day, user_id)
            continue
        if count:
            digests += 1
            held += count
    return DigestSummary(day=day, digests=digests, notifications=held, failures=failures)


def yesterday_in_town() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)
