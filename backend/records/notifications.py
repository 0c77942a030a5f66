"""What residents can follow in the meeting record, and the events that reach them."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from strawberry import relay

from backend.notifications.registry import (
    announced_kind_register,
    followable_register,
    known_bodies_register,
    notification_kind_register,
    subject_path_register,
)
from backend.records.models import AgendaItem, Body, Document, Meeting, PublicationEvent
from backend.records.search import AGENDA_ITEM, DOCUMENT, MEETING
from backend.records.selectors import meetings_visible_to


def _bodies_followable_by(user: Any) -> QuerySet[Body]:
    return Body.objects.all()


def _meetings_followable_by(user: Any) -> QuerySet[Meeting]:
    return meetings_visible_to(user=user)


def followables_register() -> None:
    followable_register(model=Body, type_name="Body", visible_to=_bodies_followable_by)
    followable_register(model=Meeting, type_name="Meeting", visible_to=_meetings_followable_by)


# The kinds of event the records domain records (see backend/records/events.py), with the email
# delivery each gets until a resident chooses: live status changes of a meeting under way are
# chatter best followed in the app, so they are never emailed unless asked for; everything else
# arrives in the daily digest.
RECORDS_NOTIFICATION_KINDS = [
    ("meeting_scheduled", _("Meeting scheduled"), "daily"),
    ("agenda_published", _("Agenda published"), "daily"),
    ("meeting_postponed", _("Meeting postponed"), "daily"),
    ("meeting_cancelled", _("Meeting cancelled"), "daily"),
    ("meeting_status_changed", _("Meeting under way: started, recessed, adjourned"), "off"),
    ("minutes_published", _("Minutes published"), "daily"),
    ("minutes_adopted", _("Minutes adopted"), "daily"),
]

# Headlines, in the reader's language, from the meeting's title ("subject") and, for a meeting
# under way, its status. The English ones read as the titles the events store.
_HEADLINES = {
    "meeting_scheduled": _("Meeting scheduled: %(subject)s"),
    "agenda_published": _("Agenda published: %(subject)s"),
    "meeting_postponed": _("Meeting postponed: %(subject)s"),
    "meeting_cancelled": _("Meeting cancelled: %(subject)s"),
    "minutes_published": _("Minutes published: %(subject)s"),
    "minutes_adopted": _("Minutes adopted: %(subject)s"),
}
_STATUS_HEADLINES = {
    Meeting.Status.SCHEDULED: _("Scheduled: %(subject)s"),
    Meeting.Status.IN_PROGRESS: _("In progress: %(subject)s"),
    Meeting.Status.RECESSED: _("Recessed: %(subject)s"),
    Meeting.Status.ADJOURNED: _("Adjourned: %(subject)s"),
    Meeting.Status.CANCELLED: _("Cancelled: %(subject)s"),
    Meeting.Status.POSTPONED: _("Postponed: %(subject)s"),
}


def _headline(kind: str) -> Any:
    if kind == "meeting_status_changed":
        return lambda parts: _STATUS_HEADLINES[parts["status"]] % parts
    return lambda parts: _HEADLINES[kind] % parts


def notification_kinds_register() -> None:
    for kind, label, email_default in RECORDS_NOTIFICATION_KINDS:
        notification_kind_register(
            kind=kind, label=label, email_default=email_default, headline=_headline(kind)
        )
    # The Town's web app shows a record at /<records>/<its GraphQL global ID>.
    subject_path_register(
        model=Meeting, path=lambda pk: f"/meetings/{relay.to_base64('Meeting', pk)}"
    )
    subject_path_register(model=Body, path=lambda pk: f"/bodies/{relay.to_base64('Body', pk)}")


# Saved searches hear of meetings, agenda items and documents when they first become public.


def _first_public_moment(meeting: Meeting, since: datetime.datetime) -> datetime.datetime | None:
    """The first moment from ``since`` on at which ``meeting`` was public; None while a draft.

    Read from the publication history, so re-publishing is not a new first time. Meetings
    published without a history entry (loaded data) fall back to their ``published_at``.
    """
    if not meeting.is_published:
        return None
    public_at_since = False
    history = meeting.publication_events.filter(
        action__in=[PublicationEvent.Action.PUBLISHED, PublicationEvent.Action.UNPUBLISHED]
    ).order_by("at", "id")
    for action, at in history.values_list("action", "at"):
        published = action == PublicationEvent.Action.PUBLISHED
        if at <= since:
            public_at_since = published
        elif public_at_since:
            return since
        elif published:
            return at
    if public_at_since:
        return since
    return max(meeting.published_at, since)


def _meeting_public_since(meeting: Meeting) -> datetime.datetime | None:
    return _first_public_moment(meeting, meeting.created_at)


def _agenda_item_public_since(item: AgendaItem) -> datetime.datetime | None:
    return _first_public_moment(item.meeting, item.created_at)


def _document_public_since(document: Document) -> datetime.datetime | None:
    return _first_public_moment(document.meeting, document.created_at)


def _known_bodies(body_ids: set[int]) -> set[int]:
    return set(Body.objects.filter(pk__in=body_ids).values_list("pk", flat=True))


def saved_search_kinds_register() -> None:
    announced_kind_register(kind=MEETING, public_since=_meeting_public_since)
    announced_kind_register(kind=AGENDA_ITEM, public_since=_agenda_item_public_since)
    announced_kind_register(kind=DOCUMENT, public_since=_document_public_since)
    known_bodies_register(_known_bodies)
