"""A search hit carries its record, as the viewer may see it now, in one query per kind."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from strawberry import relay

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.records.models import AgendaItem, Body, Document, Meeting, Membership
from tests.conftest import GRAPHQL, user_create
from tests.search.conftest import (
    body_create,
    changed,
    document_create,
    index_work_run,
    item_create,
    meeting_create,
    person_create,
)

pytestmark = pytest.mark.django_db

RECORDS = """
query Records($query: String!, $first: Int) {
  search(query: $query, first: $first) {
    totalCount
    errors { code }
    edges {
      node {
        kind objectId title
        record {
          __typename
          ... on Meeting { id title isPublished body { name } }
          ... on AgendaItem { id title description contentHidden meeting { title } }
          ... on Document { id title meeting { title } }
          ... on Body { id name slug }
          ... on Person { id name memberships { body { name } } }
        }
      }
    }
  }
}
"""

# The selection the query count is held to, and the same page without records.
PAGE_WITH_RECORDS = """
query Page($query: String!, $first: Int) {
  search(query: $query, first: $first) {
    edges { node { kind objectId title record {
      ... on Meeting { title body { name } }
      ... on AgendaItem { title meeting { title } }
      ... on Document { title }
      ... on Body { name }
      ... on Person { name }
    } } }
  }
}
"""
PAGE_WITHOUT_RECORDS = """
query Page($query: String!, $first: Int) {
  search(query: $query, first: $first) { edges { node { kind objectId title } } }
}
"""


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


def run(
    query: str, variables: dict, *, user: User | None = None, client: Client | None = None
) -> dict:
    client = client or Client()
    if user is not None:
        client.force_login(user)
    response = client.post(
        GRAPHQL,
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert "errors" not in result, result["errors"]
    return result["data"]


def hits(text: str, *, user: User | None = None, first: int = 50) -> dict[tuple[str, str], dict]:
    data = run(RECORDS, {"query": text, "first": first}, user=user)["search"]
    assert data["errors"] == []
    return {
        (edge["node"]["kind"], edge["node"]["objectId"]): edge["node"] for edge in data["edges"]
    }


def clerk_of(body: Body, email: str = "clerk@town.example") -> User:
    clerk = user_create(email, Role.CLERK, mfa=True)
    body.clerks.add(clerk)
    return clerk


@pytest.fixture
def orchard() -> dict:
    """One record of each kind, all found by "orchard"."""
    board = body_create("Orchard Board", description="Keeps the town orchards.")
    person = person_create("Orla Orchard", title="Chair")
    Membership.objects.create(person=person, body=board, start_date=datetime.date(2023, 1, 1))
    meeting = meeting_create(board, "Orchard renewal")
    item = item_create(meeting, "Orchard planting", "Forty apple trees.")
    document = document_create(meeting, "Orchard report", "The orchard survey, in full.")
    changed(meeting, board, person)
    index_work_run()
    return {"body": board, "person": person, "meeting": meeting, "item": item, "document": document}


def test_each_kind_comes_back_as_its_type_with_its_fields(orchard):
    found = hits("orchard")
    board, person = orchard["body"], orchard["person"]
    meeting, item, document = orchard["meeting"], orchard["item"], orchard["document"]

    assert sorted(found) == sorted(
        [
            ("agenda_item", str(item.pk)),
            ("body", str(board.pk)),
            ("document", str(document.pk)),
            ("meeting", str(meeting.pk)),
            ("person", str(person.pk)),
        ]
    )
    assert found[("meeting", str(meeting.pk))]["record"] == {
        "__typename": "Meeting",
        "id": gid("Meeting", meeting.pk),
        "title": "Orchard renewal",
        "isPublished": True,
        "body": {"name": "Orchard Board"},
    }
    assert found[("agenda_item", str(item.pk))]["record"] == {
        "__typename": "AgendaItem",
        "id": gid("AgendaItem", item.pk),
        "title": "Orchard planting",
        "description": "Forty apple trees.",
        "contentHidden": False,
        "meeting": {"title": "Orchard renewal"},
    }
    assert found[("document", str(document.pk))]["record"] == {
        "__typename": "Document",
        "id": gid("Document", document.pk),
        "title": "Orchard report",
        "meeting": {"title": "Orchard renewal"},
    }
    assert found[("body", str(board.pk))]["record"] == {
        "__typename": "Body",
        "id": gid("Body", board.pk),
        "name": "Orchard Board",
        "slug": board.slug,
    }
    assert found[("person", str(person.pk))]["record"] == {
        "__typename": "Person",
        "id": gid("Person", person.pk),
        "name": "Orla Orchard",
        "memberships": [{"body": {"name": "Orchard Board"}}],
    }


def test_a_hit_the_viewer_may_no_longer_see_carries_no_record(orchard):
    meeting, item, document = orchard["meeting"], orchard["item"], orchard["document"]
    # Unpublished after it was indexed, before the index work ran: the index still has it public.
    Meeting.objects.filter(pk=meeting.pk).update(published_at=None)

    found = hits("orchard")

    for key in (
        ("meeting", str(meeting.pk)),
        ("agenda_item", str(item.pk)),
        ("document", str(document.pk)),
    ):
        assert key in found, key
        assert found[key]["record"] is None
    assert found[("body", str(orchard["body"].pk))]["record"]["name"] == "Orchard Board"


def test_closed_session_content_never_comes_through_a_record(orchard):
    item, document = orchard["item"], orchard["document"]
    # Moved into closed session after it was indexed, with a document attached to it.
    AgendaItem.objects.filter(pk=item.pk).update(is_closed_session=True)
    Document.objects.filter(pk=document.pk).update(agenda_item=item)

    found = hits("orchard")

    assert found[("agenda_item", str(item.pk))]["record"] == {
        "__typename": "AgendaItem",
        "id": gid("AgendaItem", item.pk),
        "title": "Closed session item",
        "description": None,
        "contentHidden": True,
        "meeting": {"title": "Orchard renewal"},
    }
    assert found[("document", str(document.pk))]["record"] is None

    clerk = clerk_of(orchard["body"])
    as_clerk = hits("orchard", user=clerk)
    assert as_clerk[("agenda_item", str(item.pk))]["record"]["description"] == "Forty apple trees."
    assert as_clerk[("document", str(document.pk))]["record"]["title"] == "Orchard report"


def test_a_draft_reaches_its_clerk_and_never_the_public():
    board = body_create("Orchard Board")
    other = body_create("Harbour Board")
    draft = meeting_create(board, "Orchard pruning", published=False)
    draft_item = item_create(draft, "Orchard pruning schedule")
    changed(draft)
    index_work_run()
    clerk = clerk_of(board)
    other_clerk = clerk_of(other, "harbour-clerk@town.example")
    resident = user_create("resident@town.example")

    assert hits("pruning") == {}
    assert hits("pruning", user=resident) == {}
    assert hits("pruning", user=other_clerk) == {}

    as_clerk = hits("pruning", user=clerk)
    assert as_clerk[("meeting", str(draft.pk))]["record"] == {
        "__typename": "Meeting",
        "id": gid("Meeting", draft.pk),
        "title": "Orchard pruning",
        "isPublished": False,
        "body": {"name": "Orchard Board"},
    }
    assert as_clerk[("agenda_item", str(draft_item.pk))]["record"]["title"] == (
        "Orchard pruning schedule"
    )


def test_an_index_that_says_public_never_shows_a_draft_record():
    """Even when the index is wrong (a replay, a drifted index), the record follows the database."""
    board = body_create("Orchard Board")
    meeting = meeting_create(board, "Orchard grafting")
    changed(meeting)
    index_work_run()
    Meeting.objects.filter(pk=meeting.pk).update(published_at=None)
    clerk = clerk_of(board)

    assert hits("grafting")[("meeting", str(meeting.pk))]["record"] is None
    assert hits("grafting", user=clerk)[("meeting", str(meeting.pk))]["record"]["title"] == (
        "Orchard grafting"
    )


def _queries(query: str, variables: dict) -> int:
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        run(query, variables, client=client)
    return len(captured)


def test_records_of_a_page_cost_one_query_per_kind_however_many_hits():
    bodies = [body_create(f"Harbour Board {number}") for number in range(4)]
    lighthouse = []
    for number in range(10):
        meeting = meeting_create(bodies[number % 4], f"Harbour meeting {number}")
        document = document_create(meeting, f"Harbour plan {number}", "The harbour plan.")
        if number == 0:
            lighthouse = [meeting, document]
        changed(meeting)
    Meeting.objects.filter(pk=lighthouse[0].pk).update(title="Harbour meeting at the lighthouse")
    Document.objects.filter(pk=lighthouse[1].pk).update(title="Harbour lighthouse plan")
    changed(*lighthouse)
    index_work_run()

    many = run(PAGE_WITH_RECORDS, {"query": "harbour", "first": 20})["search"]["edges"]
    few = run(PAGE_WITH_RECORDS, {"query": "lighthouse", "first": 20})["search"]["edges"]
    assert len(many) == 20
    assert {edge["node"]["kind"] for edge in many} == {"meeting", "document"}
    assert sorted(edge["node"]["kind"] for edge in few) == ["document", "meeting"]
    assert all(edge["node"]["record"]["title"] == edge["node"]["title"] for edge in many + few)
    assert {
        edge["node"]["record"]["body"]["name"] for edge in many if edge["node"]["kind"] == "meeting"
    } == {body.name for body in bodies}

    with_records = _queries(PAGE_WITH_RECORDS, {"query": "harbour", "first": 20})
    assert with_records == _queries(PAGE_WITH_RECORDS, {"query": "lighthouse", "first": 20})
    # Exactly one query per kind on the page, over what the page costs without records.
    assert with_records == _queries(PAGE_WITHOUT_RECORDS, {"query": "harbour", "first": 20}) + 2


def test_every_kind_on_one_page_costs_one_query_each():
    def kind_set(word: str, number: int) -> None:
        board = body_create(f"Quarry {word} Board {number}")
        person = person_create(f"Quinn Quarry {word} {number}")
        Membership.objects.create(person=person, body=board, start_date=datetime.date(2023, 1, 1))
        meeting = meeting_create(board, f"Quarry {word} meeting {number}")
        item_create(meeting, f"Quarry {word} item {number}")
        document_create(meeting, f"Quarry {word} report {number}", "Quarry.")
        changed(meeting, board, person)

    for number in range(5):
        kind_set("north", number)
    kind_set("south", 0)
    index_work_run()

    assert len(run(PAGE_WITH_RECORDS, {"query": "quarry", "first": 30})["search"]["edges"]) == 30
    assert len(run(PAGE_WITH_RECORDS, {"query": "south", "first": 30})["search"]["edges"]) == 5

    with_records = _queries(PAGE_WITH_RECORDS, {"query": "quarry", "first": 30})
    assert with_records == _queries(PAGE_WITH_RECORDS, {"query": "south", "first": 30})
    # One query per kind, and one for the items' meetings: the optimizer prefetches them through
    # the Meeting type's visibility rule instead of joining them.
    assert with_records == _queries(PAGE_WITHOUT_RECORDS, {"query": "quarry", "first": 30}) + 6
