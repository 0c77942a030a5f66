"""A small Town of meeting records, and a GraphQL client per role, for the records tests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone
from strawberry import relay

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.records.models import (
    AgendaItem,
    Body,
    Document,
    Meeting,
    Membership,
    MemberVote,
    Person,
    Vote,
)
from tests.conftest import GRAPHQL, user_create

TOWN = ZoneInfo("America/Toronto")
TINY_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def gid(type_name: str, pk: int) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


def gql(user: User | None, query: str, variables: dict | None = None) -> dict:
    """Run an operation as ``user`` (None: anonymous) over HTTP; returns the decoded response."""
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.post(
        GRAPHQL,
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert "errors" not in result, result["errors"]
    return result["data"]


def at(year: int, month: int, day: int, hour: int = 19) -> datetime:
    return datetime(year, month, day, hour, tzinfo=TOWN)


def document_row(
    meeting: Meeting, item: AgendaItem | None = None, title: str = "Report"
) -> Document:
    content = TINY_PDF + title.encode()
    return Document.objects.create(
        meeting=meeting,
        agenda_item=item,
        title=title,
        kind=Document.Kind.REPORT,
        file=ContentFile(content, name="tiny.pdf"),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        page_count=1,
    )


def vote_row(item: AgendaItem, members: list[Person], value: str = "yes") -> Vote:
    vote = Vote.objects.create(
        agenda_item=item, motion="That the report be received.", result="carried"
    )
    for person in members:
        MemberVote.objects.create(vote=vote, person=person, value=value)
    vote.yes_count = len(members) if value == "yes" else 0
    vote.save()
    return vote


@dataclass
class World:
    council: Body
    parks: Body
    clerk: User
    other_clerk: User
    admin: User
    resident: User
    clerk_without_mfa: User
    members: list[Person]
    outsider: Person
    draft: Meeting
    published: Meeting
    cancelled: Meeting
    open_item: AgendaItem
    closed_item: AgendaItem
    draft_item: AgendaItem

    def users(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "resident": self.resident,
            "clerk": self.clerk,
            "other_clerk": self.other_clerk,
            "admin": self.admin,
        }


def records_world() -> World:
    council = Body.objects.create(name="Town Council", slug="council", classification="council")
    parks = Body.objects.create(name="Parks Board", slug="parks", classification="board")
    clerk = user_create("clerk@town.example", Role.CLERK, mfa=True, display_name="Casey Clerk")
    council.clerks.add(clerk)
    other_clerk = user_create("parks-clerk@town.example", Role.CLERK, mfa=True)
    parks.clerks.add(other_clerk)
    admin = user_create("admin@town.example", Role.ADMINISTRATOR, mfa=True)
    resident = user_create("resident@town.example")
    clerk_without_mfa = user_create("new-clerk@town.example", Role.CLERK)
    council.clerks.add(clerk_without_mfa)
    members = [
        Person.objects.create(name=name, title="Councillor")
        for name in ("Ada Alder", "Ben Birch", "Cy Cedar")
    ]
    for person in members:
        Membership.objects.create(person=person, body=council, start_date=date(2022, 11, 15))
    outsider = Person.objects.create(name="Pat Pine")
    Membership.objects.create(person=outsider, body=parks, start_date=date(2022, 11, 15))

    draft = Meeting.objects.create(body=council, title="Draft council", starts_at=at(2025, 3, 4))
    draft_item = AgendaItem.objects.create(meeting=draft, position=1, title="Draft budget")
    published = Meeting.objects.create(
        body=council,
        title="Regular council",
        starts_at=at(2025, 2, 4),
        published_at=timezone.now(),
    )
    open_item = AgendaItem.objects.create(
        meeting=published,
        position=1,
        number="1",
        title="Library hours",
        description="Extend Sunday hours.",
        recommendation="Approve.",
    )
    closed_item = AgendaItem.objects.create(
        meeting=published,
        position=2,
        number="2",
        title="Land purchase on Elm Street",
        description="Confidential.",
        recommendation="Buy.",
        outcome="Direction given.",
        is_closed_session=True,
    )
    cancelled = Meeting.objects.create(
        body=council,
        title="Special council",
        starts_at=at(2025, 2, 11),
        published_at=timezone.now(),
        status=Meeting.Status.CANCELLED,
        status_reason="No quorum.",
    )
    return World(
        council=council,
        parks=parks,
        clerk=clerk,
        other_clerk=other_clerk,
        admin=admin,
        resident=resident,
        clerk_without_mfa=clerk_without_mfa,
        members=members,
        outsider=outsider,
        draft=draft,
        published=published,
        cancelled=cancelled,
        open_item=open_item,
        closed_item=closed_item,
        draft_item=draft_item,
    )
