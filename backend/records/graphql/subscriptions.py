from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from asgiref.sync import sync_to_async
from graphql import GraphQLError
from strawberry import relay
from strawberry.types import Info

from backend.common.graphql import viewer
from backend.records.events import meeting_group
from backend.records.graphql.types import MeetingType
from backend.records.models import Meeting
from backend.records.selectors import meetings_visible_to


def _visible_meeting(info: Info, meeting_id: str) -> Meeting | None:
    if not meeting_id.isdigit():
        return None
    return (
        meetings_visible_to(user=viewer(info))
        .select_related("body", "current_item")
        .filter(pk=int(meeting_id))
        .first()
    )


@strawberry.type
class RecordsSubscription:
    @strawberry.subscription(
        description=(
            "A meeting as it happens: its current state at once, then again after every change "
            "(started, recessed, adjourned, the item under discussion, cancelled). Open to "
            "anyone for a published meeting."
        )
    )
    async def meeting_updated(
        self, info: Info, id: relay.GlobalID
    ) -> AsyncGenerator[MeetingType, None]:
        if id.type_name != "Meeting":
            raise GraphQLError("No such meeting.", extensions={"code": "NOT_FOUND"})
        meeting = await sync_to_async(_visible_meeting)(info, id.node_id)
        if meeting is None:
            raise GraphQLError("No such meeting.", extensions={"code": "NOT_FOUND"})
        consumer = info.context.request
        async with consumer.listen_to_channel(
            "meeting.updated", groups=[meeting_group(meeting.pk)]
        ) as updates:
            yield meeting
            async for _ in updates:
                meeting = await sync_to_async(_visible_meeting)(info, id.node_id)
                if meeting is None:  # unpublished: the stream ends
                    return
                yield meeting
