"""What every records action shares: error codes, permission checks, the audit and effects seam."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F
from django.utils import timezone

from backend.audit.actions import audit_record, audit_snapshot
from backend.common.errors import ActionError, FieldError
from backend.records.effects import record_changed
from backend.records.models import Meeting
from backend.records.selectors import body_editable_by, meeting_visible_to


class RecordsErrorCode:
    UNAUTHENTICATED = "UNAUTHENTICATED"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    ALREADY_PUBLISHED = "ALREADY_PUBLISHED"
    NOT_PUBLISHED = "NOT_PUBLISHED"
    ALREADY_ADOPTED = "ALREADY_ADOPTED"
    INVALID_STATUS_TRANSITION = "INVALID_STATUS_TRANSITION"
    NOT_A_MEMBER = "NOT_A_MEMBER"
    NO_CHANGE = "NO_CHANGE"
    # Raised by document uploads.
    NOT_PDF = "NOT_PDF"
    TOO_LARGE = "TOO_LARGE"
    TOO_MANY_PAGES = "TOO_MANY_PAGES"
    EMPTY_FILE = "EMPTY_FILE"
    UNREADABLE = "UNREADABLE"


Codes = RecordsErrorCode


def require_actor(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise ActionError.single(Codes.UNAUTHENTICATED, "Sign in to change meeting records.")


def require_body_editable(*, actor: Any, body_id: int) -> None:
    require_actor(actor)
    if not body_editable_by(user=actor, body_id=body_id):
        raise ActionError.single(
            Codes.PERMISSION_DENIED, "You may not edit this body's records.", "body"
        )


def require_meeting_editable(*, actor: Any, meeting: Meeting, field: str = "meetingId") -> None:
    """A meeting the actor cannot even see does not exist for them; one they see but may not edit
    is refused."""
    require_actor(actor)
    if not meeting_visible_to(user=actor, meeting=meeting):
        raise ActionError.single(Codes.NOT_FOUND, "No such meeting.", field)
    if not body_editable_by(user=actor, body_id=meeting.body_id):
        raise ActionError.single(
            Codes.PERMISSION_DENIED, "You may not edit this body's records.", field
        )


def locked_meeting(meeting: Meeting) -> Meeting:
    """The meeting's current row, locked until the transaction ends."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def meeting_touch(meeting: Meeting) -> None:
    """A change to part of a meeting (items, votes, minutes) is a change to the meeting."""
    Meeting.objects.filter(pk=meeting.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    meeting.refresh_from_db(fields=["revision", "updated_at"])


def audit(
    *,
    actor: Any,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        action=action,
        instance=instance,
        before=before,
        after=audit_snapshot(instance) if after is None else after,
    )


def public_change(*, meeting: Meeting, instances: list[models.Model], was_public: bool) -> None:
    """Tell the search index and feeds about a change the public could see (or saw before)."""
    if meeting.is_published or was_public:
        for instance in instances:
            record_changed(instance=instance)


def check_text(
    errors: list[FieldError],
    value: Any,
    *,
    field: str,
    label: str,
    max_length: int | None = None,
    required: bool = False,
    strip: bool = True,
) -> str:
    text = "" if value is None else value
    if not isinstance(text, str):
        errors.append(FieldError(Codes.INVALID, f"{label} must be text.", field))
        return ""
    if strip:
        text = text.strip()
    if required and not text.strip():
        errors.append(FieldError(Codes.REQUIRED, f"{label} is required.", field))
    elif max_length is not None and len(text) > max_length:
        errors.append(
            FieldError(Codes.TOO_LONG, f"{label} is at most {max_length} characters.", field)
        )
    return text


def check_url(errors: list[FieldError], value: str | None, *, field: str, label: str) -> str:
    url = check_text(errors, value, field=field, label=label, max_length=200)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors.append(FieldError(Codes.INVALID, f"{label} must be an http(s) URL.", field))
    return url


def town_time(value: datetime) -> datetime:
    """Naive times are the Town's local time."""
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def check_choice(
    errors: list[FieldError], value: Any, *, choices: type[models.TextChoices], field: str
) -> str:
    value = getattr(value, "value", value)
    if value not in choices.values:
        errors.append(
            FieldError(Codes.INVALID, f"Choose one of: {', '.join(choices.values)}.", field)
        )
    return value


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ActionError(errors)
