"""Load plans give exactly what the optimizer gives, for every viewer, in no more queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from strawberry.relay import from_base64

from backend.api import loading
from backend.records.models import AgendaItem, Minutes, MinutesVersion
from tests.api.test_websocket import operation, ws_connect
from tests.records.factories import World, document_row, gid, gql, records_world, vote_row

pytestmark = pytest.mark.django_db

PAGE = """
query {
  meetings(first: 10) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node {
        __typename id title startsAt endsAt status isPublished
        body { name slug }
        agendaItems {
          id number title description recommendation outcome contentHidden kind
          documents { id title kind url createdAt }
          votes { motion result yesCount recordedAt memberVotes { value person { name } } }
        }
        documents { title url }
      }
    }
  }
}
"""

FRAGMENTS = """
query {
  meetings(first: 5) {
    edges { node { ...Meeting a: agendaItems { number } b: agendaItems { title contentHidden } } }
  }
}
fragment Meeting on Meeting { title body { ...Body } }
fragment Body on Body { name }
"""

BODIES = """
query {
  bodies { edges { node { name memberships { role startDate person { name ward } } } } }
  people { edges { node { name memberships { body { name } } } } }
}
"""

ONE_MEETING = """
query ($id: ID!) {
  meeting(id: $id) { title agendaItems { title votes { motion memberVotes { value } } } }
}
"""

LAST = """
query { meetings(last: 2) { totalCount edges { node { title agendaItems { title } } } } }
"""

PLANNED = [PAGE, FRAGMENTS, BODIES, ONE_MEETING, LAST]

# Each of these has something only the optimizer handles: a related type with visibility rules
# reached through a to-one relation, a reverse one-to-one, a directive, a fragment on another
# type.
NOT_PLANNED = [
    "query { meetings { edges { node { title currentItem { title } } } } }",
    "query { meetings { edges { node { title minutes { status versions { number } } } } } }",
    """query ($all: Boolean!) {
      meetings { edges { node { title agendaItems @include(if: $all) { title } } } }
    }""",
    """query { meetings { edges { node { ... on Node { id } agendaItems { title } } } } }""",
]


@pytest.fixture
def world(settings, tmp_path) -> World:
    return _world(settings, tmp_path)


def _world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    world = records_world()
    for meeting in (world.published, world.draft, world.cancelled):
        document_row(meeting, None, f"{meeting.title} agenda")
    document_row(world.published, world.open_item, "Library report")
    document_row(world.published, world.closed_item, "Land appraisal")
    document_row(world.draft, world.draft_item, "Draft budget memo")
    vote_row(world.open_item, world.members)
    vote_row(world.closed_item, world.members, "no")
    vote_row(world.draft_item, world.members)
    AgendaItem.objects.create(meeting=world.cancelled, position=1, title="Cancelled item")
    world.published.current_item = world.closed_item
    world.published.save()
    minutes = Minutes.objects.create(meeting=world.published, status=Minutes.Status.DRAFT)
    MinutesVersion.objects.create(minutes=minutes, number=1, text="Draft.", created_by=world.clerk)
    return world


@contextmanager
def _planning(enabled: bool) -> Iterator[None]:
    token = loading.planning_enabled.set(enabled)
    try:
        yield
    finally:
        loading.planning_enabled.reset(token)


def _run(user, query: str, variables: dict, *, planned: bool) -> tuple[dict, int]:
    with _planning(planned), CaptureQueriesContext(connection) as captured:
        data = gql(user, query, variables)
    return data, len(captured)


def _root_plans(query: str, variables: dict) -> list:
    """The plans the root fields of ``query`` were given (None where the optimizer ran)."""
    loading._plans.clear()
    gql(None, query, variables)
    return [plan for _, plan in loading._plans.values()]


@pytest.mark.parametrize("query", PLANNED + NOT_PLANNED)
def test_every_viewer_gets_what_the_optimizer_gives(world, query) -> None:
    variables = {"id": gid("Meeting", world.published.pk), "all": True}
    for name, user in world.users().items():
        expected, optimizer_queries = _run(user, query, variables, planned=False)
        data, queries = _run(user, query, variables, planned=True)
        assert data == expected, name
        assert queries <= optimizer_queries, name


def test_closed_session_content_and_drafts_stay_hidden_when_planned(world) -> None:
    data = gql(None, PAGE)
    meetings = {edge["node"]["title"]: edge["node"] for edge in data["meetings"]["edges"]}
    assert "Draft council" not in meetings
    items = {item["number"]: item for item in meetings["Regular council"]["agendaItems"]}
    assert items["2"]["contentHidden"] is True
    assert items["2"]["description"] is None
    assert items["2"]["documents"] == [] and items["2"]["votes"] == []
    assert [item["documents"][0]["title"] for item in (items["1"],)] == ["Library report"]
    clerk = gql(world.clerk, PAGE)
    titles = {edge["node"]["title"] for edge in clerk["meetings"]["edges"]}
    assert "Draft council" in titles


@pytest.mark.parametrize("query", PLANNED)
def test_plannable_selections_are_planned(world, query) -> None:
    plans = _root_plans(query, {"id": gid("Meeting", world.published.pk)})
    assert plans and all(plan is not None for plan in plans)


@pytest.mark.parametrize("query", NOT_PLANNED)
def test_other_selections_are_left_to_the_optimizer(world, query) -> None:
    assert _root_plans(query, {"all": True}) == [None]


def test_a_page_loads_each_relation_in_one_query_whatever_its_size(world) -> None:
    _, few = _run(None, PAGE, {}, planned=True)
    for index in range(5):
        meeting = world.published
        meeting.pk = None
        meeting.title = f"Copy {index}"
        meeting.save()
        item = AgendaItem.objects.create(meeting=meeting, position=1, title="Roads")
        document_row(meeting, item, "Roads report")
        vote_row(item, world.members)
    data, many = _run(None, PAGE, {}, planned=True)
    assert len(data["meetings"]["edges"]) == 7
    assert many == few


def test_the_row_a_page_fetches_past_its_end_has_nothing_loaded(world) -> None:
    """A page fetches one row more than it returns, to tell whether another page follows: the
    plan loads the related rows of the rows returned only."""
    query = """
    query ($after: String) {
      meetings(first: 1, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id agendaItems { title } } }
      }
    }
    """
    returned = []
    after = None
    while True:
        with CaptureQueriesContext(connection) as captured:
            page = gql(None, query, {"after": after})["meetings"]
        (node,) = [edge["node"] for edge in page["edges"]]
        returned.append(node["id"])
        sql = [query["sql"] for query in captured]
        (items,) = [statement for statement in sql if 'FROM "records_agendaitem"' in statement]
        assert re.findall(r'"meeting_id" IN \(([^)]*)\)', items) == [from_base64(node["id"])[1]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(returned) == len(set(returned)) > 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_query_over_the_websocket_is_left_to_the_optimizer(settings, tmp_path) -> None:
    """Over the socket the executor is asynchronous and reads relations through their fields,
    which find only what the optimizer prefetched: planning there would fetch row by row."""
    world = await sync_to_async(_world)(settings, tmp_path)
    expected = await sync_to_async(gql)(None, PAGE)
    loading._plans.clear()
    communicator, connected, _ = await ws_connect()
    assert connected
    await communicator.send_json_to({"type": "connection_init", "payload": {}})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "connection_ack"
    assert await operation(communicator, PAGE) == {"data": expected}
    await communicator.disconnect()
    assert loading._plans == {}
    assert world.published.title in {
        edge["node"]["title"] for edge in expected["meetings"]["edges"]
    }


def test_related_rows_keep_their_order_within_their_parent_without_ordering_by_it() -> None:
    key = ("meeting", "meeting_id")
    items = AgendaItem.objects.all()  # ordered by meeting, position, id
    assert loading._within_parent_order(items, key).query.order_by == ("position", "id")
    explicit = items.order_by("-meeting__starts_at", "meeting_id", "-position")
    assert loading._within_parent_order(explicit, key).query.order_by == ("-position",)
    assert loading._within_parent_order(items.order_by("meeting"), key).query.order_by == ("pk",)
    # Ordering that is not a plain term on the parent is left as it is.
    by_title = items.order_by("title")
    assert loading._within_parent_order(by_title, key) is by_title
    random = items.order_by("?")
    assert loading._within_parent_order(random, key) is random
    expression = items.order_by(F("position").desc())
    assert loading._within_parent_order(expression, key) is expression
