"""The fan-out benchmark's server: the real application, plus the floor it is measured against.

``/graphql`` is routed exactly as in ``backend.asgi``. ``/bench/floor/<number>`` is a bare
Channels consumer, alone in its own group, that writes to its socket whatever is sent to that
group: the least work a fan-out to one socket per user can do. Neither exists outside the
benchmark.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from backend.asgi import django_asgi_app  # isort: skip  (sets Django up before the rest)

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path

from backend.api.consumers import graphql_consumer


def floor_group(number: int) -> str:
    return f"bench.floor.{number}"


class FloorConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = floor_group(self.scope["url_route"]["kwargs"]["number"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def bench_ring(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AuthMiddlewareStack(
            URLRouter(
                [
                    path("graphql", graphql_consumer()),
                    path("bench/floor/<int:number>", FloorConsumer.as_asgi()),
                ]
            )
        ),
    }
)

if os.environ.get("BENCH_PROFILE"):
    # The event loop's thread, profiled from here on; SIGUSR1 writes what it saw so far.
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    signal.signal(signal.SIGUSR1, lambda *_: profiler.dump_stats(os.environ["BENCH_PROFILE"]))
