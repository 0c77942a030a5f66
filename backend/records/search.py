"""The meeting record's searchable kinds: meetings, agenda items, documents, bodies, people.

Drafts are seen only by the clerks of their body (and administrators), closed-session agenda
items and their documents by nobody. Versions follow the ``revision`` counters: an agenda
item's is its meeting's plus its own, so publishing or unpublishing the meeting, which bumps
the meeting's revision, outranks every earlier state of its items and documents.
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
)
from backend.records.selectors import bodies_editable_by, user_administers_records
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
        version=meeting.revision,
        title=meeting.title,
        content=content,
        **_meeting_facets(meeting),
    )


def agenda_item_entry(item: AgendaItem) -> IndexEntry:
    meeting = item.meeting
    version = meeting.revision + item.revision
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
            part for part in (item.description, item.recommendation, item.outcome) if part
        ),
        parent=parent,
        **_meeting_facets(meeting),
    )


def document_entry(document: Document) -> IndexEntry:
    meeting = document.meeting
    item = document.agenda_item
    version = meeting.revision + document.revision + (item.revision if item else 0)
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
        # Bodies carry no revision; their last change time orders their updates.
        version=int(body.updated_at.timestamp() * 1_000_000),
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
    )
)
kind_register(
    SearchKind(
        name=AGENDA_ITEM,
        label="Agenda item",
        model=AgendaItem,
        queryset=lambda: AgendaItem.objects.select_related("meeting__body").order_by("pk"),
        entry=agenda_item_entry,
        dependents=agenda_item_dependents,
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
    )
)
kind_register(
    SearchKind(
        name=BODY,
        label="Body",
        model=Body,
        queryset=lambda: Body.objects.order_by("pk"),
        entry=body_entry,
    )
)
kind_register(
    SearchKind(
        name=PERSON,
        label="Person",
        model=Person,
        queryset=lambda: Person.objects.prefetch_related("memberships__body").order_by("pk"),
        entry=person_entry,
    )
)
trigger_register(Minutes, lambda minutes: [(MEETING, minutes.meeting_id)])
trigger_register(MinutesVersion, lambda version: [(MEETING, version.minutes.meeting_id)])
trigger_register(Membership, lambda membership: [(PERSON, membership.person_id)])
audience_resolver_register(records_audience)
