from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from strawberry import relay

from backend.notifications.actions import event_record, notifications_fan_out_now
from backend.notifications.models import Event
from backend.records.models import Body, Meeting


@pytest.fixture
def council(db) -> Body:
    return Body.objects.create(name="Town Council", slug="council", classification="council")


def published_meeting(body: Body, title: str = "Regular meeting") -> Meeting:
    return Meeting.objects.create(
        body=body,
        title=title,
        starts_at=timezone.now() + dt.timedelta(days=3),
        published_at=timezone.now(),
    )


def global_id(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


def agenda_published(meeting: Meeting) -> Event:
    """What the records domain records when an agenda is published, fanned out at once."""
    with transaction.atomic():
        event = event_record(
            kind="agenda_published",
            title=f"Agenda published: {meeting.title}",
            text=meeting.body.name,
            subject=meeting,
            audiences=[meeting.body, meeting],
            headline_parts={"subject": meeting.title},
        )
    notifications_fan_out_now(event_id=event.pk)
    return event
