"""Agenda items (order, closed session) and votes (tallies from the members' votes)."""

from __future__ import annotations

import pytest

from backend.audit.models import AuditEntry
from backend.common.errors import ActionError
from backend.records.actions import (
    agenda_item_create,
    agenda_item_reorder,
    agenda_item_update,
    vote_record,
)
from backend.records.models import AgendaItem, MemberVote, Vote
from tests.records.factories import World, gid, gql, records_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return records_world()


def codes(error: ActionError) -> list[tuple[str, str | None]]:
    return [(item.code, item.field) for item in error.errors]


def test_items_are_added_at_the_end_and_reordered(world: World) -> None:
    revision = world.published.revision
    third = agenda_item_create(
        actor=world.clerk,
        meeting=world.published,
        title="Delegation: skate park",
        kind="delegation",
    )
    assert (third.position, third.kind) == (3, "delegation")

    for item_ids in (
        [world.open_item.pk, third.pk],
        [world.open_item.pk, world.open_item.pk, third.pk],
        [world.open_item.pk, world.closed_item.pk, third.pk, world.draft_item.pk],
    ):
        with pytest.raises(ActionError) as refused:
            agenda_item_reorder(actor=world.clerk, meeting=world.published, item_ids=item_ids)
        assert codes(refused.value) == [("INVALID", "itemIds")]

    meeting = agenda_item_reorder(
        actor=world.clerk,
        meeting=world.published,
        item_ids=[third.pk, world.open_item.pk, world.closed_item.pk],
    )
    assert list(meeting.agenda_items.values_list("pk", "position")) == [
        (third.pk, 1),
        (world.open_item.pk, 2),
        (world.closed_item.pk, 3),
    ]
    assert meeting.revision == revision + 2
    reorder = AuditEntry.objects.get(action="agenda_item.reorder")
    assert reorder.before == {"order": [world.open_item.pk, world.closed_item.pk, third.pk]}


def test_item_update_validates_and_audits(world: World) -> None:
    with pytest.raises(ActionError) as refused:
        agenda_item_update(actor=world.clerk, item=world.open_item, title=" ", kind="picnic")
    assert sorted(codes(refused.value)) == [("INVALID", "kind"), ("REQUIRED", "title")]
    item = agenda_item_update(
        actor=world.clerk, item=world.open_item, outcome="Approved.", is_closed_session=True
    )
    assert (item.outcome, item.is_closed_session, item.revision) == ("Approved.", True, 1)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.before["outcome"], entry.after["outcome"]) == (
        "agenda_item.update",
        "",
        "Approved.",
    )
    data = gql(
        None,
        "query ($id: ID!) { node(id: $id) { ... on AgendaItem { title outcome } } }",
        {"id": gid("AgendaItem", item.pk)},
    )
    assert data["node"] == {"title": "Closed session item", "outcome": None}


def test_vote_tallies_come_from_member_votes(world: World) -> None:
    ada, ben, cy = world.members
    vote = vote_record(
        actor=world.clerk,
        agenda_item=world.open_item,
        motion="That Sunday hours be extended.",
        result="carried",
        member_votes={ada.pk: "yes", ben.pk: "yes", cy.pk: "no"},
    )
    assert (
        vote.yes_count,
        vote.no_count,
        vote.abstain_count,
        vote.absent_count,
        vote.recused_count,
    ) == (2, 1, 0, 0, 0)
    assert dict(vote.member_votes.values_list("person_id", "value")) == {
        ada.pk: "yes",
        ben.pk: "yes",
        cy.pk: "no",
    }
    entry = AuditEntry.objects.get()
    assert entry.action == "vote.record"
    assert entry.after["member_votes"] == {str(ada.pk): "yes", str(ben.pk): "yes", str(cy.pk): "no"}


