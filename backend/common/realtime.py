"""Sending one message to each of many channel-layer groups at once (a fan-out's rings)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer

# Sends in flight at once on a layer without a batch path: each is a few round trips to Redis.
SENDS_IN_FLIGHT = 64
# PUBLISH commands per pipeline: one round trip each, a bounded buffer for a large audience.
PUBLISHES_PER_PIPELINE = 1000


async def group_send_many(layer: Any, messages: Mapping[str, dict[str, Any]]) -> None:
    """``group_send`` of each group's message, as fast as the layer allows.

    On Redis Pub/Sub the PUBLISH commands of a shard go out in pipelines of
    ``PUBLISHES_PER_PIPELINE``, a round trip each, where ``group_send`` would wait for each in
    turn; other layers get ``SENDS_IN_FLIGHT`` concurrent ``group_send`` calls.
    """
    if not messages:
        return
    if type(layer) is RedisPubSubChannelLayer:
        await _publish_pipelined(layer, messages)
        return
    in_flight = asyncio.Semaphore(SENDS_IN_FLIGHT)

    async def send(group: str, message: dict[str, Any]) -> None:
        async with in_flight:
            await layer.group_send(group, message)

    await asyncio.gather(*(send(group, message) for group, message in messages.items()))


async def _publish_pipelined(
    layer: RedisPubSubChannelLayer, messages: Mapping[str, dict[str, Any]]
) -> None:
    # What RedisPubSubLoopLayer.group_send does per group, with the PUBLISH commands batched
    # (channels_redis 4.3): the group's Redis channel, its shard, the shard's lock.
    loop_layer = layer._get_layer()
    by_shard: dict[Any, list[tuple[str, bytes]]] = defaultdict(list)
    for group, message in messages.items():
        channel = loop_layer._get_group_channel_name(group)
        by_shard[loop_layer._get_shard(channel)].append((channel, layer.serialize(message)))
    for shard, publications in by_shard.items():
        for start in range(0, len(publications), PUBLISHES_PER_PIPELINE):
            async with shard._lock:
                shard._ensure_redis()
                pipeline = shard._redis.pipeline(transaction=False)
                for channel, data in publications[start : start + PUBLISHES_PER_PIPELINE]:
                    pipeline.publish(channel, data)
                await pipeline.execute()
