"""Rows whose relations were prefetched are freed when their request ends, not by the collector."""

from __future__ import annotations

import gc
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.api.consumers import released_each
from backend.common.models import BaseModel, prefetched_released
from backend.records.models import AgendaItem, Meeting, Vote
from tests.api.test_websocket import operation, ws_connect
from tests.records.factories import World, records_world, vote_row

pytestmark = pytest.mark.django_db


@contextmanager
def collector_paused() -> Iterator[None]:
    """Only reference counting frees objects within: what is left in a cycle stays."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def world() -> World:
    world = records_world()
    vote_row(world.open_item, world.members)
    return world


def meetings_with_items_and_votes(world: World) -> list[Meeting]:
    """The meeting with a vote first, then the others."""
    meetings = Meeting.objects.prefetch_related("agenda_items__votes__member_votes")
    return sorted(meetings, key=lambda meeting: meeting.pk != world.open_item.meeting_id)


def test_a_prefetch_leaves_its_rows_in_cycles_outside_the_scope(world: World) -> None:
    # Why the scope exists: Django ties prefetched rows to their parent and back.
    with collector_paused():
        meetings = meetings_with_items_and_votes(world)
        kept = weakref.ref(meetings[0])
        del meetings
        assert kept() is not None
    gc.collect()
    assert kept() is None


def test_rows_are_freed_once_the_scope_ends(world: World) -> None:
    with collector_paused():
        with prefetched_released():
            meetings = meetings_with_items_and_votes(world)
            item = next(item for item in meetings[0].agenda_items.all() if item.votes.all())
            with CaptureQueriesContext(connection) as queries:
                votes = list(item.votes.all())
                assert votes[0].member_votes.all()
            assert not queries.captured_queries, "inside the scope, the prefetch is used"
            refs = [weakref.ref(row) for row in (meetings[0], item, votes[0])]
            del meetings, item, votes
        assert [ref() for ref in refs] == [None, None, None]


def test_a_row_kept_past_the_scope_fetches_its_relations_again(world: World) -> None:
    with prefetched_released():
        meeting = meetings_with_items_and_votes(world)[0]
        assert "agenda_items" in meeting._prefetched_objects_cache
    assert not hasattr(meeting, "_prefetched_objects_cache")
    with CaptureQueriesContext(connection) as queries:
        titles = [item.title for item in meeting.agenda_items.all()]
    assert len(queries.captured_queries) == 1
    assert titles == list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("title", flat=True)
    )


def test_every_project_model_records_what_it_prefetched() -> None:
    from django.apps import apps

    from backend.common.models import QuerySet

    for model in apps.get_models():
        if issubclass(model, BaseModel):
            assert isinstance(model._default_manager.all(), QuerySet), model
    assert isinstance(Vote.objects.none(), QuerySet)


PAGE = """
query {
  meetings(first: 10) {
    edges { node {
      title body { name }
      agendaItems { title votes { motion memberVotes { value person { name } } } }
    } }
  }
}
"""


# Agenda items read as dicts (``RowDicts``), each list holding its meeting.
ROWS_PAGE = """
query {
  meetings(first: 10) { edges { node { title agendaItems { number title } } } }
}
"""


@pytest.mark.parametrize("query", [PAGE, ROWS_PAGE], ids=["model rows", "dict rows"])
def test_a_graphql_page_leaves_no_rows_for_the_collector(world: World, query: str) -> None:
    client = Client()
    with collector_paused():
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            response = client.post(
                reverse("graphql"), {"query": query}, content_type="application/json"
            )
            assert response.status_code == 200
            data = response.json()["data"]
            items = [
                item for edge in data["meetings"]["edges"] for item in edge["node"]["agendaItems"]
            ]
            assert items
            assert query == ROWS_PAGE or any(item["votes"] for item in items)
            del response
            gc.collect()
            left = [row for row in gc.garbage if isinstance(row, BaseModel)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert left == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_query_over_the_websocket_leaves_no_rows_for_the_collector() -> None:
    world = await sync_to_async(records_world)()
    await sync_to_async(vote_row)(world.open_item, world.members)
    communicator, connected, _ = await ws_connect()
    assert connected
    await communicator.send_json_to({"type": "connection_init", "payload": {}})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
    with collector_paused():
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            data = (await operation(communicator, PAGE))["data"]
            assert any(
                item["votes"]
                for edge in data["meetings"]["edges"]
                for item in edge["node"]["agendaItems"]
            )
            gc.collect()
            left = [row for row in gc.garbage if isinstance(row, BaseModel)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    await communicator.disconnect()
    assert left == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_stream_frees_each_results_rows_once_the_next_is_asked_for() -> None:
    # How a subscription's results go over the WebSocket: each is sent, then the next asked for.
    await sync_to_async(records_world)()

    def page() -> list[Meeting]:
        return list(Meeting.objects.prefetch_related("agenda_items"))

    async def results() -> AsyncIterator[list[Meeting]]:
        for _ in range(2):
            yield await sync_to_async(page)()

    def holding(rows: list[Meeting]) -> bool:
        return any("_prefetched_objects_cache" in row.__dict__ for row in rows)

    stream = released_each(results())
    first = await anext(stream)
    assert holding(first)
    second = await anext(stream)
    assert not holding(first)
    assert holding(second)
    await stream.aclose()
    assert not holding(second)
