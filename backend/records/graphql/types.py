"""The public shape of meeting records. Visibility is applied in every type's get_queryset, so it
holds however an object is reached: a list, a nested field, or node(id:)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from django.utils import timezone
from strawberry import relay
from strawberry.types import Info

from backend.common.graphql import UserError, viewer, withheld_by
from backend.records.actions import RecordsErrorCode as _Codes
from backend.records.models import (
    AgendaItem,
    Body,
    Document,
    Meeting,
    Membership,
    MemberVote,
    Minutes,
    MinutesVersion,
    Person,
    PublicationEvent,
    Vote,
)
from backend.records.selectors import (
    agenda_items_visible_to,
    bodies_editable_by,
    documents_visible_to,
    meetings_visible_to,
    member_votes_visible_to,
    minutes_versions_visible_to,
    minutes_visible_to,
    publication_events_visible_to,
    votes_visible_to,
)

CLOSED_SESSION_TITLE = "Closed session item"


@strawberry.enum(description="Stable codes for meeting-record errors.")
class RecordsErrorCode(Enum):
    UNAUTHENTICATED = _Codes.UNAUTHENTICATED
    NOT_FOUND = _Codes.NOT_FOUND
    PERMISSION_DENIED = _Codes.PERMISSION_DENIED
    INVALID = _Codes.INVALID
    REQUIRED = _Codes.REQUIRED
    TOO_LONG = _Codes.TOO_LONG
    ALREADY_PUBLISHED = _Codes.ALREADY_PUBLISHED
    NOT_PUBLISHED = _Codes.NOT_PUBLISHED
    ALREADY_ADOPTED = _Codes.ALREADY_ADOPTED
    INVALID_STATUS_TRANSITION = _Codes.INVALID_STATUS_TRANSITION
    NOT_A_MEMBER = _Codes.NOT_A_MEMBER
    NO_CHANGE = _Codes.NO_CHANGE
    NOT_PDF = _Codes.NOT_PDF
    TOO_LARGE = _Codes.TOO_LARGE
    TOO_MANY_PAGES = _Codes.TOO_MANY_PAGES
    EMPTY_FILE = _Codes.EMPTY_FILE
    UNREADABLE = _Codes.UNREADABLE


@strawberry.type(description="Why a change to meeting records was refused; nothing was changed.")
class RecordsError(UserError):
    code: RecordsErrorCode = strawberry.field(description="A stable code to branch on.")


BodyClassification = strawberry.enum(
    Body.Classification, name="BodyClassification", description="What kind of body meets."
)
MembershipRole = strawberry.enum(
    Membership.Role, name="MembershipRole", description="A member's seat on a body."
)
MeetingStatus = strawberry.enum(
    Meeting.Status, name="MeetingStatus", description="Where a meeting stands."
)
AgendaItemKind = strawberry.enum(
    AgendaItem.Kind, name="AgendaItemKind", description="What an agenda item is."
)
DocumentKind = strawberry.enum(
    Document.Kind, name="DocumentKind", description="What a document is."
)
DocumentTextStatus = strawberry.enum(
    Document.TextStatus,
    name="DocumentTextStatus",
    description="Whether the document's text has been extracted for search.",
)
VoteResult = strawberry.enum(Vote.Result, name="VoteResult", description="How a motion ended.")
MemberVoteValue = strawberry.enum(
    MemberVote.Value, name="MemberVoteValue", description="How one member voted."
)
MinutesStatus = strawberry.enum(
    Minutes.Status, name="MinutesStatus", description="Where the minutes stand."
)
PublicationAction = strawberry.enum(
    PublicationEvent.Action,
    name="PublicationAction",
    description="What happened to a meeting's publication.",
)


def town_time(value: datetime | None) -> datetime | None:
    """Times leave the API in the Town's time zone (``TIME_ZONE``)."""
    return None if value is None else value.astimezone(timezone.get_default_timezone())


def editable_body_ids(info: Info) -> frozenset[int]:
    """The bodies the viewer edits, asked once per operation."""
    cache = info.context.cache
    if "records.editable_body_ids" not in cache:
        cache["records.editable_body_ids"] = frozenset(
            bodies_editable_by(user=viewer(info)).values_list("pk", flat=True)
        )
    return cache["records.editable_body_ids"]


