"""What happens in the meeting record that followers hear about, and live meeting updates."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from backend.notifications.actions import event_record
from backend.records.models import Meeting

logger = logging.getLogger(__name__)


def meeting_group(meeting_id: int) -> str:
    """The channel-layer group of a meeting's live subscribers."""
    return f"records.meeting.{meeting_id}"


def meeting_event(
    *, kind: str, meeting: Meeting, title: str, text: str = "", status: str | None = None
) -> None:
    """Record an event about a public meeting for the followers of the meeting and its body.

    ``title`` is the English headline; the kind's registered headline composes it in a reader's
    language from the meeting's title (and ``status``, for a meeting under way).

    Called inside the action's transaction: the event and its fan-out exist only if the write
    commits. Drafts make no events: nobody outside the clerks may learn of them.
    """
    if not meeting.is_published:
        return
    event_record(
        kind=kind,
        title=title,
        text=text or meeting.body.name,
        subject=meeting,
        audiences=[meeting.body, meeting],
        headline_parts={"subject": meeting.title, **({"status": status} if status else {})},
    )


def meeting_live_broadcast(*, meeting: Meeting) -> None:
    """After commit, tell live subscribers that the meeting changed; they read it again."""
    if not meeting.is_published:
        return
    meeting_id = meeting.pk

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(meeting_group(meeting_id), {"type": "meeting.updated"})
        except Exception:
            # Live updates are a courtesy: the state is committed and clients re-read it.
            logger.warning("channel layer unavailable for meeting %s", meeting_id, exc_info=True)

    transaction.on_commit(send)
