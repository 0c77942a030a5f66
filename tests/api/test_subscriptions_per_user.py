"""A signed-in user's live subscriptions are capped across all their sockets (and processes).

Through the real ASGI application; the leases live in Redis when REDIS_URL is set, in memory
otherwise.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings

from backend.api.subscription_leases import (
    MemorySubscriptionLeases,
    RedisSubscriptionLeases,
    subscription_leases,
)
from backend.notifications.models import Notification
from backend.records.models import Body
from tests.notifications.conftest import agenda_published, global_id, published_meeting
from tests.notifications.test_live import close, follower, open_socket, subscribe

MEETING_UPDATED = "subscription ($id: ID!) { meetingUpdated(id: $id) { title status } }"


@pytest.fixture
def council(transactional_db) -> Body:
    return Body.objects.create(name="Town Council", slug="council", classification="council")


@pytest.fixture
def two_per_user(settings) -> int:
    settings.GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER = 2
    return 2


async def leases_held(user_id: int) -> int:
    return await subscription_leases().held(user_id=user_id)


async def wait_for_leases(user_id: int, expected: int) -> None:
    """Until the user holds ``expected`` leases: a closed subscription returns its own at once,
    but in the server's task, not the test's."""
    for _ in range(100):
        if await leases_held(user_id) == expected:
            return
        await asyncio.sleep(0.02)
    assert await leases_held(user_id) == expected


async def next_for(socket, op_id: str) -> dict:
    message = await socket.receive_json_from(timeout=5)
    assert message["id"] == op_id and message["type"] == "next", message
    return message["payload"]["data"]["notificationReceived"]


async def refused(socket, op_id: str) -> None:
    message = await socket.receive_json_from(timeout=5)
    assert message["id"] == op_id, message
    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT"


def user_id_of(email: str) -> int:
    from backend.accounts.models import User

    return User.objects.get(email=email).pk


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_one_over_the_cap_is_refused_the_others_go_on_and_closing_one_frees_a_slot(
    council, two_per_user
) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    user_id = await sync_to_async(user_id_of)("fan@example.org")
    meeting = await sync_to_async(published_meeting)(council)

    phone, laptop = await open_socket(token), await open_socket(token)
    await subscribe(phone, op_id="a")
    await subscribe(phone, op_id="b")
    await wait_for_leases(user_id, 2)
    await subscribe(laptop, op_id="c")
    await refused(laptop, "c")
    assert await leases_held(user_id) == 2

    # The refused one changed nothing for the two that run.
    await asyncio.sleep(0.1)  # both subscriptions have joined their group
    await sync_to_async(agenda_published)(meeting)
    received = {}
    for _ in range(2):
        message = await phone.receive_json_from(timeout=5)
        received[message["id"]] = message["payload"]["data"]["notificationReceived"]["kind"]
    assert received == {"a": "agenda_published", "b": "agenda_published"}
    assert await laptop.receive_nothing(timeout=0.2)

    # Closing one frees its slot, on any socket.
    await phone.send_json_to({"id": "a", "type": "complete"})
    await wait_for_leases(user_id, 1)
    await subscribe(laptop, op_id="d")
    await wait_for_leases(user_id, 2)
    await asyncio.sleep(0.1)
    await sync_to_async(agenda_published)(meeting)
    assert (await next_for(laptop, "d"))["kind"] == "agenda_published"
    assert (await next_for(phone, "b"))["kind"] == "agenda_published"
    assert await sync_to_async(Notification.objects.count)() == 2

    # A socket that goes away returns every lease it held.
    await phone.disconnect()
    await wait_for_leases(user_id, 1)
    await close(laptop)
    await wait_for_leases(user_id, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_other_users_and_anonymous_subscribers_are_not_counted(council, two_per_user) -> None:
    token = await sync_to_async(follower)("fan@example.org", council)
    other_token = await sync_to_async(follower)("neighbour@example.org", council)
    meeting = await sync_to_async(published_meeting)(council)
    meeting_id = global_id("Meeting", meeting.pk)

    mine = await open_socket(token)
    await subscribe(mine, op_id="a")
    await subscribe(mine, op_id="b")
    await wait_for_leases(await sync_to_async(user_id_of)("fan@example.org"), 2)

    theirs = await open_socket(other_token)
    await subscribe(theirs, op_id="x")
    await wait_for_leases(await sync_to_async(user_id_of)("neighbour@example.org"), 1)

    # Anonymous watchers of a public meeting have no user to count: each socket has its own cap.
    watchers = [await open_socket(None) for _ in range(3)]
    for index, watcher in enumerate(watchers):
        await watcher.send_json_to(
            {
                "id": f"w{index}",
                "type": "subscribe",
                "payload": {"query": MEETING_UPDATED, "variables": {"id": meeting_id}},
            }
        )
        message = await watcher.receive_json_from(timeout=5)
        assert message["type"] == "next", message
        assert message["payload"]["data"]["meetingUpdated"]["status"] == "SCHEDULED"

    # The signed-in user's own meeting watch counts like any of their subscriptions.
    await mine.send_json_to(
        {
            "id": "m",
            "type": "subscribe",
            "payload": {"query": MEETING_UPDATED, "variables": {"id": meeting_id}},
        }
    )
    await refused(mine, "m")
    await close(mine, theirs, *watchers)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_queries_over_the_socket_do_not_hold_a_slot(council, settings) -> None:
    settings.GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER = 1
    token = await sync_to_async(follower)("fan@example.org", council)
    socket = await open_socket(token)
    await subscribe(socket, op_id="live")
    for index in range(3):
        await socket.send_json_to(
            {"id": f"q{index}", "type": "subscribe", "payload": {"query": "{ viewer { email } }"}}
        )
        message = await socket.receive_json_from(timeout=5)
        assert message["type"] == "next", message
        assert message["payload"] == {"data": {"viewer": {"email": "fan@example.org"}}}
        assert (await socket.receive_json_from(timeout=5))["type"] == "complete"
    await close(socket)


def lease_store(lease_seconds: float):
    """The kind of store the servers use here (Redis with REDIS_URL), on its own keys."""
    if django_settings.REDIS_URL:
        return RedisSubscriptionLeases(
            url=django_settings.REDIS_URL,
            prefix=f"{django_settings.REDIS_PREFIX}-{uuid.uuid4().hex[:8]}",
            lease_seconds=lease_seconds,
        )
    return MemorySubscriptionLeases(lease_seconds=lease_seconds)


@pytest.mark.asyncio
async def test_leases_of_a_process_that_died_expire_and_renewed_ones_do_not() -> None:
    store = lease_store(lease_seconds=2)
    abandoned = await store.acquire(user_id=7, limit=2)
    kept = await store.acquire(user_id=7, limit=2)
    assert abandoned and kept
    assert await store.acquire(user_id=7, limit=2) is None
    assert await store.acquire(user_id=8, limit=2) is not None  # another user's own count

    # Nobody returns the first lease (its process died); the second one's socket renews it.
    await asyncio.sleep(1.2)
    await store.renew(user_id=7, leases=[kept])
    await asyncio.sleep(1.2)
    assert await store.held(user_id=7) == 1
    assert await store.acquire(user_id=7, limit=1) is None
    assert await store.acquire(user_id=7, limit=2) is not None
    await store.release(user_id=7, lease=kept)
    assert await store.held(user_id=7) == 1
