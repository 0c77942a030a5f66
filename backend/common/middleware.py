"""Middleware that every request goes through, beside Django's and allauth's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from backend.common.models import prefetched_released


class PrefetchReleaseMiddleware:
    """Each request lets go of the relations prefetched for its rows once its response is made.

    See ``prefetched_released``: the rows of a response are then freed as soon as it is sent,
    not by a later pass of the garbage collector.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with prefetched_released():
            return self.get_response(request)
