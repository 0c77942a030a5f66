"""Email preferences per kind of notification: read them, change them, unsubscribe.

In the inbox every notification always arrives; email is per kind: off, immediately, or in the
daily digest. A kind the user never chose gets the default its domain registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.common.errors import ActionError, FieldError
from backend.notifications.actions import NotificationsErrorCode
from backend.notifications.models import EmailMode, EmailPreference
from backend.notifications.registry import (
    NotificationKind,
    notification_kind,
    notification_kinds,
)

UNSUBSCRIBE_ALL = "all"


@dataclass(frozen=True)
class KindPreference:
    kind: NotificationKind
    email: str  # an EmailMode value


def email_modes_of(*, user_id: int) -> dict[str, str]:
    """Every registered kind's email delivery for one user."""
    chosen = dict(EmailPreference.objects.filter(user_id=user_id).values_list("kind", "email"))
    return {item.kind: chosen.get(item.kind, item.email_default) for item in notification_kinds()}


def email_modes_for_kind(*, user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """One kind's email delivery for many users; "off" for everyone when it is not registered."""
    user_ids = list(user_ids)
    registered = notification_kind(kind)
    if registered is None:
        return dict.fromkeys(user_ids, EmailMode.OFF.value)
    chosen = dict(
        EmailPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "email"
        )
    )
    return {user_id: chosen.get(user_id, registered.email_default) for user_id in user_ids}


def notification_preferences_for(*, user: Any) -> list[KindPreference]:
    """The user's email delivery of each registered kind; nothing for anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return []
    modes = email_modes_of(user_id=user.pk)
    return [KindPreference(kind=item, email=modes[item.kind]) for item in notification_kinds()]


def _preferences_write(*, user_id: int, modes: dict[str, str]) -> None:
    now = timezone.now()
    EmailPreference.objects.bulk_create(
        [
            EmailPreference(user_id=user_id, kind=kind, email=email, updated_at=now)
            for kind, email in modes.items()
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["email", "updated_at"],
    )


def notification_preferences_update(
    *, user: Any, changes: list[tuple[str, str]]
) -> list[KindPreference]:
    """Set the email delivery of the given kinds for the user; every change is checked first.

    A single unknown kind, unknown delivery or repeated kind refuses the whole update.
    """
    if not getattr(user, "is_authenticated", False):
        raise ActionError.single(NotificationsErrorCode.UNAUTHENTICATED, "Sign in first.")
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, (kind, email) in enumerate(changes):
        if notification_kind(kind) is None:
            errors.append(
                FieldError(
                    code=NotificationsErrorCode.UNKNOWN_KIND,
                    message=f"There is no kind of notification called {kind!r}.",
                    field=f"input.{index}.kind",
                )
            )
        elif kind in seen:
            errors.append(
                FieldError(
                    code=NotificationsErrorCode.INVALID,
                    message=f"The kind {kind!r} is given more than once.",
                    field=f"input.{index}.kind",
                )
            )
        seen.add(kind)
        if email not in EmailMode.values:
            errors.append(
                FieldError(
                    code=NotificationsErrorCode.INVALID,
                    message="Email is off, immediate or daily.",
                    field=f"input.{index}.email",
                )
            )
    if errors:
        raise ActionError(errors)
    if changes:
        with transaction.atomic():
            _preferences_write(user_id=user.pk, modes=dict(changes))
    return notification_preferences_for(user=user)


def email_unsubscribe(*, user_id: int, kind: str) -> list[NotificationKind]:
    """Turn email off for one kind, or for every kind with ``"all"``; returns the kinds turned off.

    Reached through a signed link, so it needs no sign-in; an unknown kind changes nothing.
    """
    if kind == UNSUBSCRIBE_ALL:
        kinds = notification_kinds()
    else:
        registered = notification_kind(kind)
        if registered is None:
            raise ActionError.single(
                NotificationsErrorCode.UNKNOWN_KIND, "That kind of notification no longer exists."
            )
        kinds = [registered]
    with transaction.atomic():
        _preferences_write(
            user_id=user_id, modes={item.kind: EmailMode.OFF.value for item in kinds}
        )
    return kinds