def test_vote_refuses_non_members_and_unknown_values(world: World) -> None:
    ada = world.members[0]
    with pytest.raises(ActionError) as refused:
        vote_record(
            actor=world.clerk,
            agenda_item=world.open_item,
            motion="That the report be received.",
            result="carried",
            member_votes={ada.pk: "yes", world.outsider.pk: "yes"},
        )
    assert codes(refused.value) == [("NOT_A_MEMBER", "memberVotes")]
    with pytest.raises(ActionError) as refused:
        vote_record(
            actor=world.clerk,
            agenda_item=world.open_item,
            motion="",
            result="maybe",
            member_votes={ada.pk: "perhaps"},
        )
    assert sorted(codes(refused.value)) == [
        ("INVALID", "memberVotes"),
        ("INVALID", "result"),
        ("REQUIRED", "motion"),
    ]
    assert not Vote.objects.exists()
    assert not MemberVote.objects.exists()
    assert not AuditEntry.objects.exists()


def test_vote_record_through_graphql(world: World) -> None:
    ada, ben, cy = world.members
    payload = gql(
        world.clerk,
        "mutation ($input: VoteRecordInput!) { voteRecord(input: $input) { vote { "
        "result yesCount noCount abstainCount absentCount recusedCount "
        "memberVotes { value person { name } } } errors { code field } } }",
        {
            "input": {
                "agendaItemId": gid("AgendaItem", world.open_item.pk),
                "motion": "That Sunday hours be extended.",
                "result": "DEFEATED",
                "memberVotes": [
                    {"personId": gid("Person", ada.pk), "value": "NO"},
                    {"personId": gid("Person", ben.pk), "value": "RECUSED"},
                    {"personId": gid("Person", cy.pk), "value": "ABSENT"},
                ],
            }
        },
    )["voteRecord"]
    assert payload == {
        "vote": {
            "result": "DEFEATED",
            "yesCount": 0,
            "noCount": 1,
            "abstainCount": 0,
            "absentCount": 1,
            "recusedCount": 1,
            "memberVotes": [
                {"value": "NO", "person": {"name": "Ada Alder"}},
                {"value": "RECUSED", "person": {"name": "Ben Birch"}},
                {"value": "ABSENT", "person": {"name": "Cy Cedar"}},
            ],
        },
        "errors": [],
    }


def test_agenda_item_mutations_through_graphql(world: World) -> None:
    created = gql(
        world.clerk,
        "mutation ($input: AgendaItemCreateInput!) { agendaItemCreate(input: $input) "
        "{ agendaItem { id position title kind isClosedSession } errors { code } } }",
        {
            "input": {
                "meetingId": gid("Meeting", world.draft.pk),
                "title": "Personnel matter",
                "kind": "REPORT",
                "isClosedSession": True,
            }
        },
    )["agendaItemCreate"]
    item = created["agendaItem"]
    assert created["errors"] == []
    assert (item["position"], item["title"], item["kind"], item["isClosedSession"]) == (
        2,
        "Personnel matter",
        "REPORT",
        True,
    )
    reordered = gql(
        world.clerk,
        "mutation ($input: AgendaItemReorderInput!) { agendaItemReorder(input: $input) "
        "{ meeting { agendaItems { title } } errors { code field } } }",
        {
            "input": {
                "meetingId": gid("Meeting", world.draft.pk),
                "itemIds": [item["id"], gid("AgendaItem", world.draft_item.pk)],
            }
        },
    )["agendaItemReorder"]
    assert reordered == {
        "meeting": {"agendaItems": [{"title": "Personnel matter"}, {"title": "Draft budget"}]},
        "errors": [],
    }
    updated = gql(
        world.clerk,
        "mutation ($input: AgendaItemUpdateInput!) { agendaItemUpdate(input: $input) "
        "{ agendaItem { number kind } errors { code field } } }",
        {"input": {"agendaItemId": item["id"], "number": "7.1", "kind": "MOTION"}},
    )["agendaItemUpdate"]
    assert updated == {"agendaItem": {"number": "7.1", "kind": "MOTION"}, "errors": []}
    assert AgendaItem.objects.get(title="Personnel matter").number == "7.1"
