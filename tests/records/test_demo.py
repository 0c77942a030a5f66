"""The demo content: loaded by `manage.py demo_load`, idempotent, and public once published."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from backend.audit.models import AuditEntry
from backend.records.models import (
    AgendaItem,
    Body,
    Document,
    Meeting,
    Membership,
    MemberVote,
    Minutes,
    MinutesVersion,
    Person,
    PublicationEvent,
    Vote,
)
from tests.conftest import graphql

pytestmark = pytest.mark.django_db

COUNTED = [
    Body,
    Person,
    Membership,
    Meeting,
    AgendaItem,
    Document,
    Vote,
    MemberVote,
    Minutes,
    MinutesVersion,
    PublicationEvent,
    AuditEntry,
    DBTaskResult,
]

PUBLIC_MEETINGS = """
query {
  meetings(first: 50) {
    totalCount
    edges { node {
      title status body { name }
      agendaItems { number title kind }
      documents { title kind }
      minutes { status }
    } }
  }
}
"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def demo_load() -> str:
    out = io.StringIO()
    call_command("demo_load", stdout=out)
    return out.getvalue()


def test_demo_load_twice_changes_nothing_the_second_time() -> None:
    first_output = demo_load()
    first = counts()
    second_output = demo_load()

    assert counts() == first
    assert "records: 4 bodies, 12 people, 21 meetings (21 new" in first_output
    assert "records: 4 bodies, 12 people, 21 meetings (0 new" in second_output
    assert first["Body"] == 4
    assert first["Person"] == 12
    assert first["Document"] == 3
    assert first["Vote"] > 10
    assert first["MemberVote"] >= 5 * first["Vote"]
    assert Minutes.objects.filter(status=Minutes.Status.ADOPTED).count() >= 5
    assert Minutes.objects.filter(status=Minutes.Status.PUBLISHED).exists()
    # Each uploaded PDF waits for the worker's text extraction.
    assert set(
        DBTaskResult.objects.filter(
            task_path="backend.records.tasks.document_text_extract"
        ).values_list("args_kwargs__kwargs__document_id", flat=True)
    ) == set(Document.objects.values_list("pk", flat=True))
    for body in Body.objects.all():
        assert list(body.clerks.values_list("email", flat=True)) == ["clerk@town.example"]


def test_published_demo_meetings_are_public_and_drafts_are_not(client: Client) -> None:
    demo_load()
    published = Meeting.objects.filter(published_at__isnull=False)
    # Two demo meetings are drafts: the public sees every meeting but those.
    assert Meeting.objects.count() == published.count() + 2

    result = graphql(client, PUBLIC_MEETINGS)

    assert "errors" not in result, result
    meetings = result["data"]["meetings"]
    assert meetings["totalCount"] == published.count()
    nodes = [edge["node"] for edge in meetings["edges"]]
    assert len(nodes) == published.count()
    assert {node["status"] for node in nodes} >= {"ADJOURNED", "CANCELLED", "POSTPONED"}
    with_documents = [node for node in nodes if node["documents"]]
    assert len(with_documents) == 3
    council_june = next(
        node for node in with_documents if "Notice and agenda template" in str(node["documents"])
    )
    assert council_june["body"] == {"name": "City Council"}
    assert council_june["agendaItems"] == [
        {"number": "1", "title": "Call to order and roll call", "kind": "OTHER"},
        {"number": "2", "title": "Public comment", "kind": "DELEGATION"},
        {
            "number": "3",
            "title": "Ordinance amending the Municipal Code on short-term rentals",
            "kind": "BYLAW",
        },
        {
            "number": "4",
            "title": "Resolution setting the 2024 budget hearing schedule",
            "kind": "MOTION",
        },
        {"number": "5", "title": "Adjournment", "kind": "OTHER"},
    ]
    assert {node["minutes"]["status"] for node in nodes if node["minutes"]} == {
        "ADOPTED",
        "PUBLISHED",
    }
