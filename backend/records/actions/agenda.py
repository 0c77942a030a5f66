"""Agenda items: add, edit, and put in order."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from backend.audit.actions import audit_snapshot
from backend.common.errors import ActionError, FieldError
from backend.records.actions.base import (
    Codes,
    audit,
    check_choice,
    check_text,
    locked_meeting,
    meeting_touch,
    public_change,
    raise_if,
    require_meeting_editable,
)
from backend.records.models import AgendaItem, Meeting

ITEM_FIELDS = {
    "title": "title",
    "kind": "kind",
    "number": "number",
    "description": "description",
    "recommendation": "recommendation",
    "outcome": "outcome",
    "is_closed_session": "isClosedSession",
}


def _clean_item(values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    cleaned = {
        "title": check_text(
            errors, values["title"], field="title", label="Title", max_length=500, required=True
        ),
        "kind": check_choice(errors, values["kind"], choices=AgendaItem.Kind, field="kind"),
        "number": check_text(
            errors, values["number"], field="number", label="Number", max_length=20
        ),
        "description": check_text(
            errors, values["description"], field="description", label="Description"
        ),
        "recommendation": check_text(
            errors, values["recommendation"], field="recommendation", label="Recommendation"
        ),
        "outcome": check_text(errors, values["outcome"], field="outcome", label="Outcome"),
        "is_closed_session": values["is_closed_session"],
    }
    if not isinstance(cleaned["is_closed_session"], bool):
        errors.append(
            FieldError(Codes.INVALID, "Closed session is true or false.", "isClosedSession")
        )
    raise_if(errors)
    return cleaned


@transaction.atomic
def agenda_item_create(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    kind: str = AgendaItem.Kind.OTHER,
    number: str = "",
    description: str = "",
    recommendation: str = "",
    is_closed_session: bool = False,
) -> AgendaItem:
    """Add an item at the end of the meeting's agenda."""
    require_meeting_editable(actor=actor, meeting=meeting)
    cleaned = _clean_item(
        {
            "title": title,
            "kind": kind,
            "number": number,
            "description": description,
            "recommendation": recommendation,
            "outcome": "",
            "is_closed_session": is_closed_session,
        }
    )
    meeting = locked_meeting(meeting)
    last = meeting.agenda_items.aggregate(last=Max("position"))["last"]
    item = AgendaItem.objects.create(meeting=meeting, position=(last or 0) + 1, **cleaned)
    meeting_touch(meeting)
    audit(actor=actor, action="agenda_item.create", instance=item, before=None)
    public_change(meeting=meeting, instances=[item, meeting], was_public=False)
    return item


@transaction.atomic
def agenda_item_update(*, actor: Any, item: AgendaItem, **changes: Any) -> AgendaItem:
    """Change an item; fields not given stay as they are."""
    require_meeting_editable(actor=actor, meeting=item.meeting, field="agendaItemId")
    unknown = sorted(set(changes) - set(ITEM_FIELDS))
    if unknown:
        raise ActionError(
            [FieldError(Codes.INVALID, f"{name} cannot be changed here.", name) for name in unknown]
        )
    meeting = locked_meeting(item.meeting)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    before = audit_snapshot(item)
    current = {name: getattr(item, name) for name in ITEM_FIELDS}
    cleaned = _clean_item({**current, **changes})
    changed = [name for name in changes if cleaned[name] != current[name]]
    if not changed:
        return item
    for name in changed:
        setattr(item, name, cleaned[name])
    item.revision += 1
    item.save(update_fields=[*changed, "revision", "updated_at"])
    meeting_touch(meeting)
    audit(actor=actor, action="agenda_item.update", instance=item, before=before)
    public_change(meeting=meeting, instances=[item, meeting], was_public=False)
    return item


@transaction.atomic
def agenda_item_reorder(*, actor: Any, meeting: Meeting, item_ids: list[int]) -> Meeting:
    """Put the agenda in the given order; the list must hold each of the meeting's items once."""
    require_meeting_editable(actor=actor, meeting=meeting)
    meeting = locked_meeting(meeting)
    items = {item.pk: item for item in meeting.agenda_items.select_for_update()}
    if len(item_ids) != len(set(item_ids)) or set(item_ids) != set(items):
        raise ActionError.single(
            Codes.INVALID, "List every item of this meeting's agenda exactly once.", "itemIds"
        )
    before = {
        "order": [item.pk for item in sorted(items.values(), key=lambda i: (i.position, i.pk))]
    }
    moved = []
    for position, pk in enumerate(item_ids, start=1):
        item = items[pk]
        if item.position != position:
            item.position = position
            item.revision += 1
            moved.append(item)
    if not moved:
        return meeting
    AgendaItem.objects.bulk_update(moved, ["position", "revision"])
    meeting_touch(meeting)
    audit(
        actor=actor,
        action="agenda_item.reorder",
        instance=meeting,
        before=before,
        after={"order": list(item_ids)},
    )
    public_change(meeting=meeting, instances=[meeting], was_public=False)
    return meeting
