"""Minutes: a draft, published for review, adopted by a later meeting, and corrected in versions."""

from __future__ import annotations

import difflib
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.audit.actions import audit_snapshot
from backend.common.errors import ActionError, FieldError
from backend.records.actions.base import (
    Codes,
    audit,
    check_text,
    locked_meeting,
    meeting_touch,
    public_change,
    raise_if,
    require_meeting_editable,
)
from backend.records.events import meeting_event
from backend.records.models import Meeting, Minutes, MinutesVersion
from backend.records.selectors import meeting_visible_to


def minutes_diff(previous: MinutesVersion | None, text: str, number: int) -> str:
    """The unified diff from the previous version's text (empty for the first version)."""
    if previous is None:
        return ""
    return "".join(
        difflib.unified_diff(
            previous.text.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"version {previous.number}",
            tofile=f"version {number}",
        )
    )


def _text(value: str) -> str:
    errors: list[FieldError] = []
    text = check_text(
        errors, value, field="text", label="The minutes' text", required=True, strip=False
    )
    raise_if(errors)
    return text


def _locked_minutes(minutes: Minutes) -> Minutes:
    return Minutes.objects.select_for_update().get(pk=minutes.pk)


@transaction.atomic
def minutes_draft_save(*, actor: Any, meeting: Meeting, text: str) -> Minutes:
    """Write or rewrite the draft minutes; only the body's editors see a draft."""
    require_meeting_editable(actor=actor, meeting=meeting)
    text = _text(text)
    meeting = locked_meeting(meeting)
    minutes, created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
    if minutes.status != Minutes.Status.DRAFT:
        raise ActionError.single(
            Codes.ALREADY_PUBLISHED, "The minutes are published: correct them instead."
        )
    before = None if created else audit_snapshot(minutes.versions.get(number=1))
    version, _ = MinutesVersion.objects.update_or_create(
        minutes=minutes, number=1, defaults={"text": text, "created_by": actor}
    )
    meeting_touch(meeting)
    audit(actor=actor, action="minutes.draft_save", instance=version, before=before)
    return minutes


@transaction.atomic
def minutes_publish(*, actor: Any, meeting: Meeting, text: str) -> Minutes:
    """Publish the minutes of a published meeting with this text, not yet adopted."""
    require_meeting_editable(actor=actor, meeting=meeting)
    text = _text(text)
    meeting = locked_meeting(meeting)
    if not meeting.is_published:
        raise ActionError.single(
            Codes.NOT_PUBLISHED, "Publish the meeting before its minutes.", "meetingId"
        )
    minutes, created = Minutes.objects.select_for_update().get_or_create(meeting=meeting)
    if minutes.status != Minutes.Status.DRAFT:
        raise ActionError.single(
            Codes.ALREADY_PUBLISHED, "The minutes are already published: correct them instead."
        )
    before = None if created else audit_snapshot(minutes)
    MinutesVersion.objects.update_or_create(
        minutes=minutes,
        number=1,
        defaults={"text": text, "created_by": actor, "reason": "", "diff": ""},
    )
    minutes.status = Minutes.Status.PUBLISHED
    minutes.published_at = timezone.now()
    minutes.save(update_fields=["status", "published_at", "updated_at"])
    meeting_touch(meeting)
    audit(actor=actor, action="minutes.publish", instance=minutes, before=before)
    public_change(meeting=meeting, instances=[minutes, meeting], was_public=False)
    meeting_event(kind="minutes_published", meeting=meeting, title=f"Minutes published: {meeting}")
    return minutes


@transaction.atomic
def minutes_adopt(*, actor: Any, minutes: Minutes, adopted_by_meeting: Meeting) -> Minutes:
    """Record that a later meeting of the same body adopted these published minutes."""
    meeting = minutes.meeting
    require_meeting_editable(actor=actor, meeting=meeting, field="minutesId")
    if not meeting_visible_to(user=actor, meeting=adopted_by_meeting):
        raise ActionError.single(Codes.NOT_FOUND, "No such meeting.", "adoptedByMeetingId")
    if adopted_by_meeting.body_id != meeting.body_id or adopted_by_meeting.pk == meeting.pk:
        raise ActionError.single(
            Codes.INVALID,
            "Minutes are adopted by another meeting of the same body.",
            "adoptedByMeetingId",
        )
    if adopted_by_meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.POSTPONED):
        raise ActionError.single(
            Codes.INVALID,
            "A cancelled or postponed meeting adopts nothing.",
            "adoptedByMeetingId",
        )
    if adopted_by_meeting.starts_at < meeting.starts_at:
        raise ActionError.single(
            Codes.INVALID,
            "Minutes are adopted by a later meeting.",
            "adoptedByMeetingId",
        )
    meeting = locked_meeting(meeting)
    minutes = _locked_minutes(minutes)
    if minutes.status == Minutes.Status.DRAFT:
        raise ActionError.single(Codes.NOT_PUBLISHED, "Publish the minutes before adopting them.")
    if minutes.status == Minutes.Status.ADOPTED:
        raise ActionError.single(Codes.ALREADY_ADOPTED, "The minutes are already adopted.")
    before = audit_snapshot(minutes)
    minutes.status = Minutes.Status.ADOPTED
    minutes.adopted_at = timezone.now()
    minutes.adopted_by_meeting = adopted_by_meeting
    minutes.save(update_fields=["status", "adopted_at", "adopted_by_meeting", "updated_at"])
    meeting_touch(meeting)
    audit(actor=actor, action="minutes.adopt", instance=minutes, before=before)
    public_change(meeting=meeting, instances=[minutes, meeting], was_public=False)
    meeting_event(kind="minutes_adopted", meeting=meeting, title=f"Minutes adopted: {meeting}")
    return minutes


@transaction.atomic
def minutes_correct(*, actor: Any, minutes: Minutes, text: str, reason: str) -> MinutesVersion:
    """Correct published minutes: a new version with who, when, why and the diff; none is lost."""
    meeting = minutes.meeting
    require_meeting_editable(actor=actor, meeting=meeting, field="minutesId")
    errors: list[FieldError] = []
    text = check_text(
        errors, text, field="text", label="The minutes' text", required=True, strip=False
    )
    reason = check_text(errors, reason, field="reason", label="A reason", required=True)
    raise_if(errors)
    meeting = locked_meeting(meeting)
    minutes = _locked_minutes(minutes)
    if minutes.status == Minutes.Status.DRAFT:
        raise ActionError.single(
            Codes.NOT_PUBLISHED, "Draft minutes are edited, not corrected: publish them first."
        )
    previous = minutes.versions.order_by("-number").first()
    if previous is not None and previous.text == text:
        raise ActionError.single(
            Codes.NO_CHANGE, "The text is the same as the current version.", "text"
        )
    number = (previous.number if previous else 0) + 1
    version = MinutesVersion.objects.create(
        minutes=minutes,
        number=number,
        text=text,
        reason=reason,
        diff=minutes_diff(previous, text, number),
        created_by=actor,
    )
    minutes.save(update_fields=["updated_at"])
    meeting_touch(meeting)
    audit(actor=actor, action="minutes.correct", instance=version, before=None)
    public_change(meeting=meeting, instances=[minutes, meeting], was_public=False)
    return version
