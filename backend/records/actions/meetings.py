"""Meetings: create, edit, publish and unpublish, cancel and postpone, and the live status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.audit.actions import audit_snapshot
from backend.common.errors import ActionError, FieldError
from backend.records.actions.base import (
    Codes,
    audit,
    check_text,
    check_url,
    locked_meeting,
    public_change,
    raise_if,
    require_body_editable,
    require_meeting_editable,
    town_time,
)
from backend.records.events import meeting_event, meeting_live_broadcast
from backend.records.models import AgendaItem, Body, Meeting, PublicationEvent

# Python name of each editable field -> the input field named in errors.
MEETING_FIELDS = {
    "title": "title",
    "starts_at": "startsAt",
    "ends_at": "endsAt",
    "location": "location",
    "livestream_url": "livestreamUrl",
    "video_url": "videoUrl",
}

LIVE_STATUSES = (
    Meeting.Status.IN_PROGRESS,
    Meeting.Status.RECESSED,
    Meeting.Status.ADJOURNED,
)
LIVE_TRANSITIONS: dict[str, set[str]] = {
    Meeting.Status.SCHEDULED: {Meeting.Status.IN_PROGRESS},
    Meeting.Status.IN_PROGRESS: {
        Meeting.Status.IN_PROGRESS,
        Meeting.Status.RECESSED,
        Meeting.Status.ADJOURNED,
    },
    Meeting.Status.RECESSED: {Meeting.Status.IN_PROGRESS, Meeting.Status.ADJOURNED},
}


def _clean_meeting(values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned = {
        "title": check_text(
            errors, values["title"], field="title", label="Title", max_length=300, required=True
        ),
        "location": check_text(
            errors, values["location"], field="location", label="Location", max_length=300
        ),
        "livestream_url": check_url(
            errors, values["livestream_url"], field="livestreamUrl", label="Livestream URL"
        ),
        "video_url": check_url(errors, values["video_url"], field="videoUrl", label="Video URL"),
    }
    starts_at, ends_at = values["starts_at"], values["ends_at"]
    if not isinstance(starts_at, datetime):
        errors.append(FieldError(Codes.REQUIRED, "A start time is required.", "startsAt"))
    else:
        starts_at = town_time(starts_at)
    if ends_at is not None:
        if not isinstance(ends_at, datetime):
            errors.append(FieldError(Codes.INVALID, "The end must be a time.", "endsAt"))
        else:
            ends_at = town_time(ends_at)
            if isinstance(starts_at, datetime) and ends_at < starts_at:
                errors.append(
                    FieldError(Codes.INVALID, "The meeting cannot end before it starts.", "endsAt")
                )
    raise_if(errors)
    cleaned["starts_at"] = starts_at
    cleaned["ends_at"] = ends_at
    return cleaned


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    body: Body,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None = None,
    location: str = "",
    livestream_url: str = "",
    video_url: str = "",
) -> Meeting:
    """Create a draft meeting: only the body's clerks and administrators see it until published."""
    require_body_editable(actor=actor, body_id=body.pk)
    cleaned = _clean_meeting(
        {
            "title": title,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "location": location,
            "livestream_url": livestream_url,
            "video_url": video_url,
        }
    )
    meeting = Meeting.objects.create(body=body, **cleaned)
    audit(actor=actor, action="meeting.create", instance=meeting, before=None)
    return meeting


@transaction.atomic
def meeting_update(*, actor: Any, meeting: Meeting, **changes: Any) -> Meeting:
    """Change a meeting's details; fields not given stay as they are."""
    require_meeting_editable(actor=actor, meeting=meeting)
    unknown = sorted(set(changes) - set(MEETING_FIELDS))
    if unknown:
        raise ActionError(
            [FieldError(Codes.INVALID, f"{name} cannot be changed here.", name) for name in unknown]
        )
    meeting = locked_meeting(meeting)
    before = audit_snapshot(meeting)
    current = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    cleaned = _clean_meeting({**current, **changes})
    changed = [name for name in changes if cleaned[name] != current[name]]
    if not changed:
        return meeting
    for name in changed:
        setattr(meeting, name, cleaned[name])
    meeting.revision += 1
    meeting.save(update_fields=[*changed, "revision", "updated_at"])
    audit(actor=actor, action="meeting.update", instance=meeting, before=before)
    public_change(meeting=meeting, instances=[meeting], was_public=meeting.is_published)
    return meeting


def _history(meeting: Meeting, action: str, actor: Any, reason: str = "") -> None:
    PublicationEvent.objects.create(meeting=meeting, action=action, actor=actor, reason=reason)


def _reason(reason: str | None) -> str:
    errors: list[FieldError] = []
    text = check_text(errors, reason, field="reason", label="A reason", required=True)
    raise_if(errors)
    return text


