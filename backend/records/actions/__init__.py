"""The records domain's writes. Each checks the actor's rights, changes nothing on refusal, writes
an audit entry in the same transaction, and enqueues the effects of a change the public can see."""

from backend.records.actions.agenda import (
    agenda_item_create,
    agenda_item_reorder,
    agenda_item_update,
)
from backend.records.actions.base import RecordsErrorCode
from backend.records.actions.bodies import body_update
from backend.records.actions.meetings import (
    meeting_cancel,
    meeting_create,
    meeting_postpone,
    meeting_publish,
    meeting_status_set,
    meeting_unpublish,
    meeting_update,
)
from backend.records.actions.minutes import (
    minutes_adopt,
    minutes_correct,
    minutes_diff,
    minutes_draft_save,
    minutes_publish,
)
from backend.records.actions.votes import vote_record

__all__ = [
    "RecordsErrorCode",
    "agenda_item_create",
    "agenda_item_reorder",
    "agenda_item_update",
    "body_update",
    "meeting_cancel",
    "meeting_create",
    "meeting_postpone",
    "meeting_publish",
    "meeting_status_set",
    "meeting_unpublish",
    "meeting_update",
    "minutes_adopt",
    "minutes_correct",
    "minutes_diff",
    "minutes_draft_save",
    "minutes_publish",
    "vote_record",
]
