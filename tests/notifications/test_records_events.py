"""Records actions reach followers: live over the socket, and in the inbox."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backend.accounts.roles import Role
from backend.common.errors import ActionError
from backend.notifications.actions import notifications_fan_out_now
from backend.notifications.models import Event, Follow, Notification
from backend.records.actions import (
    agenda_item_create,
    meeting_cancel,
    meeting_create,
    meeting_publish,
    meeting_status_set,
)
from backend.records.models import Body, Meeting
from tests.conftest import user_create
from tests.notifications.conftest import global_id
from tests.notifications.test_live import close, next_notification, open_socket, subscribe

MEETING_UPDATED = """
subscription ($id: ID!) { meetingUpdated(id: $id) { title status currentItem { title } } }
"""


def _world() -> tuple[Body, object, str]:
    from django.test import Client

    from tests.conftest import app_login

    body = Body.objects.create(
        name="Planning Committee", slug="planning", classification="committee"
    )
    clerk = user_create("clerk@example.org", Role.CLERK, mfa=True, is_staff=True)
    body.clerks.add(clerk)
    resident = user_create("follower@example.org")
    Follow.objects.create(
        user=resident, target_type=ContentType.objects.get_for_model(Body), target_id=body.pk
    )
    return body, clerk, app_login(Client(), resident.email)


def _draft_with_agenda(body: Body, clerk) -> Meeting:
    meeting = meeting_create(
        actor=clerk,
        body=body,
        title="Bike lanes on Main Street",
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    agenda_item_create(actor=clerk, meeting=meeting, title="Main Street bike lanes", kind="report")
    return meeting


def _run_fan_outs() -> None:
    for event in Event.objects.filter(fanned_out_at__isnull=True):
        notifications_fan_out_now(event_id=event.pk)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_publishing_an_agenda_reaches_a_followers_open_subscription() -> None:
    body, clerk, token = await sync_to_async(_world)()
    meeting = await sync_to_async(_draft_with_agenda)(body, clerk)
    # A draft's changes tell nobody.
    assert await sync_to_async(Event.objects.count)() == 0

    socket = await open_socket(token)
    await subscribe(socket)
    await asyncio.sleep(0.1)
    await sync_to_async(meeting_publish)(actor=clerk, meeting=meeting)
    assert (
        await sync_to_async(
            DBTaskResult.objects.filter(task_path__endswith="notifications_fan_out").count
        )()
        == 1
    )
    await sync_to_async(_run_fan_outs)()
    received = await next_notification(socket)
    assert received["kind"] == "agenda_published"
    assert received["title"] == "Agenda published: Bike lanes on Main Street"
    await close(socket)


@pytest.mark.django_db
def test_cancelling_a_published_meeting_notifies_followers_once() -> None:
    body, clerk, _ = _world()
    meeting = _draft_with_agenda(body, clerk)
    meeting_publish(actor=clerk, meeting=meeting)
    meeting_cancel(actor=clerk, meeting=meeting, reason="No quorum")
    _run_fan_outs()
    _run_fan_outs()
    kinds = list(Notification.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["agenda_published", "meeting_cancelled"]


@pytest.mark.django_db
def test_a_refused_action_records_no_event() -> None:
    body, clerk, _ = _world()
    meeting = _draft_with_agenda(body, clerk)
    outsider = user_create("outsider@example.org", Role.CLERK, mfa=True, is_staff=True)
    with pytest.raises(ActionError), transaction.atomic():
        meeting_publish(actor=outsider, meeting=meeting)
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_meetings_live_status_reaches_an_anonymous_subscriber() -> None:
    body, clerk, _ = await sync_to_async(_world)()
    meeting = await sync_to_async(_draft_with_agenda)(body, clerk)
    await sync_to_async(meeting_publish)(actor=clerk, meeting=meeting)
    item = await sync_to_async(meeting.agenda_items.get)()

    socket = await open_socket(None)
    await socket.send_json_to(
        {
            "id": "m",
            "type": "subscribe",
            "payload": {
                "query": MEETING_UPDATED,
                "variables": {"id": global_id("Meeting", meeting.pk)},
            },
        }
    )
    first = await socket.receive_json_from(timeout=5)
    assert first["payload"]["data"]["meetingUpdated"]["status"] == "SCHEDULED"
    await sync_to_async(meeting_status_set)(
        actor=clerk, meeting=meeting, status="in_progress", current_item=item
    )
    live = await socket.receive_json_from(timeout=5)
    assert live["payload"]["data"]["meetingUpdated"] == {
        "title": "Bike lanes on Main Street",
        "status": "IN_PROGRESS",
        "currentItem": {"title": "Main Street bike lanes"},
    }
    await close(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_draft_meeting_cannot_be_watched_anonymously() -> None:
    body, clerk, _ = await sync_to_async(_world)()
    meeting = await sync_to_async(_draft_with_agenda)(body, clerk)
    socket = await open_socket(None)
    await socket.send_json_to(
        {
            "id": "m",
            "type": "subscribe",
            "payload": {
                "query": MEETING_UPDATED,
                "variables": {"id": global_id("Meeting", meeting.pk)},
            },
        }
    )
    message = await socket.receive_json_from(timeout=5)
    assert message["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    await close(socket)