@strawberry_django.type(
    Person, name="Person", description="A member of one or more bodies (councillor, appointee)."
)
class PersonType(relay.Node):
    name: str = strawberry_django.field(description="Full name.")
    title: str = strawberry_django.field(description="Title, such as Councillor or Mayor.")
    ward: str = strawberry_django.field(description="The ward represented, if any.")
    active: bool = strawberry_django.field(description="Whether the person currently serves.")
    memberships: list[MembershipType] = strawberry_django.field(
        description="Seats held on bodies, past and present."
    )


@strawberry_django.type(Membership, name="Membership", description="A person's seat on a body.")
class MembershipType:
    person: PersonType = strawberry_django.field(description="Who holds the seat.")
    body: BodyType = strawberry_django.field(description="The body the seat is on.")
    role: MembershipRole = strawberry_django.field(description="Chair, vice-chair, member, ...")
    start_date: date = strawberry_django.field(description="First day in the seat.")
    end_date: date | None = strawberry_django.field(
        description="Last day in the seat; null while serving."
    )


@strawberry_django.type(
    Body, name="Body", description="A council, committee, board or commission that meets in public."
)
class BodyType(relay.Node):
    name: str = strawberry_django.field(description="The body's name.")
    slug: str = strawberry_django.field(description="Stable short name used in URLs and filters.")
    classification: BodyClassification = strawberry_django.field(
        description="Council, committee, board or commission."
    )
    description: str = strawberry_django.field(description="What the body does.")
    active: bool = strawberry_django.field(description="Whether the body still meets.")
    memberships: list[MembershipType] = strawberry_django.field(
        description="Its members' seats, past and present."
    )


@strawberry_django.type(
    PublicationEvent,
    name="PublicationEvent",
    description="One step of a meeting's publication history; seen by its body's editors.",
)
class PublicationEventType(relay.Node):
    action: PublicationAction = strawberry_django.field(description="What happened.")
    reason: str = strawberry_django.field(description="Why, as the clerk wrote it.")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return publication_events_visible_to(user=viewer(info), queryset=queryset)

    @strawberry_django.field(only=["at"], description="When it happened (Town time).")
    def at(self) -> datetime:
        return town_time(self.at)


@strawberry_django.type(
    MemberVote, name="MemberVote", description="How one member voted on a motion."
)
class MemberVoteType(relay.Node):
    person: PersonType = strawberry_django.field(description="The member.")
    value: MemberVoteValue = strawberry_django.field(description="Yes, no, abstain, ...")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return member_votes_visible_to(user=viewer(info), queryset=queryset)


@strawberry_django.type(Vote, name="Vote", description="A vote on a motion under an agenda item.")
class VoteType(relay.Node):
    motion: str = strawberry_django.field(description="The motion as put to the vote.")
    result: VoteResult = strawberry_django.field(description="Carried, defeated, tied, withdrawn.")
    yes_count: int = strawberry_django.field(description="Members who voted yes.")
    no_count: int = strawberry_django.field(description="Members who voted no.")
    abstain_count: int = strawberry_django.field(description="Members who abstained.")
    absent_count: int = strawberry_django.field(description="Members absent for the vote.")
    recused_count: int = strawberry_django.field(
        description="Members who declared a conflict of interest."
    )
    member_votes: list[MemberVoteType] = strawberry_django.field(
        description="Each member's vote, by name."
    )
    agenda_item: AgendaItemType = strawberry_django.field(description="The item voted under.")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return votes_visible_to(user=viewer(info), queryset=queryset)

    @strawberry_django.field(only=["recorded_at"], description="When it was recorded (Town time).")
    def recorded_at(self) -> datetime:
        return town_time(self.recorded_at)


