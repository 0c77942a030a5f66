"""GraphQL over WebSocket (graphql-transport-ws) through the real ASGI application."""

from __future__ import annotations

import json

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from backend.asgi import application
from tests.conftest import app_login, user_create

PROTOCOL = "graphql-transport-ws"
VIEWER = "query { viewer { email } }"


async def ws_connect(*, params: dict | None = None, origin: str | None = None):
    headers = [(b"host", b"testserver")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    communicator = WebsocketCommunicator(
        application, "/graphql", subprotocols=[PROTOCOL], headers=headers
    )
    connected, subprotocol = await communicator.connect()
    return communicator, connected, subprotocol


async def operation(communicator: WebsocketCommunicator, query: str, op_id: str = "1") -> dict:
    await communicator.send_json_to({"id": op_id, "type": "subscribe", "payload": {"query": query}})
    message = await communicator.receive_json_from(timeout=5)
    assert message["type"] == "next", message
    complete = await communicator.receive_json_from(timeout=5)
    assert complete == {"id": op_id, "type": "complete"}
    return message["payload"]


def assert_no_groups_left() -> None:
    layer = get_channel_layer()
    assert not getattr(layer, "groups", {}), layer.groups


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_viewer_over_websocket_with_connection_params_token() -> None:
    await sync_to_async(user_create)("ws@example.org")
    token = await sync_to_async(app_login)(Client(), "ws@example.org")
    communicator, connected, subprotocol = await ws_connect()
    assert connected and subprotocol == PROTOCOL
    await communicator.send_json_to({"type": "connection_init", "payload": {"sessionToken": token}})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
    assert await operation(communicator, VIEWER) == {
        "data": {"viewer": {"email": "ws@example.org"}}
    }
    await communicator.disconnect()
    assert_no_groups_left()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_anonymous_websocket_viewer_is_null() -> None:
    communicator, connected, _ = await ws_connect()
    assert connected
    await communicator.send_json_to({"type": "connection_init"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
    assert await operation(communicator, VIEWER) == {"data": {"viewer": None}}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_wrong_token_closes_the_socket_with_4403() -> None:
    communicator, connected, _ = await ws_connect()
    assert connected
    await communicator.send_json_to(
        {"type": "connection_init", "payload": {"sessionToken": "forged"}}
    )
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403, "reason": "Forbidden"}
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_legacy_graphql_ws_protocol_is_refused() -> None:
    communicator = WebsocketCommunicator(application, "/graphql", subprotocols=["graphql-ws"])
    connected, _ = await communicator.connect()
    # Accepted only to be closed at once with "subprotocol not acceptable".
    assert connected
    closed = await communicator.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 4406
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_foreign_browser_origin_is_refused_and_native_apps_admitted() -> None:
    communicator, connected, _ = await ws_connect(origin="https://evil.example")
    assert not connected
    communicator, connected, _ = await ws_connect(origin="https://app.town.example")
    assert connected
    await communicator.disconnect()
    communicator, connected, _ = await ws_connect(origin=None)
    assert connected
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
def test_real_socket_through_uvicorn(asgi_server) -> None:
    """A real network WebSocket to the served ASGI app: token in connectionParams, never the URL."""
    import asyncio

    user_create("net@example.org")
    client = Client()
    token = app_login(client, "net@example.org")

    async def run() -> dict:
        async with websockets.connect(
            f"ws://{asgi_server}/graphql", subprotocols=[PROTOCOL]
        ) as socket:
            await socket.send(
                json.dumps({"type": "connection_init", "payload": {"sessionToken": token}})
            )
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(
                json.dumps({"id": "q", "type": "subscribe", "payload": {"query": VIEWER}})
            )
            return json.loads(await socket.recv())

    message = asyncio.run(run())
    assert message == {
        "id": "q",
        "type": "next",
        "payload": {"data": {"viewer": {"email": "net@example.org"}}},
    }

    async def foreign() -> int:
        try:
            async with websockets.connect(
                f"ws://{asgi_server}/graphql",
                subprotocols=[PROTOCOL],
                origin="https://evil.example",
            ):
                return 101
        except websockets.InvalidStatus as error:
            return error.response.status_code

    assert asyncio.run(foreign()) == 403
