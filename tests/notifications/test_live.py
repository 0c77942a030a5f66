"""notificationReceived over a real graphql-transport-ws connection through the ASGI app."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from backend.asgi import application
from backend.notifications.models import Follow, Notification
from backend.records.models import Body
from tests.conftest import app_login, user_create
from tests.notifications.conftest import agenda_published, published_meeting

PROTOCOL = "graphql-transport-ws"
SUBSCRIBE = """
subscription ($after: String) { notificationReceived(after: $after) { cursor kind title } }
"""


def follower(email: str, body: Body) -> str:
    user = user_create(email)
    Follow.objects.create(
        user=user, target_type=ContentType.objects.get_for_model(Body), target_id=body.pk
    )
    return app_login(Client(), email)


async def open_socket(token: str | None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/graphql", subprotocols=[PROTOCOL])
    connected, _ = await communicator.connect()
    assert connected
    payload = {"sessionToken": token} if token else {}
    await communicator.send_json_to({"type": "connection_init", "payload": payload})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
    return communicator


async def subscribe(communicator, after: str | None = None, op_id: str = "n") -> None:
    await communicator.send_json_to(
        {
            "id": op_id,
            "type": "subscribe",
            "payload": {"query": SUBSCRIBE, "variables": {"after": after}},
        }
    )


async def next_notification(communicator) -> dict:
    message = await communicator.receive_json_from(timeout=5)
    assert message["type"] == "next", message
    return message["payload"]["data"]["notificationReceived"]


async def close(*communicators) -> None:
    for communicator in communicators:
        await communicator.disconnect()
    # Always leave the channel layer as found: no group membership outlives its socket.
    layer = get_channel_layer()
    if hasattr(layer, "groups"):
        await asyncio.sleep(0.05)
        assert not layer.groups, layer.groups


@pytest.fixture
def council(transactional_db) -> Body:
    return Body.objects.create(name="Town Council", slug="council", classification="council")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_live_delivery_then_replay_of_exactly_the_missed_ones(council) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    meeting = await sync_to_async(published_meeting)(council)

    socket = await open_socket(token)
    await subscribe(socket)
    await asyncio.sleep(0.1)  # the subscription has joined its group
    await sync_to_async(agenda_published)(meeting)
    first = await next_notification(socket)
    assert first["kind"] == "agenda_published"
    await close(socket)

    await sync_to_async(agenda_published)(meeting)
    await sync_to_async(agenda_published)(meeting)

    socket = await open_socket(token)
    await subscribe(socket, after=first["cursor"])
    missed = [await next_notification(socket), await next_notification(socket)]
    cursors = [int(item["cursor"]) for item in missed]
    assert cursors == sorted(cursors) and cursors[0] > int(first["cursor"])
    assert await socket.receive_nothing(timeout=0.3)
    await close(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_second_user_receives_nothing_of_the_first(council) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    await sync_to_async(user_create)("bystander@example.org")
    other_token = await sync_to_async(app_login)(Client(), "bystander@example.org")
    meeting = await sync_to_async(published_meeting)(council)

    mine, theirs = await open_socket(token), await open_socket(other_token)
    await subscribe(mine)
    await subscribe(theirs)
    await asyncio.sleep(0.1)
    await sync_to_async(agenda_published)(meeting)
    assert (await next_notification(mine))["kind"] == "agenda_published"
    assert await theirs.receive_nothing(timeout=0.3)
    await close(mine, theirs)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_anonymous_cannot_subscribe_to_a_personal_stream() -> None:
    socket = await open_socket(None)
    await subscribe(socket)
    message = await socket.receive_json_from(timeout=5)
    assert message["type"] == "next"
    assert message["payload"]["data"] is None
    assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await socket.receive_json_from(timeout=5))["type"] == "complete"
    await close(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_channel_layer_down_during_publish_loses_nothing(council, monkeypatch) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    meeting = await sync_to_async(published_meeting)(council)
    socket = await open_socket(token)
    await subscribe(socket)
    await asyncio.sleep(0.1)
    first = None

    async def layer_down(*args, **kwargs):
        raise ConnectionError("channel layer unreachable")

    # Every ring of a fan-out leaves the process through this one call.
    monkeypatch.setattr("backend.notifications.actions.group_send_many", layer_down)
    await sync_to_async(agenda_published)(meeting)  # the write still succeeds
    assert await socket.receive_nothing(timeout=0.3)
    assert await sync_to_async(Notification.objects.count)() == 1
    monkeypatch.undo()
    await close(socket)

    # Back up: the client reconnects from its last cursor (none yet: from 0) and gets it.
    socket = await open_socket(token)
    await subscribe(socket, after="0")
    first = await next_notification(socket)
    assert first["kind"] == "agenda_published"
    await close(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_subscriptions_per_socket_are_capped(council, settings) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    socket = await open_socket(token)
    for index in range(10):
        await subscribe(socket, op_id=f"s{index}")
    await subscribe(socket, op_id="one-too-many")
    message = await socket.receive_json_from(timeout=5)
    assert message["id"] == "one-too-many"
    assert message["type"] == "error"
    assert "limit" in message["payload"][0]["message"].lower()
    await close(socket)
