"""Clerks' writes. Each resolver parses the input, calls one action and shapes the payload;
an expected failure comes back in ``errors`` and has changed nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
import strawberry_django
from django.db import models
from strawberry import relay
from strawberry.file_uploads import Upload
from strawberry.types import Info

from backend.common.errors import ActionError
from backend.common.graphql import viewer
from backend.records import actions
from backend.records.actions.base import Codes, require_meeting_editable
from backend.records.graphql.inputs import (
    AgendaItemCreateInput,
    AgendaItemReorderInput,
    AgendaItemUpdateInput,
    DocumentUploadInput,
    MeetingCancelInput,
    MeetingCreateInput,
    MeetingPostponeInput,
    MeetingPublishInput,
    MeetingStatusSetInput,
    MeetingUnpublishInput,
    MeetingUpdateInput,
    MinutesAdoptInput,
    MinutesCorrectInput,
    MinutesDraftSaveInput,
    MinutesPublishInput,
    VoteRecordInput,
)
from backend.records.graphql.types import (
    AgendaItemType,
    DocumentType,
    MeetingType,
    MinutesType,
    MinutesVersionType,
    RecordsError,
    RecordsErrorCode,
    VoteType,
)
from backend.records.models import AgendaItem, Body, Meeting, Minutes, Person

M = TypeVar("M", bound=models.Model)


@strawberry.type(description="The result of a change to a meeting.")
class MeetingPayload:
    meeting: MeetingType | None = strawberry.field(description="The meeting after the change.")
    errors: list[RecordsError] = strawberry.field(description="Why nothing was changed.")


@strawberry.type(description="The result of a change to an agenda item.")
class AgendaItemPayload:
    agenda_item: AgendaItemType | None = strawberry.field(description="The item after the change.")
    errors: list[RecordsError] = strawberry.field(description="Why nothing was changed.")


@strawberry.type(description="The result of documentUpload.")
class DocumentPayload:
    document: DocumentType | None = strawberry.field(description="The stored document.")
    errors: list[RecordsError] = strawberry.field(description="Why nothing was stored.")


@strawberry.type(description="The result of a change to minutes.")
class MinutesPayload:
    minutes: MinutesType | None = strawberry.field(description="The minutes after the change.")
    errors: list[RecordsError] = strawberry.field(description="Why nothing was changed.")


@strawberry.type(description="The result of minutesCorrect.")
class MinutesCorrectPayload:
    version: MinutesVersionType | None = strawberry.field(description="The new version.")
    errors: list[RecordsError] = strawberry.field(description="Why nothing was changed.")


@strawberry.type(description="The result of voteRecord.")
class VotePayload:
    vote: VoteType | None = strawberry.field(description="The recorded vote.")
    errors: list[RecordsError] = strawberry.field(description="Why nothing was recorded.")


def _code(code: str) -> RecordsErrorCode:
    try:
        return RecordsErrorCode(code)
    except ValueError:
        return RecordsErrorCode.INVALID


def _perform(info: Info, payload: type, result_name: str, work: Callable[[Any], Any]) -> Any:
    """Run ``work(actor)``; an ActionError becomes the payload's errors."""
    actor = viewer(info)
    try:
        if not actor.is_authenticated:
            raise ActionError.single(Codes.UNAUTHENTICATED, "Sign in to change meeting records.")
        result = work(actor)
    except ActionError as error:
        return payload(
            **{result_name: None},
            errors=[
                RecordsError(field=item.field, message=item.message, code=_code(item.code))
                for item in error.errors
            ],
        )
    return payload(**{result_name: result}, errors=[])


def _load(model: type[M], global_id: relay.GlobalID, type_name: str, field: str) -> M:
    """The row a global ID names; whether the actor may see it is the action's decision."""
    try:
        pk = int(global_id.node_id)
    except (TypeError, ValueError):
        pk = None
    found = (
        model._default_manager.filter(pk=pk).first()
        if pk is not None and global_id.type_name == type_name
        else None
    )
    if found is None:
        raise ActionError.single(Codes.NOT_FOUND, f"No such {type_name.lower()}.", field)
    return found


def _meeting(global_id: relay.GlobalID, field: str = "meetingId") -> Meeting:
    return _load(Meeting, global_id, "Meeting", field)


def _changes(input: Any, names: dict[str, str]) -> dict[str, Any]:
    """The fields the client sent, by the action's argument names."""
    changes = {}
    for python_name in names:
        value = getattr(input, python_name)
        if value is not strawberry.UNSET:
            changes[python_name] = value
    return changes


