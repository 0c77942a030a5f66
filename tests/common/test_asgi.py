"""The ASGI handler: each request's synchronous work on one thread, reused across requests."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished, request_started

from backend.common.asgi import TownASGIHandler
from tests.common import asgi_urls

pytestmark = [pytest.mark.urls("tests.common.asgi_urls"), pytest.mark.asyncio]


def scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/{path}",
        "raw_path": f"/{path}".encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def get(handler: TownASGIHandler, path: str) -> tuple[int, dict]:
    communicator = ApplicationCommunicator(handler, scope(path))
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = await communicator.receive_output(10)
    await communicator.wait(10)
    return start["status"], json.loads(body["body"])


@pytest.fixture
def signal_threads() -> Iterator[dict[str, list[int]]]:
    """The threads Django's request-started and request-finished signals were sent on."""
    threads: dict[str, list[int]] = {"started": [], "finished": []}

    def started(**kwargs: Any) -> None:
        threads["started"].append(threading.get_ident())

    def finished(**kwargs: Any) -> None:
        threads["finished"].append(threading.get_ident())

    request_started.connect(started)
    request_finished.connect(finished)
    asgi_urls.seen.clear()
    yield threads
    request_started.disconnect(started)
    request_finished.disconnect(finished)
    asgi_urls.seen.clear()


@pytest.mark.django_db(transaction=True)
async def test_a_requests_signals_view_and_connection_share_one_thread(signal_threads) -> None:
    handler = TownASGIHandler()
    status, body = await get(handler, "where")
    assert status == 200
    assert body["thread"] != threading.get_ident()
    assert signal_threads == {"started": [body["thread"]], "finished": [body["thread"]]}
    # The request-finished signal closed the connection the view opened, on its thread.
    assert asgi_urls.seen[0]["connection"].connection is None


@pytest.mark.django_db(transaction=True)
async def test_the_next_request_reuses_the_idle_thread(signal_threads) -> None:
    handler = TownASGIHandler()
    _, first = await get(handler, "where")
    await asyncio.sleep(0.05)  # the thread is handed back once it is idle
    threads_before = threading.active_count()
    _, second = await get(handler, "where")
    assert second["thread"] == first["thread"]
    # The same thread, not a new one given the same identifier.
    assert asgi_urls.seen[1]["thread"] is asgi_urls.seen[0]["thread"]
    assert threading.active_count() == threads_before


@pytest.mark.django_db(transaction=True)
async def test_requests_in_flight_run_on_threads_of_their_own() -> None:
    handler = TownASGIHandler()
    asgi_urls.release.clear()
    first = asyncio.ensure_future(get(handler, "wait"))
    second = asyncio.ensure_future(get(handler, "wait"))
    try:
        # Both views are running at once: neither waits for the other to finish.
        for _ in range(2):
            assert await asyncio.to_thread(asgi_urls.entered.acquire, timeout=10)
    finally:
        asgi_urls.release.set()
    (_, one), (_, two) = await asyncio.gather(first, second)
    assert one["released"] and two["released"]
    assert one["thread"] != two["thread"]


@pytest.mark.django_db(transaction=True)
async def test_an_asynchronous_view_is_served() -> None:
    status, body = await get(TownASGIHandler(), "asynchronous")
    assert status == 200
    assert body["asynchronous"] is True


@pytest.mark.django_db(transaction=True)
async def test_a_thread_is_handed_back_only_when_its_abandoned_view_returns() -> None:
    handler = TownASGIHandler()
    asgi_urls.release.clear()
    communicator = ApplicationCommunicator(handler, scope("wait"))
    await communicator.send_input({"type": "http.request", "body": b""})
    try:
        assert await asyncio.to_thread(asgi_urls.entered.acquire, timeout=10)
        await communicator.send_input({"type": "http.disconnect"})
        # The client is gone but the view still runs on the thread: it is not idle.
        await asyncio.sleep(0.2)
        assert not communicator.future.done()
        assert handler.threads.idle == []
    finally:
        asgi_urls.release.set()
    await communicator.wait(10)
    assert len(handler.threads.idle) == 1


@pytest.mark.asyncio(loop_scope="function")
async def test_the_application_serves_http_with_this_handler() -> None:
    from backend.asgi import django_asgi_app

    assert isinstance(django_asgi_app, TownASGIHandler)
    # The middleware chain runs in one synchronous call, not adapted to the event loop and back.
    assert not asyncio.iscoroutinefunction(django_asgi_app._middleware_chain)
