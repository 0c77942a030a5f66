"""The benchmark's URLs: the real ones, and the hand-written view GraphQL is measured against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from strawberry.relay import to_base64

from backend.records.graphql.types import CLOSED_SESSION_TITLE
from backend.records.models import AgendaItem
from backend.records.selectors import agenda_items_visible_to, meetings_visible_to
from backend.urls import urlpatterns as backend_urlpatterns


def meetings_page(request: HttpRequest) -> JsonResponse:
    """The same page as the GraphQL query, shaped the same way, written by hand: two queries."""
    first = max(1, min(int(request.GET.get("first", "20")), 100))
    meetings = list(
        meetings_visible_to(user=request.user)
        .select_related("body")
        .only("title", "starts_at", "status", "body__name")
        .order_by("starts_at", "id")[:first]
    )
    items: dict[int, list[dict[str, str]]] = defaultdict(list)
    rows = agenda_items_visible_to(
        user=request.user, queryset=AgendaItem.objects.filter(meeting__in=meetings)
    ).values_list("meeting_id", "number", "title", "kind", "content_hidden")
    for meeting_id, number, title, kind, hidden in rows.order_by("meeting", "position", "id"):
        items[meeting_id].append(
            {
                "number": number,
                "title": CLOSED_SESSION_TITLE if hidden else title,
                "kind": kind.upper(),
            }
        )
    edges = [
        {
            "node": {
                "id": to_base64("Meeting", meeting.pk),
                "title": meeting.title,
                "startsAt": timezone.localtime(meeting.starts_at).isoformat(),
                "status": meeting.status.upper(),
                "body": {"name": meeting.body.name},
                "agendaItems": items[meeting.pk],
            }
        }
        for meeting in meetings
    ]
    return JsonResponse({"data": {"meetings": {"edges": edges}}})


class QueryCountMiddleware:
    """Adds ``X-Query-Count``: the database queries the request made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counted(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response


urlpatterns = [path("bench/meetings", meetings_page), *backend_urlpatterns]
