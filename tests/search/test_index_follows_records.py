"""The index follows what its entries copy: a body's name, the votes on an agenda item."""

from __future__ import annotations

import contextlib
import datetime
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.common.errors import ActionError
from backend.records.actions import body_update, vote_record
from backend.records.models import AgendaItem, Body, Document, Meeting, Membership, Vote
from backend.records.search import agenda_item_entry, document_entry, meeting_entry
from backend.search.backends import search_backend
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

SEARCH = """
query Search($query: String!) {
  search(query: $query, first: 50) {
    edges { node { kind objectId title snippet bodyName record { __typename } } }
    facets { bodies { value label count } }
    errors { code }
  }
}
"""
OLD_NAME = "Parks Committee"
NEW_NAME = "Parks and Recreation Committee"


def search(text: str, *, user: User | None = None) -> dict[str, Any]:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.post(
        GRAPHQL,
        data=json.dumps({"query": SEARCH, "variables": {"query": text}}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert "errors" not in result, result["errors"]
    assert result["data"]["search"]["errors"] == []
    return result["data"]["search"]


def found(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (edge["node"]["kind"], edge["node"]["objectId"]): edge["node"] for edge in data["edges"]
    }


def administrator() -> User:
    return user_create("admin@town.example", Role.ADMINISTRATOR, mfa=True, is_staff=True)


def clerk_of(body: Body) -> User:
    clerk = user_create("clerk@town.example", Role.CLERK, mfa=True, is_staff=True)
    body.clerks.add(clerk)
    return clerk


def queued_refreshes() -> list[list[str]]:
    """The index work waiting to run, as (kind, object id)."""
    return [
        task.args_kwargs["args"]
        for task in DBTaskResult.objects.filter(status="READY")
        if task.task_path.endswith("search_entry_refresh_task")
    ]


def search_check() -> str:
    """What ``manage.py search_check`` reports (it exits 1 on drift, listing it)."""
    out = io.StringIO()
    with contextlib.suppress(SystemExit):
        call_command("search_check", stdout=out)
    return out.getvalue()


@pytest.fixture
def parks() -> dict[str, Any]:
    body = body_create(OLD_NAME)
    member = person_create("Pat Pine", title="Councillor")
    Membership.objects.create(person=member, body=body, start_date=datetime.date(2023, 1, 1))
    meeting = meeting_create(body, "Playground renewal")
    item = item_create(meeting, "Playground equipment", "New swings.")
    document = document_create(meeting, "Playground survey", "The playground survey.")
    draft = meeting_create(body, "Playground budget", published=False)
    changed(meeting, draft, body, member)
    index_work_run()
    return {
        "body": body,
        "member": member,
        "meeting": meeting,
        "item": item,
        "document": document,
        "draft": draft,
    }


def _assert_named(data: dict[str, Any], body: Body, name: str, count: int) -> None:
    assert {edge["node"]["bodyName"] for edge in data["edges"]} == {name}
    assert data["facets"]["bodies"] == [{"value": str(body.pk), "label": name, "count": count}]


def test_renaming_a_body_through_the_action_reindexes_what_carries_its_name(parks):
    body = parks["body"]
    clerk = clerk_of(body)
    _assert_named(search("playground"), body, OLD_NAME, 3)

    body_update(actor=administrator(), body=body, name=NEW_NAME)
    # Nothing changes in the index until the work enqueued with the rename runs.
    _assert_named(search("playground"), body, OLD_NAME, 3)
    index_work_run()

    public = search("playground")
    assert sorted(found(public)) == sorted(
        [
            ("meeting", str(parks["meeting"].pk)),
            ("agenda_item", str(parks["item"].pk)),
            ("document", str(parks["document"].pk)),
        ]
    )
    _assert_named(public, body, NEW_NAME, 3)
    # The clerk's draft carries the new name too.
    as_clerk = search("playground", user=clerk)
    assert ("meeting", str(parks["draft"].pk)) in found(as_clerk)
    _assert_named(as_clerk, body, NEW_NAME, 4)
    # The new name finds the body, its meetings (their text names it) and its members.
    assert {kind for kind, _ in found(search("recreation"))} == {"body", "meeting", "person"}
    assert search("recreation")["facets"]["bodies"][0]["label"] == NEW_NAME
    assert "matches the database" in search_check()


def test_renaming_a_body_in_the_admin_reindexes_what_carries_its_name(parks):
    body = parks["body"]
    client = Client()
    client.force_login(administrator())

    response = client.post(
        f"/admin/records/body/{body.pk}/change/",
        {
            "name": NEW_NAME,
            "slug": body.slug,
            "classification": "council",
            "description": "",
            "active": "on",
            "clerks": [],
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content
    assert queued_refreshes() == [["body", str(body.pk)]]
    index_work_run()

    _assert_named(search("playground"), body, NEW_NAME, 3)
    assert {kind for kind, _ in found(search("recreation"))} == {"body", "meeting", "person"}
    assert "matches the database" in search_check()


def test_a_member_removed_in_the_body_admin_no_longer_names_the_body(parks):
    body, member = parks["body"], parks["member"]
    membership = Membership.objects.get(person=member, body=body)
    client = Client()
    client.force_login(administrator())

    response = client.post(
        f"/admin/records/body/{body.pk}/change/",
        {
            "name": OLD_NAME,
            "slug": body.slug,
            "classification": "council",
            "description": "",
            "active": "on",
            "clerks": [],
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": str(membership.pk),
            "memberships-0-body": str(body.pk),
            "memberships-0-person": str(member.pk),
            "memberships-0-role": "member",
            "memberships-0-start_date": "2023-01-01",
            "memberships-0-end_date": "",
            "memberships-0-DELETE": "on",
        },
    )
    assert response.status_code == 302, response.content
    assert not Membership.objects.exists()
    assert ("person", str(member.pk)) in found(search("parks committee pine"))
    index_work_run()

    assert ("person", str(member.pk)) not in found(search("parks committee pine"))
    assert ("person", str(member.pk)) in found(search("pine"))


def test_a_worker_that_read_the_old_name_cannot_write_it_back(parks):
    body = parks["body"]
    # A worker read the entries before the rename and writes them after its re-index.
    stale = [
        meeting_entry(Meeting.objects.select_related("body").get(pk=parks["meeting"].pk)),
        agenda_item_entry(
            AgendaItem.objects.select_related("meeting__body").get(pk=parks["item"].pk)
        ),
        document_entry(
            Document.objects.select_related("meeting__body").get(pk=parks["document"].pk)
        ),
    ]
    body_update(actor=administrator(), body=body, name=NEW_NAME)
    index_work_run()

    search_backend().entries_apply(entries=stale)
    _assert_named(search("playground"), body, NEW_NAME, 3)


def test_a_rename_refused_changes_nothing_and_enqueues_nothing(parks):
    body = parks["body"]
    clerk = clerk_of(body)
    for actor, changes, code in [
        (clerk, {"name": NEW_NAME}, "PERMISSION_DENIED"),
        (administrator(), {"name": "  "}, "REQUIRED"),
    ]:
        with pytest.raises(ActionError) as refused:
            body_update(actor=actor, body=body, **changes)
        assert [error.code for error in refused.value.errors] == [code]
    body.refresh_from_db()
    assert body.name == OLD_NAME
    assert queued_refreshes() == []


@pytest.fixture
def splash_pad() -> dict[str, Any]:
    body = body_create(OLD_NAME)
    members = [person_create(name) for name in ("Ada Alder", "Ben Birch", "Cy Cedar")]
    for person in members:
        Membership.objects.create(person=person, body=body, start_date=datetime.date(2023, 1, 1))
    meeting = meeting_create(body, "Regular meeting")
    item = item_create(meeting, "Splash pad at Elm Park", "A splash pad for the summer.")
    changed(meeting, body, *members)
    index_work_run()
    return {"body": body, "members": members, "meeting": meeting, "item": item}


def _vote(clerk: User, item: AgendaItem, members: list, motion: str, result: str) -> Vote:
    return vote_record(
        actor=clerk,
        agenda_item=item,
        motion=motion,
        result=result,
        member_votes={person.pk: "yes" for person in members},
    )


def test_a_recorded_vote_is_found_by_its_motion_and_result(splash_pad):
    item = splash_pad["item"]
    clerk = clerk_of(splash_pad["body"])
    assert search("motion carried")["edges"] == []

    _vote(
        clerk, item, splash_pad["members"], "That the splash pad be built this summer.", "carried"
    )
    index_work_run()

    hits = found(search("motion carried splash"))
    assert list(hits) == [("agenda_item", str(item.pk))]
    node = hits[("agenda_item", str(item.pk))]
    assert node["record"] == {"__typename": "AgendaItem"}
    assert "<mark>carried</mark>" in node["snippet"]
    assert list(found(search("built this summer"))) == list(hits)
    assert search("motion defeated")["edges"] == []
    assert "matches the database" in search_check()


def test_a_changed_vote_replaces_the_old_one_in_the_index(splash_pad):
    item = splash_pad["item"]
    clerk = clerk_of(splash_pad["body"])
    vote = _vote(clerk, item, splash_pad["members"], "That the splash pad be built.", "carried")
    index_work_run()
    assert ("agenda_item", str(item.pk)) in found(search("motion carried"))
    # A worker read the item with its first vote, and writes late.
    stale = agenda_item_entry(
        AgendaItem.objects.select_related("meeting__body").prefetch_related("votes").get(pk=item.pk)
    )

    # A wrong vote is deleted by an administrator and recorded again.
    client = Client()
    client.force_login(administrator())
    response = client.post(f"/admin/records/vote/{vote.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    assert not Vote.objects.exists()
    index_work_run()
    search_backend().entries_apply(entries=[stale])
    assert search("motion carried")["edges"] == []

    _vote(clerk, item, splash_pad["members"], "That the splash pad be deferred.", "defeated")
    index_work_run()
    assert search("motion carried")["edges"] == []
    assert list(found(search("motion defeated deferred"))) == [("agenda_item", str(item.pk))]
    assert "matches the database" in search_check()
