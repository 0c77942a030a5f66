"""The health check's round trip through the channel layer leaves nothing behind."""

from __future__ import annotations

import pytest
from channels.layers import get_channel_layer

from backend.health import _check_channel_layer


def channels_held(layer) -> int:
    """Channels the layer still tracks in this process (Redis Pub/Sub: still subscribed)."""
    if hasattr(layer, "_get_layer"):  # Redis Pub/Sub, one layer per event loop
        loop_layer = layer._get_layer()
        subscribed = sum(len(shard._subscribed_to) for shard in loop_layer._shards)
        return len(loop_layer.channels) + subscribed
    if hasattr(layer, "receive_buffer"):  # Redis queues
        return len(layer.receive_buffer)
    return len(layer.channels)  # in memory


@pytest.mark.asyncio
async def test_repeated_health_checks_leave_no_channel_behind() -> None:
    layer = get_channel_layer()
    for _ in range(5):
        await _check_channel_layer()
    assert channels_held(layer) == 0
