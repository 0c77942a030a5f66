from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry
from strawberry import relay

from backend.records.graphql.types import (
    AgendaItemKind,
    DocumentKind,
    MeetingStatus,
    MemberVoteValue,
    VoteResult,
)


@strawberry.input(description="Which meetings to list; every condition given must hold.")
class MeetingFilter:
    body: str | None = strawberry.field(default=None, description="The body's slug.")
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Meetings starting at or after this time."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Meetings starting before this time."
    )
    status: MeetingStatus | None = strawberry.field(default=None, description="Only this status.")


@strawberry.input(description="A new draft meeting.")
class MeetingCreateInput:
    body_id: relay.GlobalID = strawberry.field(description="The body that meets.")
    title: str = strawberry.field(description="The meeting's title.")
    starts_at: datetime = strawberry.field(description="Start; a time without offset is Town time.")
    ends_at: datetime | None = strawberry.field(default=None, description="Planned end.")
    location: str = strawberry.field(default="", description="Where it is held.")
    livestream_url: str = strawberry.field(default="", description="Where to watch it live.")
    video_url: str = strawberry.field(default="", description="The recording.")


@strawberry.input(description="Meeting details to change; omitted fields stay as they are.")
class MeetingUpdateInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting to change.")
    title: str | None = strawberry.field(default=strawberry.UNSET, description="New title.")
    starts_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="New start; a time without offset is Town time."
    )
    ends_at: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="New planned end; null to clear."
    )
    location: str | None = strawberry.field(default=strawberry.UNSET, description="New location.")
    livestream_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="New livestream URL."
    )
    video_url: str | None = strawberry.field(
        default=strawberry.UNSET, description="New recording URL."
    )


@strawberry.input(description="A meeting to publish.")
class MeetingPublishInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The draft meeting.")


@strawberry.input(description="A meeting to take back to draft, and why.")
class MeetingUnpublishInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The published meeting.")
    reason: str = strawberry.field(description="Why; kept in the publication history.")


@strawberry.input(description="A meeting to cancel, and why (shown to the public).")
class MeetingCancelInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting.")
    reason: str = strawberry.field(description="Why it is cancelled.")


@strawberry.input(description="A meeting to postpone, and why (shown to the public).")
class MeetingPostponeInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting.")
    reason: str = strawberry.field(description="Why it is postponed.")


@strawberry.enum(description="The statuses of a meeting under way.")
class MeetingLiveStatus(Enum):
    IN_PROGRESS = "in_progress"
    RECESSED = "recessed"
    ADJOURNED = "adjourned"


@strawberry.input(description="The live status of a published meeting.")
class MeetingStatusSetInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting.")
    status: MeetingLiveStatus = strawberry.field(description="In progress, recessed, adjourned.")
    current_item_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The agenda item now under discussion."
    )


@strawberry.input(description="A new item at the end of a meeting's agenda.")
class AgendaItemCreateInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting.")
    title: str = strawberry.field(description="The item's title.")
    kind: AgendaItemKind = strawberry.field(
        default=AgendaItemKind.OTHER, description="What the item is."
    )
    number: str = strawberry.field(default="", description="The item's number, such as 5.2.")
    description: str = strawberry.field(default="", description="What it is about.")
    recommendation: str = strawberry.field(default="", description="Staff's recommendation.")
    is_closed_session: bool = strawberry.field(
        default=False,
        description="Discussed in closed session: the public sees only that it exists.",
    )


@strawberry.input(description="Agenda item details to change; omitted fields stay as they are.")
class AgendaItemUpdateInput:
    agenda_item_id: relay.GlobalID = strawberry.field(description="The item to change.")
    title: str | None = strawberry.field(default=strawberry.UNSET, description="New title.")
    kind: AgendaItemKind | None = strawberry.field(
        default=strawberry.UNSET, description="New kind."
    )
    number: str | None = strawberry.field(default=strawberry.UNSET, description="New number.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="New description."
    )
    recommendation: str | None = strawberry.field(
        default=strawberry.UNSET, description="New recommendation."
    )
    outcome: str | None = strawberry.field(
        default=strawberry.UNSET, description="What was decided."
    )
    is_closed_session: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Whether it is discussed in closed session."
    )


@strawberry.input(description="A meeting's agenda in its new order.")
class AgendaItemReorderInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting.")
    item_ids: list[relay.GlobalID] = strawberry.field(
        description="Every item of the agenda, each once, in the new order."
    )


@strawberry.input(description="A PDF for a meeting or one of its agenda items.")
class DocumentUploadInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting.")
    agenda_item_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The agenda item, when the document belongs to one."
    )
    title: str = strawberry.field(description="The document's title.")
    kind: DocumentKind = strawberry.field(
        default=DocumentKind.OTHER, description="What the document is."
    )


@strawberry.input(description="The text of a meeting's draft minutes.")
class MinutesDraftSaveInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The meeting.")
    text: str = strawberry.field(description="The full text.")


@strawberry.input(description="The text of a meeting's minutes, to publish.")
class MinutesPublishInput:
    meeting_id: relay.GlobalID = strawberry.field(description="The published meeting.")
    text: str = strawberry.field(description="The full text.")


@strawberry.input(description="Published minutes adopted by a later meeting.")
class MinutesAdoptInput:
    minutes_id: relay.GlobalID = strawberry.field(description="The minutes.")
    adopted_by_meeting_id: relay.GlobalID = strawberry.field(
        description="The later meeting of the same body that adopted them."
    )


@strawberry.input(description="A correction to published minutes: a new version.")
class MinutesCorrectInput:
    minutes_id: relay.GlobalID = strawberry.field(description="The minutes.")
    text: str = strawberry.field(description="The full corrected text.")
    reason: str = strawberry.field(description="Why the correction was made.")


@strawberry.input(description="How one member voted.")
class MemberVoteInput:
    person_id: relay.GlobalID = strawberry.field(description="The member.")
    value: MemberVoteValue = strawberry.field(description="Yes, no, abstain, absent or recused.")


@strawberry.input(description="A vote taken under an agenda item.")
class VoteRecordInput:
    agenda_item_id: relay.GlobalID = strawberry.field(description="The agenda item.")
    motion: str = strawberry.field(description="The motion as put to the vote.")
    result: VoteResult = strawberry.field(description="How the motion ended.")
    member_votes: list[MemberVoteInput] = strawberry.field(
        description="Each member's vote; the tallies are counted from these."
    )
