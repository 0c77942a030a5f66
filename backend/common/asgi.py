"""Django over ASGI, with each request's synchronous work on one reused thread, in one hop.

Django's own ASGI handler starts a thread for every request, and a second one to join it when
the request ends; with synchronous middleware it also crosses between that thread and the event
loop three times before the view runs (the middleware chain is adapted to the asynchronous
``get_response`` at its innermost end). Starting a thread waits for the new thread to take the
interpreter lock, which a busy request holds, so under load the event loop stalls on every
request. Measured on the records benchmark, the handler cost each request more CPU than the view
itself.

This handler keeps Django's semantics: all of a request's thread-sensitive work (the
request-started signal, the middleware chain and view, the response's close and its
request-finished signal) still runs on one thread of its own, so the request's database
connection is opened, used and closed on that thread as before. What changes:

- the thread is a worker kept for reuse (``ThreadSensitiveContext`` with an executor, which
  asgiref provides for this), not a new thread per request;
- the middleware chain is loaded in its synchronous mode and runs in one call on that thread;
  an asynchronous view is still served (Django adapts it inside the chain).
"""

from __future__ import annotations

import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponse

# Idle request threads kept for the next requests; a burst beyond this gets threads that end
# with their request.
IDLE_THREADS = 16

# Tracked objects allocated (net of those freed) before the collector's youngest generation
# runs. Python's default, 700, is below what one GraphQL page holds at once (its rows, their
# dicts and the response being built), so the collector ran about twice within every such
# request, each time walking everything the request still held; 5,000 lets most requests end,
# and free what they made, before it runs.
COLLECTOR_YOUNG_THRESHOLD = 5_000


def garbage_collector_settle() -> None:
    """Tune the garbage collector for a long-lived server process, once it has started.

    Everything alive at that point (modules, settings, the URL patterns and the GraphQL schema:
    about 175,000 objects) lives as long as the process. Frozen, they are left out of the
    collector's full passes, which otherwise walk all of them (over 100 ms on this project,
    during which no request moves).
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(COLLECTOR_YOUNG_THRESHOLD, middle, oldest)


class _RequestThreads:
    """Single-thread executors, one per request in flight, kept for reuse when idle."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.lock = threading.Lock()
        self.idle: list[ThreadPoolExecutor] = []

    def take(self) -> ThreadPoolExecutor:
        with self.lock:
            if self.idle:
                return self.idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give_back(self, executor: ThreadPoolExecutor) -> None:
        with self.lock:
            if len(self.idle) < self.keep:
                self.idle.append(executor)
                return
        # The worker ends once its queue is drained; nothing waits for it.
        executor.shutdown(wait=False)


class TownASGIHandler(ASGIHandler):
    def __init__(self, *, idle_threads: int = IDLE_THREADS) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = _RequestThreads(idle_threads)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            # The thread is idle: even when the client leaves, asgiref waits for the
            # synchronous call it started to return before ``handle`` does.
            self.threads.give_back(executor)

    async def get_response_async(self, request: HttpRequest) -> HttpResponse:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
