"""What each role sees through every records query: drafts, published, cancelled, closed items."""

from __future__ import annotations

import pytest

from tests.records.factories import World, document_row, gid, gql, records_world, vote_row

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "clerk", "other_clerk", "admin"]
EDITORS = {"clerk", "admin"}

MEETING = """
query ($id: ID!) {
  meeting(id: $id) {
    title status statusReason isPublished startsAt
    agendaItems {
      number position title description recommendation outcome contentHidden isClosedSession
      documents { title url }
      votes { motion yesCount memberVotes { value person { name } } }
    }
    documents { title }
  }
}
"""

MEETINGS = """
query ($filter: MeetingFilter, $first: Int, $after: String) {
  meetings(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { title status } }
  }
}
"""

NODE = """
query ($id: ID!) {
  node(id: $id) {
    __typename
    ... on AgendaItem { title }
    ... on Document { title }
    ... on Vote { motion }
    ... on Meeting { title }
  }
}
"""


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    world = records_world()
    document_row(world.published, world.open_item, "Library report")
    document_row(world.published, world.closed_item, "Appraisal of 12 Elm Street")
    document_row(world.draft, world.draft_item, "Draft budget book")
    vote_row(world.open_item, world.members)
    vote_row(world.closed_item, world.members)
    return world


def _user(world: World, role: str):
    return world.users()[role]