@transaction.atomic
def meeting_publish(*, actor: Any, meeting: Meeting) -> Meeting:
    """Make a draft meeting public."""
    require_meeting_editable(actor=actor, meeting=meeting)
    meeting = locked_meeting(meeting)
    if meeting.is_published:
        raise ActionError.single(Codes.ALREADY_PUBLISHED, "The meeting is already published.")
    before = audit_snapshot(meeting)
    meeting.published_at = timezone.now()
    meeting.revision += 1
    meeting.save(update_fields=["published_at", "revision", "updated_at"])
    _history(meeting, PublicationEvent.Action.PUBLISHED, actor)
    audit(actor=actor, action="meeting.publish", instance=meeting, before=before)
    public_change(meeting=meeting, instances=[meeting], was_public=False)
    has_agenda = meeting.agenda_items.exists()
    meeting_event(
        kind="agenda_published" if has_agenda else "meeting_scheduled",
        meeting=meeting,
        title=f"{'Agenda published' if has_agenda else 'Meeting scheduled'}: {meeting.title}",
    )
    meeting_live_broadcast(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_unpublish(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """Take a meeting back to draft; its publication history keeps why."""
    require_meeting_editable(actor=actor, meeting=meeting)
    text = _reason(reason)
    meeting = locked_meeting(meeting)
    if not meeting.is_published:
        raise ActionError.single(Codes.NOT_PUBLISHED, "The meeting is not published.")
    before = audit_snapshot(meeting)
    meeting.published_at = None
    meeting.revision += 1
    meeting.save(update_fields=["published_at", "revision", "updated_at"])
    _history(meeting, PublicationEvent.Action.UNPUBLISHED, actor, text)
    audit(actor=actor, action="meeting.unpublish", instance=meeting, before=before)
    public_change(meeting=meeting, instances=[meeting], was_public=True)
    return meeting


def _status_change(
    *,
    actor: Any,
    meeting: Meeting,
    reason: str,
    status: str,
    allowed_from: set[str],
    action: str,
) -> Meeting:
    require_meeting_editable(actor=actor, meeting=meeting)
    text = _reason(reason)
    meeting = locked_meeting(meeting)
    if meeting.status not in allowed_from:
        raise ActionError.single(
            Codes.INVALID_STATUS_TRANSITION,
            f"A {meeting.get_status_display().lower()} meeting cannot be {status}.",
            "status",
        )
    before = audit_snapshot(meeting)
    meeting.status = status
    meeting.status_reason = text
    meeting.revision += 1
    meeting.save(update_fields=["status", "status_reason", "revision", "updated_at"])
    _history(meeting, status, actor, text)
    audit(actor=actor, action=action, instance=meeting, before=before)
    public_change(meeting=meeting, instances=[meeting], was_public=meeting.is_published)
    meeting_event(
        kind=f"meeting_{status}",
        meeting=meeting,
        title=f"Meeting {status}: {meeting.title}",
        text=text,
    )
    meeting_live_broadcast(meeting=meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """Cancel a meeting; a published one stays public, showing the status and the reason."""
    return _status_change(
        actor=actor,
        meeting=meeting,
        reason=reason,
        status=Meeting.Status.CANCELLED,
        allowed_from={Meeting.Status.SCHEDULED, Meeting.Status.POSTPONED},
        action="meeting.cancel",
    )


@transaction.atomic
def meeting_postpone(*, actor: Any, meeting: Meeting, reason: str) -> Meeting:
    """Postpone a meeting; a published one stays public, showing the status and the reason."""
    return _status_change(
        actor=actor,
        meeting=meeting,
        reason=reason,
        status=Meeting.Status.POSTPONED,
        allowed_from={Meeting.Status.SCHEDULED},
        action="meeting.postpone",
    )


@transaction.atomic
def meeting_status_set(
    *, actor: Any, meeting: Meeting, status: str, current_item: AgendaItem | None = None
) -> Meeting:
    """Follow a published meeting live: in progress (on an item), recessed, adjourned."""
    require_meeting_editable(actor=actor, meeting=meeting)
    status = getattr(status, "value", status)
    if status not in LIVE_STATUSES:
        raise ActionError.single(
            Codes.INVALID, "The live status is in_progress, recessed or adjourned.", "status"
        )
    if current_item is not None and current_item.meeting_id != meeting.pk:
        raise ActionError.single(
            Codes.INVALID, "The current item must be on this meeting's agenda.", "currentItemId"
        )
    meeting = locked_meeting(meeting)
    if not meeting.is_published:
        raise ActionError.single(Codes.NOT_PUBLISHED, "Publish the meeting before it starts.")
    if status not in LIVE_TRANSITIONS.get(meeting.status, set()):
        raise ActionError.single(
            Codes.INVALID_STATUS_TRANSITION,
            f"A {meeting.get_status_display().lower()} meeting cannot become {status}.",
            "status",
        )
    before = audit_snapshot(meeting)
    meeting.status = status
    if status == Meeting.Status.ADJOURNED:
        meeting.current_item = None
    elif current_item is not None:
        meeting.current_item = current_item
    meeting.revision += 1
    meeting.save(update_fields=["status", "current_item", "revision", "updated_at"])
    audit(actor=actor, action="meeting.status_set", instance=meeting, before=before)
    public_change(meeting=meeting, instances=[meeting], was_public=True)
    meeting_event(
        kind="meeting_status_changed",
        meeting=meeting,
        title=f"{meeting.get_status_display()}: {meeting.title}",
        text=str(meeting.current_item) if meeting.current_item else "",
        status=meeting.status,
    )
    meeting_live_broadcast(meeting=meeting)
    return meeting