@strawberry_django.type(
    Document, name="Document", description="A PDF published with a meeting or one of its items."
)
class DocumentType(relay.Node):
    title: str = strawberry_django.field(description="The document's title.")
    kind: DocumentKind = strawberry_django.field(description="Agenda, minutes, report, ...")
    content_type: str = strawberry_django.field(description="Media type; always a PDF.")
    size: int = strawberry_django.field(description="Size in bytes.")
    sha256: str = strawberry_django.field(description="SHA-256 of the file, in hex.")
    page_count: int | None = strawberry_django.field(
        description="Number of pages; null when it could not be read."
    )
    text_status: DocumentTextStatus = strawberry_django.field(
        description="Whether the text was extracted for search."
    )
    meeting: MeetingType = strawberry_django.field(description="The meeting it belongs to.")
    agenda_item: AgendaItemType | None = strawberry_django.field(
        description="The agenda item it belongs to, if any."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return documents_visible_to(user=viewer(info), queryset=queryset)

    @strawberry_django.field(only=["id"], description="Where to download the PDF.")
    def url(self) -> str:
        return f"/records/documents/{self.pk}/"

    @strawberry_django.field(only=["created_at"], description="When it was added (Town time).")
    def created_at(self) -> datetime:
        return town_time(self.created_at)


def _content_hidden(item: AgendaItem, info: Info) -> bool:
    """Whether the viewer may not see the item's content.

    The type's queryset annotates every item it loads with the answer, so the text fields
    declare only their own column. An item made elsewhere (a mutation's result) is a whole row.
    """
    hidden = getattr(item, "content_hidden", None)
    if hidden is None:
        # Reached without the type's queryset (a mutation's result): decide from the viewer.
        meeting = Meeting.objects.only("body_id").get(pk=item.meeting_id)
        hidden = item.is_closed_session and meeting.body_id not in editable_body_ids(info)
    return bool(hidden)


@strawberry_django.type(
    AgendaItem,
    name="AgendaItem",
    description=(
        "An item on a meeting's agenda. Of a closed-session item the public sees only that it "
        "exists, its number and its place."
    ),
)
class AgendaItemType(relay.Node):
    position: int = strawberry_django.field(description="Place on the agenda, from 1.")
    number: str = strawberry_django.field(description="The item's number, such as 5.2.")
    kind: AgendaItemKind = strawberry_django.field(description="Report, motion, by-law, ...")
    is_closed_session: bool = strawberry_django.field(
        description="Whether the item is discussed in closed session."
    )
    revision: int = strawberry_django.field(description="Bumped on every change to the item.")
    meeting: MeetingType = strawberry_django.field(description="The meeting it is on.")
    documents: list[DocumentType] = strawberry_django.field(
        description="Its documents; none for a closed-session item you may not see."
    )
    votes: list[VoteType] = strawberry_django.field(
        description="Votes taken on it; none for a closed-session item you may not see."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return agenda_items_visible_to(user=viewer(info), queryset=queryset)

    @strawberry_django.field(
        only=["is_closed_session", "meeting_id"],
        description="Whether the content is withheld from you (closed session).",
    )
    def content_hidden(self, info: Info) -> bool:
        return _content_hidden(self, info)

    @strawberry_django.field(
        only=["title"],
        description=f'The title; "{CLOSED_SESSION_TITLE}" when the content is withheld.',
    )
    @withheld_by("content_hidden", column="title", shown=CLOSED_SESSION_TITLE)
    def title(self, info: Info) -> str:
        return CLOSED_SESSION_TITLE if _content_hidden(self, info) else self.title

    @strawberry_django.field(
        only=["description"],
        description="What the item is about; null when the content is withheld.",
    )
    @withheld_by("content_hidden", column="description", shown=None)
    def description(self, info: Info) -> str | None:
        return None if _content_hidden(self, info) else self.description

    @strawberry_django.field(
        only=["recommendation"],
        description="Staff's recommendation; null when the content is withheld.",
    )
    @withheld_by("content_hidden", column="recommendation", shown=None)
    def recommendation(self, info: Info) -> str | None:
        return None if _content_hidden(self, info) else self.recommendation

    @strawberry_django.field(
        only=["outcome"],
        description="What was decided; null when the content is withheld.",
    )
    @withheld_by("content_hidden", column="outcome", shown=None)
    def outcome(self, info: Info) -> str | None:
        return None if _content_hidden(self, info) else self.outcome


@strawberry_django.type(
    MinutesVersion,
    name="MinutesVersion",
    description="One version of the minutes' text; a correction adds a version, none is rewritten.",
)
class MinutesVersionType(relay.Node):
    number: int = strawberry_django.field(description="1 for the first text, then 2, 3, ...")
    text: str = strawberry_django.field(description="The full text of this version.")
    reason: str = strawberry_django.field(description="Why this version was made.")
    diff: str = strawberry_django.field(
        description="Unified diff from the previous version; empty for the first."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return minutes_versions_visible_to(user=viewer(info), queryset=queryset)

    @strawberry_django.field(only=["created_at"], description="When it was made (Town time).")
    def created_at(self) -> datetime:
        return town_time(self.created_at)

    @strawberry_django.field(
        select_related=["created_by"],
        only=["created_by__display_name"],
        description="The name of the clerk who made it.",
    )
    def created_by_name(self) -> str:
        return self.created_by.display_name if self.created_by else ""


@strawberry_django.type(
    Minutes,
    name="Minutes",
    description="The minutes of a meeting: published for review, then adopted, with every version.",
)
class MinutesType(relay.Node):
    status: MinutesStatus = strawberry_django.field(description="Draft, published or adopted.")
    meeting: MeetingType = strawberry_django.field(description="The meeting they record.")
    adopted_by_meeting: MeetingType | None = strawberry_django.field(
        description="The meeting that adopted them; null until adopted."
    )
    versions: list[MinutesVersionType] = strawberry_django.field(
        description="Every version, oldest first; the last is the current text."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return minutes_visible_to(user=viewer(info), queryset=queryset)

    @strawberry_django.field(only=["published_at"], description="When published (Town time).")
    def published_at(self) -> datetime | None:
        return town_time(self.published_at)

    @strawberry_django.field(only=["adopted_at"], description="When adopted (Town time).")
    def adopted_at(self) -> datetime | None:
        return town_time(self.adopted_at)


@strawberry_django.type(
    Meeting,
    name="Meeting",
    description="A meeting of a body; drafts are seen only by its clerks and administrators.",
)
class MeetingType(relay.Node):
    body: BodyType = strawberry_django.field(description="The body that meets.")
    title: str = strawberry_django.field(description="The meeting's title.")
    location: str = strawberry_django.field(description="Where it is held.")
    status: MeetingStatus = strawberry_django.field(
        description="Scheduled, in progress, recessed, adjourned, cancelled or postponed."
    )
    status_reason: str = strawberry_django.field(
        description="Why the meeting was cancelled or postponed."
    )
    livestream_url: str = strawberry_django.field(description="Where to watch it live.")
    video_url: str = strawberry_django.field(description="The recording, once available.")
    revision: int = strawberry_django.field(
        description="Bumped on every change to the meeting or its parts."
    )
    current_item: AgendaItemType | None = strawberry_django.field(
        description="The item under discussion while the meeting is in progress."
    )
    agenda_items: list[AgendaItemType] = strawberry_django.field(
        description="The agenda, in order."
    )
    documents: list[DocumentType] = strawberry_django.field(
        description="Every document of the meeting and its items that you may see."
    )
    minutes: MinutesType | None = strawberry_django.field(
        description="The minutes; null until published (drafts are seen by editors only)."
    )
    publication_events: list[PublicationEventType] = strawberry_django.field(
        description="The publication history; empty unless you edit this body's records."
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info: Info, **kwargs: Any) -> QuerySet:
        return meetings_visible_to(user=viewer(info), queryset=queryset)

    @strawberry_django.field(only=["starts_at"], description="When it starts (Town time).")
    def starts_at(self) -> datetime:
        return town_time(self.starts_at)

    @strawberry_django.field(only=["ends_at"], description="When it is planned to end (Town time).")
    def ends_at(self) -> datetime | None:
        return town_time(self.ends_at)

    @strawberry_django.field(
        only=["published_at"], description="When it was published (Town time); null for a draft."
    )
    def published_at(self) -> datetime | None:
        return town_time(self.published_at)

    @strawberry_django.field(only=["published_at"], description="Whether the public can see it.")
    def is_published(self) -> bool:
        return self.published_at is not None
