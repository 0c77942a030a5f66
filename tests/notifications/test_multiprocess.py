"""Two server processes and a worker process share real time through Redis.

Server B holds the subscribers' sockets; the change goes in through server A (a clerk's mutation
over HTTP) and its fan-out runs in a ``manage.py db_worker`` process: every message a subscriber
gets has crossed from another process. Needs REDIS_URL and a database the processes can share.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import aiohttp
import pytest
import websockets
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from backend.accounts.roles import Role
from backend.api.subscription_leases import subscription_leases
from backend.notifications.models import Follow, Notification
from backend.records.models import AgendaItem, Body
from tests.conftest import app_login, user_create
from tests.notifications.conftest import global_id, published_meeting
from tests.processes import (
    NEEDS_REDIS,
    NEEDS_SHARED_DATABASE,
    server,
    shared_database_url,
    skip_unless,
    stop,
    worker_start,
)
from tests.records.test_documents import staff_app_login

PROTOCOL = "graphql-transport-ws"
IDLE_SECONDS = 6
NOTIFICATIONS = 'subscription { notificationReceived(after: "0") { cursor kind title } }'
MEETING_UPDATED = """
subscription ($id: ID!) { meetingUpdated(id: $id) { status currentItem { title } } }
"""
STATUS_SET = """
mutation ($input: MeetingStatusSetInput!) {
  meetingStatusSet(input: $input) { meeting { status } errors { code message } }
}
"""


@dataclass
class World:
    meeting_id: str
    item_id: str
    follower_id: int
    follower_token: str
    clerk_token: str


@pytest.fixture
def world(transactional_db) -> World:
    skip_unless(bool(shared_redis_url()), NEEDS_REDIS)
    skip_unless(shared_database_url() is not None, NEEDS_SHARED_DATABASE)
    body = Body.objects.create(name="Town Council", slug="council", classification="council")
    meeting = published_meeting(body)
    item = AgendaItem.objects.create(meeting=meeting, position=1, number="1", title="Budget")
    clerk = user_create("clerk@example.org", Role.CLERK)
    body.clerks.add(clerk)
    follower = user_create("fan@example.org")
    Follow.objects.create(
        user=follower, target_type=ContentType.objects.get_for_model(Body), target_id=body.pk
    )
    return World(
        meeting_id=global_id("Meeting", meeting.pk),
        item_id=global_id("AgendaItem", item.pk),
        follower_id=follower.pk,
        follower_token=app_login(Client(), follower.email),
        clerk_token=staff_app_login(Client(), clerk),
    )


def shared_redis_url() -> str:
    from django.conf import settings

    return settings.REDIS_URL


@pytest.fixture
def processes(world, tmp_path) -> Iterator[tuple[str, str]]:
    """Servers A and B, and a worker; the per-user cap is one subscription."""
    with ExitStack() as stack:
        cap = {"GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER": "1"}
        server_a = stack.enter_context(server(tmp_path / "server-a.log", **cap))
        server_b = stack.enter_context(server(tmp_path / "server-b.log", **cap))
        worker = worker_start(tmp_path / "worker.log")
        stack.callback(stop, worker)
        yield server_a, server_b


async def socket_open(address: str, token: str | None = None):
    socket = await websockets.connect(f"ws://{address}/graphql", subprotocols=[PROTOCOL])
    payload = {"sessionToken": token} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
    return socket


async def send(socket, message: dict) -> None:
    await socket.send(json.dumps(message))


async def receive(socket) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), 15))


async def mutation(address: str, token: str, query: str, variables: dict) -> dict:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://{address}/graphql",
            json={"query": query, "variables": variables},
            headers={"X-Session-Token": token},
        ) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


def test_an_event_published_through_one_server_reaches_subscribers_of_the_other(
    world: World, processes
) -> None:
    server_a, server_b = processes

    async def scenario() -> tuple[dict, dict]:
        watcher = await socket_open(server_b)
        follower = await socket_open(server_b, world.follower_token)
        try:
            await send(
                watcher,
                {
                    "id": "watch",
                    "type": "subscribe",
                    "payload": {"query": MEETING_UPDATED, "variables": {"id": world.meeting_id}},
                },
            )
            # The current state first: the subscription has joined the meeting's group.
            current = await receive(watcher)
            assert current["payload"]["data"]["meetingUpdated"]["status"] == "SCHEDULED"
            # From cursor 0: even a fan-out that rings before it joins is replayed.
            await send(
                follower, {"id": "inbox", "type": "subscribe", "payload": {"query": NOTIFICATIONS}}
            )

            result = await mutation(
                server_a,
                world.clerk_token,
                STATUS_SET,
                {
                    "input": {
                        "meetingId": world.meeting_id,
                        "status": "IN_PROGRESS",
                        "currentItemId": world.item_id,
                    }
                },
            )
            assert result == {
                "data": {"meetingStatusSet": {"meeting": {"status": "IN_PROGRESS"}, "errors": []}}
            }
            live, notification = await receive(watcher), await receive(follower)

            # Idle for longer than a Redis read may wait (5 s in redis-py 8): still listening.
            await asyncio.sleep(IDLE_SECONDS)
            result = await mutation(
                server_a,
                world.clerk_token,
                STATUS_SET,
                {"input": {"meetingId": world.meeting_id, "status": "RECESSED"}},
            )
            assert result["data"]["meetingStatusSet"]["errors"] == []
            later = await receive(watcher)
            assert later["payload"]["data"]["meetingUpdated"]["status"] == "RECESSED"
            assert (await receive(follower))["type"] == "next"
            return live, notification
        finally:
            await watcher.close()
            await follower.close()

    live, notification = asyncio.run(scenario())
    assert live == {
        "id": "watch",
        "type": "next",
        "payload": {
            "data": {
                "meetingUpdated": {"status": "IN_PROGRESS", "currentItem": {"title": "Budget"}}
            }
        },
    }
    assert notification["id"] == "inbox" and notification["type"] == "next", notification
    received = notification["payload"]["data"]["notificationReceived"]
    assert received["kind"] == "meeting_status_changed"
    stored = Notification.objects.order_by("pk").first()
    assert received["cursor"] == str(stored.pk) and stored.user_id == world.follower_id


def test_the_per_user_cap_counts_subscriptions_on_every_server(world: World, processes) -> None:
    server_a, server_b = processes
    watch = {
        "type": "subscribe",
        "payload": {"query": MEETING_UPDATED, "variables": {"id": world.meeting_id}},
    }

    async def scenario() -> None:
        leases = subscription_leases()
        on_b = await socket_open(server_b, world.follower_token)
        on_a = await socket_open(server_a, world.follower_token)
        try:
            await send(on_b, {"id": "b", **watch})
            assert (await receive(on_b))["type"] == "next"
            assert await leases.held(user_id=world.follower_id) == 1

            await send(on_a, {"id": "a1", **watch})
            refused = await receive(on_a)
            assert refused["id"] == "a1" and refused["type"] == "error", refused
            assert refused["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"

            # Closing it on server B frees the slot for server A.
            await send(on_b, {"id": "b", "type": "complete"})
            for _ in range(100):
                if await leases.held(user_id=world.follower_id) == 0:
                    break
                await asyncio.sleep(0.05)
            await send(on_a, {"id": "a2", **watch})
            started = await receive(on_a)
            assert started["id"] == "a2" and started["type"] == "next", started
            assert await leases.held(user_id=world.follower_id) == 1
        finally:
            await on_a.close()
            await on_b.close()
        for _ in range(100):
            if await leases.held(user_id=world.follower_id) == 0:
                break
            await asyncio.sleep(0.05)
        assert await leases.held(user_id=world.follower_id) == 0

    asyncio.run(scenario())
