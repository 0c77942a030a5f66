"""documentUpload: a multipart GraphQL request carrying a real PDF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backend.audit.models import AuditEntry
from backend.records.models import Document
from tests.conftest import GRAPHQL
from tests.records.factories import World, gid, records_world

pytestmark = pytest.mark.django_db

PDF = (
    Path(__file__).resolve().parents[2]
    / "backend/records/fixtures/meetings/chicago-human-relations-agenda.pdf"
)
UPLOAD = """
mutation ($input: DocumentUploadInput!, $file: Upload!) {
  documentUpload(input: $input, file: $file) {
    document { title kind contentType size sha256 pageCount textStatus url }
    errors { code field }
  }
}
"""


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    return records_world()


def upload(user, meeting_id: str, content: bytes, item_id: str | None = None) -> dict:
    client = Client()
    if user is not None:
        client.force_login(user)
    operations = {
        "query": UPLOAD,
        "variables": {
            "input": {
                "meetingId": meeting_id,
                "agendaItemId": item_id,
                "title": "Agenda package",
                "kind": "AGENDA",
            },
            "file": None,
        },
    }
    response = client.post(
        GRAPHQL,
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": SimpleUploadedFile("agenda.pdf", content, content_type="application/pdf"),
        },
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert "errors" not in result, result
    return result["data"]["documentUpload"]


def test_clerk_uploads_a_pdf(world: World) -> None:
    content = PDF.read_bytes()
    payload = upload(
        world.clerk,
        gid("Meeting", world.published.pk),
        content,
        gid("AgendaItem", world.open_item.pk),
    )
    document = Document.objects.get()
    assert payload["errors"] == []
    assert payload["document"]["title"] == "Agenda package"
    assert payload["document"]["kind"] == "AGENDA"
    assert payload["document"]["size"] == len(content)
    assert payload["document"]["url"] == f"/records/documents/{document.pk}/"
    assert document.agenda_item == world.open_item


@pytest.mark.parametrize(
    ("role", "target", "code"),
    [
        ("anonymous", "published", "UNAUTHENTICATED"),
        ("resident", "published", "PERMISSION_DENIED"),
        ("other_clerk", "published", "PERMISSION_DENIED"),
        ("other_clerk", "draft", "NOT_FOUND"),
        ("clerk_without_mfa", "published", "PERMISSION_DENIED"),
    ],
)
def test_upload_refused(world: World, role: str, target: str, code: str) -> None:
    user = None if role == "anonymous" else getattr(world, role)
    payload = upload(user, gid("Meeting", getattr(world, target).pk), PDF.read_bytes())
    field = None if role == "anonymous" else "meetingId"
    assert payload == {"document": None, "errors": [{"code": code, "field": field}]}
    assert not Document.objects.exists()
    assert not AuditEntry.objects.exists()


def test_upload_of_a_non_pdf_is_refused(world: World) -> None:
    payload = upload(world.admin, gid("Meeting", world.draft.pk), b"GIF89a not a pdf")
    assert payload == {"document": None, "errors": [{"code": "NOT_PDF", "field": "file"}]}
    assert not Document.objects.exists()
