"""group_send_many: each group gets its own message, on whichever layer is configured."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import get_channel_layer

from backend.common import realtime
from backend.common.realtime import group_send_many


@pytest.mark.asyncio
async def test_each_group_receives_its_own_message_and_no_other(monkeypatch) -> None:
    monkeypatch.setattr(realtime, "PUBLISHES_PER_PIPELINE", 2)  # more than one batch on Redis
    layer = get_channel_layer()
    members = {f"realtime-test.{number}": await layer.new_channel() for number in range(3)}
    for group, channel in members.items():
        await layer.group_add(group, channel)
    bystander = await layer.new_channel()
    try:
        await group_send_many(
            layer, {group: {"type": "test.ring", "group": group} for group in members}
        )
        for group, channel in members.items():
            message = await asyncio.wait_for(layer.receive(channel), 5)
            assert message == {"type": "test.ring", "group": group}
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(bystander), 0.3)
    finally:
        for group, channel in members.items():
            await layer.group_discard(group, channel)
