"""A page of meetings with everything under them costs the same queries for 1 or 50 meetings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.records.models import AgendaItem, Meeting, Minutes, MinutesVersion
from tests.records.factories import World, at, document_row, gql, records_world, vote_row

pytestmark = pytest.mark.django_db

PAGE = """
query ($first: Int!) {
  meetings(first: $first) {
    totalCount
    edges {
      node {
        id title startsAt status body { name slug }
        currentItem { title }
        agendaItems {
          id number title description contentHidden
          documents { id title kind contentType size sha256 pageCount textStatus url }
          votes {
            motion result yesCount noCount
            memberVotes { value person { name } }
          }
        }
        documents { id title url }
        minutes {
          status publishedAt adoptedByMeeting { title }
          versions { number text reason diff createdAt createdByName }
        }
      }
    }
  }
}
"""


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    world = records_world()
    Meeting.objects.exclude(pk=world.published.pk).delete()
    for index in range(60):
        meeting = Meeting.objects.create(
            body=world.council,
            title=f"Council {index}",
            starts_at=at(2024, 1, 2) + timedelta(days=7 * index),
            published_at=timezone.now(),
        )
        opened = AgendaItem.objects.create(meeting=meeting, position=1, title="Roads")
        closed = AgendaItem.objects.create(
            meeting=meeting, position=2, title="Personnel", is_closed_session=True
        )
        meeting.current_item = opened
        meeting.save()
        document_row(meeting, None, "Agenda")
        document_row(meeting, opened, "Roads report")
        document_row(meeting, closed, "Personnel memo")
        vote_row(opened, world.members)
        vote_row(closed, world.members)
        minutes = Minutes.objects.create(
            meeting=meeting, status=Minutes.Status.PUBLISHED, published_at=timezone.now()
        )
        MinutesVersion.objects.create(
            minutes=minutes, number=1, text="Present: all.", created_by=world.clerk
        )
    return world


def _queries(user, first: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        data = gql(user, PAGE, {"first": first})
    edges = data["meetings"]["edges"]
    assert len(edges) == first
    assert all(len(edge["node"]["agendaItems"]) == 2 for edge in edges)
    assert all(edge["node"]["minutes"]["versions"][0]["number"] == 1 for edge in edges)
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", ["anonymous", "resident", "clerk", "admin"])
def test_meetings_page_query_count_does_not_grow(world: World, role: str) -> None:
    user = world.users()[role]
    assert _queries(user, 1) == _queries(user, 50)