def _mutation(description: str) -> Any:
    return strawberry_django.mutation(handle_django_errors=False, description=description)


@strawberry.type
class RecordsMutation:
    @_mutation("Create a draft meeting; only its body's clerks and administrators see it.")
    def meeting_create(self, info: Info, input: MeetingCreateInput) -> MeetingPayload:
        def work(actor: Any) -> Meeting:
            return actions.meeting_create(
                actor=actor,
                body=_load(Body, input.body_id, "Body", "bodyId"),
                title=input.title,
                starts_at=input.starts_at,
                ends_at=input.ends_at,
                location=input.location,
                livestream_url=input.livestream_url,
                video_url=input.video_url,
            )

        return _perform(info, MeetingPayload, "meeting", work)

    @_mutation("Change a meeting's details.")
    def meeting_update(self, info: Info, input: MeetingUpdateInput) -> MeetingPayload:
        def work(actor: Any) -> Meeting:
            changes = _changes(input, actions.meetings.MEETING_FIELDS)
            for name in ("title", "location", "livestream_url", "video_url"):
                if name in changes and changes[name] is None:
                    changes[name] = ""
            return actions.meeting_update(
                actor=actor, meeting=_meeting(input.meeting_id), **changes
            )

        return _perform(info, MeetingPayload, "meeting", work)

    @_mutation("Publish a draft meeting.")
    def meeting_publish(self, info: Info, input: MeetingPublishInput) -> MeetingPayload:
        return _perform(
            info,
            MeetingPayload,
            "meeting",
            lambda actor: actions.meeting_publish(actor=actor, meeting=_meeting(input.meeting_id)),
        )

    @_mutation("Take a published meeting back to draft; the reason is kept in its history.")
    def meeting_unpublish(self, info: Info, input: MeetingUnpublishInput) -> MeetingPayload:
        return _perform(
            info,
            MeetingPayload,
            "meeting",
            lambda actor: actions.meeting_unpublish(
                actor=actor, meeting=_meeting(input.meeting_id), reason=input.reason
            ),
        )

    @_mutation("Cancel a meeting; a published one stays public with its status and reason.")
    def meeting_cancel(self, info: Info, input: MeetingCancelInput) -> MeetingPayload:
        return _perform(
            info,
            MeetingPayload,
            "meeting",
            lambda actor: actions.meeting_cancel(
                actor=actor, meeting=_meeting(input.meeting_id), reason=input.reason
            ),
        )

    @_mutation("Postpone a meeting; a published one stays public with its status and reason.")
    def meeting_postpone(self, info: Info, input: MeetingPostponeInput) -> MeetingPayload:
        return _perform(
            info,
            MeetingPayload,
            "meeting",
            lambda actor: actions.meeting_postpone(
                actor=actor, meeting=_meeting(input.meeting_id), reason=input.reason
            ),
        )

    @_mutation("Set the live status of a published meeting and the item under discussion.")
    def meeting_status_set(self, info: Info, input: MeetingStatusSetInput) -> MeetingPayload:
        def work(actor: Any) -> Meeting:
            meeting = _meeting(input.meeting_id)
            current_item = None
            if input.current_item_id is not None:
                current_item = _load(
                    AgendaItem, input.current_item_id, "AgendaItem", "currentItemId"
                )
            return actions.meeting_status_set(
                actor=actor,
                meeting=meeting,
                status=input.status.value,
                current_item=current_item,
            )

        return _perform(info, MeetingPayload, "meeting", work)

    @_mutation("Add an item at the end of a meeting's agenda.")
    def agenda_item_create(self, info: Info, input: AgendaItemCreateInput) -> AgendaItemPayload:
        return _perform(
            info,
            AgendaItemPayload,
            "agenda_item",
            lambda actor: actions.agenda_item_create(
                actor=actor,
                meeting=_meeting(input.meeting_id),
                title=input.title,
                kind=input.kind.value,
                number=input.number,
                description=input.description,
                recommendation=input.recommendation,
                is_closed_session=input.is_closed_session,
            ),
        )

    @_mutation("Change an agenda item.")
    def agenda_item_update(self, info: Info, input: AgendaItemUpdateInput) -> AgendaItemPayload:
        def work(actor: Any) -> AgendaItem:
            item = _load(AgendaItem, input.agenda_item_id, "AgendaItem", "agendaItemId")
            changes = _changes(input, actions.agenda.ITEM_FIELDS)
            for name, value in list(changes.items()):
                if value is None:
                    changes[name] = False if name == "is_closed_session" else ""
                elif name == "kind":
                    changes[name] = value.value
            return actions.agenda_item_update(actor=actor, item=item, **changes)

        return _perform(info, AgendaItemPayload, "agenda_item", work)

    @_mutation("Put a meeting's agenda in a new order.")
    def agenda_item_reorder(self, info: Info, input: AgendaItemReorderInput) -> MeetingPayload:
        def work(actor: Any) -> Meeting:
            item_ids = []
            for global_id in input.item_ids:
                if global_id.type_name != "AgendaItem" or not global_id.node_id.isdigit():
                    raise ActionError.single(Codes.INVALID, "Not an agenda item.", "itemIds")
                item_ids.append(int(global_id.node_id))
            return actions.agenda_item_reorder(
                actor=actor, meeting=_meeting(input.meeting_id), item_ids=item_ids
            )

        return _perform(info, MeetingPayload, "meeting", work)

    @_mutation("Upload a PDF for a meeting or one of its items (a multipart request).")
    def document_upload(
        self, info: Info, input: DocumentUploadInput, file: Upload
    ) -> DocumentPayload:
        from backend.records.documents import document_upload

        def work(actor: Any) -> Any:
            meeting = _meeting(input.meeting_id)
            require_meeting_editable(actor=actor, meeting=meeting)
            agenda_item = None
            if input.agenda_item_id is not None:
                agenda_item = _load(AgendaItem, input.agenda_item_id, "AgendaItem", "agendaItemId")
            return document_upload(
                actor=actor,
                meeting=meeting,
                agenda_item=agenda_item,
                title=input.title,
                kind=input.kind.value,
                uploaded_file=file,
            )

        return _perform(info, DocumentPayload, "document", work)

    @_mutation("Write the draft minutes of a meeting; only its body's editors see them.")
    def minutes_draft_save(self, info: Info, input: MinutesDraftSaveInput) -> MinutesPayload:
        return _perform(
            info,
            MinutesPayload,
            "minutes",
            lambda actor: actions.minutes_draft_save(
                actor=actor, meeting=_meeting(input.meeting_id), text=input.text
            ),
        )

    @_mutation("Publish a meeting's minutes (not yet adopted).")
    def minutes_publish(self, info: Info, input: MinutesPublishInput) -> MinutesPayload:
        return _perform(
            info,
            MinutesPayload,
            "minutes",
            lambda actor: actions.minutes_publish(
                actor=actor, meeting=_meeting(input.meeting_id), text=input.text
            ),
        )

    @_mutation("Record that a later meeting adopted published minutes.")
    def minutes_adopt(self, info: Info, input: MinutesAdoptInput) -> MinutesPayload:
        return _perform(
            info,
            MinutesPayload,
            "minutes",
            lambda actor: actions.minutes_adopt(
                actor=actor,
                minutes=_load(Minutes, input.minutes_id, "Minutes", "minutesId"),
                adopted_by_meeting=_meeting(input.adopted_by_meeting_id, "adoptedByMeetingId"),
            ),
        )

    @_mutation("Correct published minutes: adds a version with the reason and the diff.")
    def minutes_correct(self, info: Info, input: MinutesCorrectInput) -> MinutesCorrectPayload:
        return _perform(
            info,
            MinutesCorrectPayload,
            "version",
            lambda actor: actions.minutes_correct(
                actor=actor,
                minutes=_load(Minutes, input.minutes_id, "Minutes", "minutesId"),
                text=input.text,
                reason=input.reason,
            ),
        )

    @_mutation("Record a vote under an agenda item; tallies are counted from the members' votes.")
    def vote_record(self, info: Info, input: VoteRecordInput) -> VotePayload:
        def work(actor: Any) -> Any:
            item = _load(AgendaItem, input.agenda_item_id, "AgendaItem", "agendaItemId")
            member_votes = {}
            for member_vote in input.member_votes:
                person = _load(Person, member_vote.person_id, "Person", "memberVotes")
                member_votes[person.pk] = member_vote.value.value
            return actions.vote_record(
                actor=actor,
                agenda_item=item,
                motion=input.motion,
                result=input.result.value,
                member_votes=member_votes,
            )

        return _perform(info, VotePayload, "vote", work)
