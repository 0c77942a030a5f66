"""The meeting record's searchable kinds: meetings, agenda items, documents, bodies, people.

Drafts are seen only by the clerks of their body (and administrators), closed-session agenda
items and their documents by nobody. Versions follow the ``revision`` counters: an agenda
item's is its meeting's plus its own, so publishing or unpublishing the meeting, which bumps
the meeting's revision, outranks every earlier state of its items and documents.

Meetings, agenda items and documents copy their body's name (the body facet, and a meeting's
text), so their versions also add the body's: its last change time in microseconds, as for
the body's own entry. Every counter in a sum only grows, so renaming the body outranks every
entry read before the rename, and the body's refresh, which re-reads all of them (its
``dependents``), is never refused as older; a worker that read the old name and writes late
is. An agenda item's text holds its votes (the motion and its result), and every vote bumps
the meeting's revision.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from backend.records.models import (
    AgendaItem,
    Body,
    Document,
    Meeting,
    Membership,
    Minutes,
    MinutesVersion,
    Person,
    Vote,
)
from backend.records.selectors import (
    agenda_items_visible_to,
    bodies_editable_by,
    documents_visible_to,
    meetings_visible_to,
    user_administers_records,
)
from backend.search.registry import (
    Audience,
    IndexEntry,
    SearchKind,
    audience_resolver_register,
    kind_register,
    trigger_register,
)

MEETING = "meeting"
AGENDA_ITEM = "agenda_item"
DOCUMENT = "document"
BODY = "body"
PERSON = "person"

BODY_AUDIENCE = "records.body:"

# Where the GraphQL types of the records live; only the schema assembly resolves these paths.
GRAPHQL_TYPES = "backend.records.graphql.types"


def body_version(body: Body) -> int:
    """Bodies carry no revision; their last change time, in microseconds, orders their updates."""
    return int(body.updated_at.timestamp() * 1_000_000)


def _audience(meeting: Meeting) -> tuple[str, str]:
    if meeting.published_at is not None:
        return Audience.PUBLIC, ""
    return Audience.RESTRICTED, f"{BODY_AUDIENCE}{meeting.body_id}"


def _meeting_facets(meeting: Meeting) -> dict[str, Any]:
    audience, key = _audience(meeting)
    return {
        "audience": audience,
        "audience_key": key,
        "body_id": meeting.body_id,
        "body_name": meeting.body.name,
        "date": timezone.localdate(meeting.starts_at),
        "status": meeting.status,
    }


def _minutes_text(meeting: Meeting) -> str:
    minutes = getattr(meeting, "minutes", None)
    if minutes is None or minutes.status == Minutes.Status.DRAFT:
        return ""
    latest = minutes.versions.order_by("-number").first()
    return latest.text if latest else ""


def meeting_entry(meeting: Meeting) -> IndexEntry:
    parts = (meeting.body.name, meeting.location, meeting.status_reason, _minutes_text(meeting))
    content = "\n".join(part for part in parts if part)
    return IndexEntry(
        kind=MEETING,
        object_id=str(meeting.pk),
        version=meeting.revision + body_version(meeting.body),
        title=meeting.title,
        content=content,
        **_meeting_facets(meeting),
    )


def _votes_text(item: AgendaItem) -> list[str]:
    # Worded as minutes word them, so that "motion carried" finds the items where one did.
    return [
        f"Motion {vote.get_result_display().lower()}: {vote.motion}" for vote in item.votes.all()
    ]


def agenda_item_entry(item: AgendaItem) -> IndexEntry:
    meeting = item.meeting
    version = meeting.revision + item.revision + body_version(meeting.body)
    parent = f"{MEETING}:{meeting.pk}"
    if item.is_closed_session:
        return IndexEntry(
            kind=AGENDA_ITEM,
            object_id=str(item.pk),
            version=version,
            audience=Audience.HIDDEN,
            parent=parent,
        )
    return IndexEntry(
        kind=AGENDA_ITEM,
        object_id=str(item.pk),
        version=version,
        title=item.title,
        content="\n".join(
            part
            for part in (item.description, item.recommendation, item.outcome, *_votes_text(item))
            if part
        ),
        parent=parent,
        **_meeting_facets(meeting),
    )


def document_entry(document: Document) -> IndexEntry:
    meeting = document.meeting
    item = document.agenda_item
    version = (
        meeting.revision
        + document.revision
        + (item.revision if item else 0)
        + body_version(meeting.body)
    )
    parent = f"{MEETING}:{meeting.pk}"
    if item is not None and item.is_closed_session:
        return IndexEntry(
            kind=DOCUMENT,
            object_id=str(document.pk),
            version=version,
            audience=Audience.HIDDEN,
            parent=parent,
        )
    facets = _meeting_facets(meeting)
    facets["status"] = document.kind
    return IndexEntry(
        kind=DOCUMENT,
        object_id=str(document.pk),
        version=version,
        title=document.title,
        content=document.text if document.text_status == Document.TextStatus.EXTRACTED else "",
        parent=parent,
        **facets,
    )


def body_entry(body: Body) -> IndexEntry:
    return IndexEntry(
        kind=BODY,
        object_id=str(body.pk),
        version=body_version(body),
        title=body.name,
        content="\n".join(part for part in (body.get_classification_display(), body.description)),
        body_id=body.pk,
        body_name=body.name,
        status="active" if body.active else "inactive",
    )


def person_entry(person: Person) -> IndexEntry:
    bodies = sorted({membership.body.name for membership in person.memberships.all()})
    return IndexEntry(
        kind=PERSON,
        object_id=str(person.pk),
        # People carry neither revision nor change time: every refresh re-reads the row, and
        # equal versions apply, so the last refresh to run writes the current state.
        version=0,
        title=person.name,
        content="\n".join(part for part in (person.title, person.ward, *bodies) if part),
        status="active" if person.active else "inactive",
    )


def meeting_dependents(meeting: Meeting) -> list[tuple[str, Any]]:
    return [(AGENDA_ITEM, pk) for pk in meeting.agenda_items.values_list("pk", flat=True)] + [
        (DOCUMENT, pk) for pk in meeting.documents.values_list("pk", flat=True)
    ]


def agenda_item_dependents(item: AgendaItem) -> list[tuple[str, Any]]:
    return [(DOCUMENT, pk) for pk in item.documents.values_list("pk", flat=True)]


def body_dependents(body: Body) -> list[tuple[str, Any]]:
    """Every entry that copies the body's name: its meetings, their agenda items and documents,
    and its members (a person's text names their bodies)."""
    return (
        [(MEETING, pk) for pk in Meeting.objects.filter(body=body).values_list("pk", flat=True)]
        + [
            (AGENDA_ITEM, pk)
            for pk in AgendaItem.objects.filter(meeting__body=body).values_list("pk", flat=True)
        ]
        + [
            (DOCUMENT, pk)
            for pk in Document.objects.filter(meeting__body=body).values_list("pk", flat=True)
        ]
        + [
            (PERSON, pk)
            for pk in sorted(
                set(Membership.objects.filter(body=body).values_list("person_id", flat=True))
            )
        ]
    )


def records_audience(user: Any) -> set[str]:
    """The bodies whose drafts a viewer may find: those they clerk, or all for administrators."""
    if user_administers_records(user=user):
        return {f"{BODY_AUDIENCE}*"}
    return {
        f"{BODY_AUDIENCE}{pk}" for pk in bodies_editable_by(user=user).values_list("pk", flat=True)
    }


kind_register(
    SearchKind(
        name=MEETING,
        label="Meeting",
        model=Meeting,
        queryset=lambda: Meeting.objects.select_related("body", "minutes").order_by("pk"),
        entry=meeting_entry,
        dependents=meeting_dependents,
        visible_to=lambda viewer: meetings_visible_to(user=viewer),
        graphql_type=f"{GRAPHQL_TYPES}.MeetingType",
    )
)
kind_register(
    SearchKind(
        name=AGENDA_ITEM,
        label="Agenda item",
        model=AgendaItem,
        queryset=lambda: (
            AgendaItem.objects.select_related("meeting__body")
            .prefetch_related("votes")
            .order_by("pk")
        ),
        entry=agenda_item_entry,
        dependents=agenda_item_dependents,
        # Closed-session items load with their content withheld, as everywhere else.
        visible_to=lambda viewer: agenda_items_visible_to(user=viewer),
        graphql_type=f"{GRAPHQL_TYPES}.AgendaItemType",
    )
)
kind_register(
    SearchKind(
        name=DOCUMENT,
        label="Document",
        model=Document,
        queryset=lambda: Document.objects.select_related("meeting__body", "agenda_item").order_by(
            "pk"
        ),
        entry=document_entry,
        visible_to=lambda viewer: documents_visible_to(user=viewer),
        graphql_type=f"{GRAPHQL_TYPES}.DocumentType",
    )
)
kind_register(
    SearchKind(
        name=BODY,
        label="Body",
        model=Body,
        queryset=lambda: Body.objects.order_by("pk"),
        entry=body_entry,
        dependents=body_dependents,
        # Bodies and people are public records, as their GraphQL types serve them.
        visible_to=lambda viewer: Body.objects.all(),
        graphql_type=f"{GRAPHQL_TYPES}.BodyType",
    )
)
kind_register(
    SearchKind(
        name=PERSON,
        label="Person",
        model=Person,
        queryset=lambda: Person.objects.prefetch_related("memberships__body").order_by("pk"),
        entry=person_entry,
        visible_to=lambda viewer: Person.objects.all(),
        graphql_type=f"{GRAPHQL_TYPES}.PersonType",
    )
)
trigger_register(Minutes, lambda minutes: [(MEETING, minutes.meeting_id)])
trigger_register(MinutesVersion, lambda version: [(MEETING, version.minutes.meeting_id)])
trigger_register(Membership, lambda membership: [(PERSON, membership.person_id)])
trigger_register(Vote, lambda vote: [(AGENDA_ITEM, vote.agenda_item_id)])
audience_resolver_register(records_audience)
