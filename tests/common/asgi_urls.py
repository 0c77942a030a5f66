"""Views the ASGI handler's tests are served: each says which thread it ran on."""

from __future__ import annotations

import threading

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path

# Set by a test to hold the waiting view until the test lets it go.
release = threading.Event()
entered = threading.Semaphore(0)
seen: list[dict] = []


def where(request: HttpRequest) -> JsonResponse:
    connection.ensure_connection()
    seen.append({"thread": threading.current_thread(), "connection": connection})
    return JsonResponse({"thread": threading.get_ident()})


def wait(request: HttpRequest) -> JsonResponse:
    entered.release()
    released = release.wait(timeout=10)
    return JsonResponse({"thread": threading.get_ident(), "released": released})


async def asynchronous(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"thread": threading.get_ident(), "asynchronous": True})


urlpatterns = [
    path("where", where),
    path("wait", wait),
    path("asynchronous", asynchronous),
]