@pytest.mark.parametrize("role", ROLES)
def test_draft_meeting_is_seen_by_its_editors_only(world: World, role: str) -> None:
    data = gql(_user(world, role), MEETING, {"id": gid("Meeting", world.draft.pk)})
    if role in EDITORS:
        assert data["meeting"]["title"] == "Draft council"
        assert data["meeting"]["isPublished"] is False
        assert data["meeting"]["documents"] == [{"title": "Draft budget book"}]
    else:
        assert data["meeting"] is None
    for type_name, pk in (
        ("AgendaItem", world.draft_item.pk),
        ("Document", world.draft.documents.get().pk),
    ):
        node = gql(_user(world, role), NODE, {"id": gid(type_name, pk)})["node"]
        assert (node is not None) == (role in EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_published_meeting_is_seen_by_everyone(world: World, role: str) -> None:
    meeting = gql(_user(world, role), MEETING, {"id": gid("Meeting", world.published.pk)})[
        "meeting"
    ]
    assert meeting["title"] == "Regular council"
    assert meeting["startsAt"] == "2025-02-04T19:00:00-05:00"
    open_item = meeting["agendaItems"][0]
    assert open_item == {
        "number": "1",
        "position": 1,
        "title": "Library hours",
        "description": "Extend Sunday hours.",
        "recommendation": "Approve.",
        "outcome": "",
        "contentHidden": False,
        "isClosedSession": False,
        "documents": [
            {
                "title": "Library report",
                "url": f"/records/documents/{world.open_item.documents.get().pk}/",
            }
        ],
        "votes": [
            {
                "motion": "That the report be received.",
                "yesCount": 3,
                "memberVotes": [
                    {"value": "YES", "person": {"name": name}}
                    for name in ("Ada Alder", "Ben Birch", "Cy Cedar")
                ],
            }
        ],
    }


@pytest.mark.parametrize("role", ROLES)
def test_closed_session_item_content_is_for_editors_only(world: World, role: str) -> None:
    meeting = gql(_user(world, role), MEETING, {"id": gid("Meeting", world.published.pk)})[
        "meeting"
    ]
    closed = meeting["agendaItems"][1]
    if role in EDITORS:
        assert closed["title"] == "Land purchase on Elm Street"
        assert closed["description"] == "Confidential."
        assert closed["outcome"] == "Direction given."
        assert closed["documents"][0]["title"] == "Appraisal of 12 Elm Street"
        assert len(closed["votes"]) == 1
        assert {document["title"] for document in meeting["documents"]} == {
            "Library report",
            "Appraisal of 12 Elm Street",
        }
    else:
        assert closed == {
            "number": "2",
            "position": 2,
            "title": "Closed session item",
            "description": None,
            "recommendation": None,
            "outcome": None,
            "contentHidden": True,
            "isClosedSession": True,
            "documents": [],
            "votes": [],
        }
        assert meeting["documents"] == [{"title": "Library report"}]
    # Reached directly by ID, the closed item's parts are just as hidden.
    document = world.closed_item.documents.get()
    vote = world.closed_item.votes.get()
    for type_name, pk in (("Document", document.pk), ("Vote", vote.pk)):
        node = gql(_user(world, role), NODE, {"id": gid(type_name, pk)})["node"]
        assert (node is not None) == (role in EDITORS)
    item = gql(_user(world, role), NODE, {"id": gid("AgendaItem", world.closed_item.pk)})["node"]
    assert item["title"] == (
        "Land purchase on Elm Street" if role in EDITORS else "Closed session item"
    )


@pytest.mark.parametrize("role", ROLES)
def test_cancelled_meeting_stays_visible_with_its_reason(world: World, role: str) -> None:
    meeting = gql(_user(world, role), MEETING, {"id": gid("Meeting", world.cancelled.pk)})[
        "meeting"
    ]
    assert (meeting["status"], meeting["statusReason"]) == ("CANCELLED", "No quorum.")


@pytest.mark.parametrize("role", ROLES)
def test_meetings_lists_what_the_viewer_may_see_by_start_time(world: World, role: str) -> None:
    connection = gql(_user(world, role), MEETINGS)["meetings"]
    titles = [edge["node"]["title"] for edge in connection["edges"]]
    expected = ["Regular council", "Special council"]
    if role in EDITORS:
        expected.append("Draft council")
    assert titles == expected
    assert connection["totalCount"] == len(expected)


def test_meetings_filters_and_pages(world: World) -> None:
    def titles(variables: dict) -> list[str]:
        connection = gql(world.admin, MEETINGS, variables)["meetings"]
        return [edge["node"]["title"] for edge in connection["edges"]]

    assert titles({"filter": {"body": "parks"}}) == []
    assert titles({"filter": {"body": "council", "status": "CANCELLED"}}) == ["Special council"]
    assert titles({"filter": {"from": "2025-02-05T00:00:00", "to": "2025-03-01T00:00:00"}}) == [
        "Special council"
    ]
    # A time with an offset is compared as such: 00:30 UTC on the 5th is still the 4th in Town.
    assert titles({"filter": {"from": "2025-02-04T23:30:00Z", "to": "2025-02-05T00:30:00Z"}}) == [
        "Regular council"
    ]
    first_page = gql(world.admin, MEETINGS, {"first": 2})["meetings"]
    assert [edge["node"]["title"] for edge in first_page["edges"]] == [
        "Regular council",
        "Special council",
    ]
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert first_page["totalCount"] == 3
    assert titles({"first": 2, "after": first_page["pageInfo"]["endCursor"]}) == ["Draft council"]


@pytest.mark.parametrize("role", ["anonymous", "clerk"])
def test_bodies_body_and_people_are_public(world: World, role: str) -> None:
    data = gql(
        _user(world, role),
        """
        {
          bodies { totalCount edges { node { slug classification } } }
          body(slug: "council") { name memberships { role person { name } } }
          missing: body(slug: "nope") { name }
          people { totalCount edges { node { name memberships { body { slug } } } } }
        }
        """,
    )
    assert data["bodies"] == {
        "totalCount": 2,
        "edges": [
            {"node": {"slug": "parks", "classification": "BOARD"}},
            {"node": {"slug": "council", "classification": "COUNCIL"}},
        ],
    }
    assert data["body"]["name"] == "Town Council"
    assert [m["person"]["name"] for m in data["body"]["memberships"]] == [
        "Ada Alder",
        "Ben Birch",
        "Cy Cedar",
    ]
    assert data["missing"] is None
    assert data["people"]["totalCount"] == 4
    assert data["people"]["edges"][-1]["node"] == {
        "name": "Pat Pine",
        "memberships": [{"body": {"slug": "parks"}}],
    }


@pytest.mark.parametrize("role", ROLES)
def test_publication_history_is_for_editors(world: World, role: str) -> None:
    from backend.records.actions import meeting_postpone

    meeting_postpone(actor=world.admin, meeting=world.published, reason="Snow storm.")
    data = gql(
        _user(world, role),
        "query ($id: ID!) { meeting(id: $id) { status statusReason "
        "publicationEvents { action reason at } } }",
        {"id": gid("Meeting", world.published.pk)},
    )
    meeting = data["meeting"]
    assert (meeting["status"], meeting["statusReason"]) == ("POSTPONED", "Snow storm.")
    if role in EDITORS:
        events = meeting["publicationEvents"]
        assert [(e["action"], e["reason"]) for e in events] == [("POSTPONED", "Snow storm.")]
        assert events[0]["at"].endswith(("-05:00", "-04:00"))
    else:
        assert meeting["publicationEvents"] == []
