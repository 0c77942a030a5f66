"""/healthz: each dependency and its state, 503 when one is down."""

from __future__ import annotations

import asyncio
import contextlib
import time

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


async def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    channel = await layer.new_channel("healthz.")
    try:
        await layer.send(channel, {"type": "healthz.ping"})
        message = await layer.receive(channel)
    finally:
        await _channel_end(layer, channel)
    if message.get("type") != "healthz.ping":
        raise RuntimeError("the channel layer returned another message")


async def _channel_end(layer, channel: str) -> None:
    """Let the layer forget the check's channel, as it forgets a consumer's that went away.

    Channels has no call for it: a consumer's channel ends with a receive that is cancelled,
    which the Redis Pub/Sub layer answers by unsubscribing. Without this every check would leave
    one subscription behind.
    """
    receiving = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)  # the receive is now waiting on the channel
    receiving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await receiving


CHECK_TIMEOUT_SECONDS = 3.0


async def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_SECONDS)
    except Exception as error:
        return {"status": "down", "error": type(error).__name__}
    return {"status": "up", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


async def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": await _timed(sync_to_async(_check_database)),
        "channel_layer": await _timed(_check_channel_layer),
    }
    healthy = all(check["status"] == "up" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
