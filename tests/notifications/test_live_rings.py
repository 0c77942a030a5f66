"""A ring carries the user's new notification: sent as carried when it is next, otherwise the
inbox is read again; in order, no gaps, no duplicates, the same fields as the inbox."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from backend.notifications.actions import notifications_fan_out_now
from backend.notifications.graphql import subscriptions
from backend.notifications.models import Notification
from backend.records.models import Body
from tests.conftest import graphql
from tests.notifications.conftest import agenda_published, published_meeting
from tests.notifications.test_live import close, follower, next_notification, open_socket, subscribe

FIELDS = "cursor kind title text subjectId read createdAt"
LIVE = f"subscription ($after: String) {{ notificationReceived(after: $after) {{ {FIELDS} }} }}"


@pytest.fixture
def council(transactional_db) -> Body:
    return Body.objects.create(name="Town Council", slug="council", classification="council")


async def subscribe_all_fields(socket, after: str | None = None) -> None:
    await socket.send_json_to(
        {
            "id": "n",
            "type": "subscribe",
            "payload": {"query": LIVE, "variables": {"after": after}},
        }
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_rung_notification_is_sent_as_carried_and_matches_the_inbox(
    council, monkeypatch
) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    meeting = await sync_to_async(published_meeting)(council)
    socket = await open_socket(token)
    await subscribe_all_fields(socket)
    await asyncio.sleep(0.1)

    # Once subscribed, no socket reads the inbox again for a notification it is rung with.
    def inbox_read(**kwargs):
        raise AssertionError("the inbox was read for a notification the ring carried")

    monkeypatch.setattr(subscriptions, "notifications_after", inbox_read)
    await sync_to_async(agenda_published)(meeting)
    await sync_to_async(agenda_published)(meeting)
    live = [await next_notification(socket), await next_notification(socket)]
    monkeypatch.undo()
    await close(socket)

    inbox = await sync_to_async(graphql)(
        Client(), f"{{ notifications(first: 5) {{ nodes {{ {FIELDS} }} }} }}", token=token
    )
    assert live == list(reversed(inbox["data"]["notifications"]["nodes"]))


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_lost_ring_is_made_up_by_the_next_one_in_order(council, monkeypatch) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    meeting = await sync_to_async(published_meeting)(council)
    socket = await open_socket(token)
    await subscribe(socket)
    await asyncio.sleep(0.1)

    async def lost(*args, **kwargs):
        raise ConnectionError("channel layer unreachable")

    monkeypatch.setattr("backend.notifications.actions.group_send_many", lost)
    await sync_to_async(agenda_published)(meeting)
    monkeypatch.undo()
    assert await socket.receive_nothing(timeout=0.3)

    await sync_to_async(agenda_published)(meeting)
    first, second = await next_notification(socket), await next_notification(socket)
    rows = await sync_to_async(lambda: list(Notification.objects.order_by("pk")))()
    assert [first["cursor"], second["cursor"]] == [str(row.pk) for row in rows]
    assert await socket.receive_nothing(timeout=0.3)
    await close(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_fan_out_run_again_rings_again_and_sends_nothing_twice(council) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    meeting = await sync_to_async(published_meeting)(council)
    socket = await open_socket(token)
    await subscribe(socket)
    await asyncio.sleep(0.1)

    event = await sync_to_async(agenda_published)(meeting)
    assert (await next_notification(socket))["kind"] == "agenda_published"
    # A worker that ran it again after a crash: the same rows, the same rings.
    await sync_to_async(notifications_fan_out_now)(event_id=event.pk)
    assert await socket.receive_nothing(timeout=0.3)
    await close(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_replay_then_rings_and_each_follower_is_rung_with_their_own_row(council) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    meeting = await sync_to_async(published_meeting)(council)
    first = await sync_to_async(agenda_published)(meeting)
    second = await sync_to_async(agenda_published)(meeting)
    rows = await sync_to_async(lambda: list(Notification.objects.order_by("pk")))()
    assert [row.event_id for row in rows] == [first.pk, second.pk]

    # Resuming from before both: the replay sends both, then a third comes rung.
    socket = await open_socket(token)
    await subscribe(socket, after="0")
    replayed = [await next_notification(socket), await next_notification(socket)]
    assert [item["cursor"] for item in replayed] == [str(row.pk) for row in rows]
    await sync_to_async(agenda_published)(meeting)
    third = await next_notification(socket)
    assert int(third["cursor"]) > rows[-1].pk
    assert await socket.receive_nothing(timeout=0.3)
    await close(socket)

    # Another follower of the same body is rung with their own row, never this one's.
    other_token = await sync_to_async(follower)("neighbour@example.org", council)
    other = await open_socket(other_token)
    await subscribe(other)
    await asyncio.sleep(0.1)
    await sync_to_async(agenda_published)(meeting)
    theirs = await next_notification(other)
    owner = await sync_to_async(
        lambda: Notification.objects.get(pk=int(theirs["cursor"])).user.email
    )()
    assert owner == "neighbour@example.org"
    await close(other)
