"""Uploading meeting documents, extracting their text, and serving the original files."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pypdf
import pytest
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.audit.models import AuditEntry
from backend.common.errors import ActionError
from backend.records import documents as documents_module
from backend.records import tasks as tasks_module
from backend.records.documents import DocumentErrorCode, document_upload
from backend.records.models import AgendaItem, Body, Document, Meeting
from backend.records.tasks import document_text_extract, document_text_extract_now
from tests.conftest import APP_AUTH, PASSWORD, totp_enable, user_create

FIXTURES = Path(__file__).resolve().parents[2] / "backend" / "records" / "fixtures" / "meetings"
ONE_PAGE_AGENDA = FIXTURES / "chicago-human-relations-agenda.pdf"
DISTRICT_AGENDA = FIXTURES / "chicago-district-council-agenda-2023-06-06.pdf"
CLOSED_NOTICE = FIXTURES / "chicago-district-council-agenda-2023-06-01-closed.pdf"
EXTRACT_TASK_PATH = "backend.records.tasks.document_text_extract"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def body() -> Body:
    return Body.objects.create(name="City Council", slug="council", classification="council")


@pytest.fixture
def other_body() -> Body:
    return Body.objects.create(name="Parks Board", slug="parks", classification="board")


@pytest.fixture
def clerk(body: Body) -> User:
    user = user_create("clerk@x.org", Role.CLERK, mfa=True)
    body.clerks.add(user)
    return user


@pytest.fixture
def other_clerk(other_body: Body) -> User:
    user = user_create("other-clerk@x.org", Role.CLERK, mfa=True)
    other_body.clerks.add(user)
    return user


def meeting_create(
    body: Body, *, published: bool = True, title: str = "Regular meeting"
) -> Meeting:
    return Meeting.objects.create(
        body=body,
        title=title,
        starts_at=timezone.now() + timedelta(days=7),
        published_at=timezone.now() if published else None,
    )


@pytest.fixture
def meeting(body: Body) -> Meeting:
    return meeting_create(body)


def upload(path_or_bytes: Path | bytes, name: str = "agenda.pdf", **kwargs) -> SimpleUploadedFile:
    content = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    return SimpleUploadedFile(
        name, content, content_type=kwargs.get("content_type", "application/pdf")
    )


def upload_as(actor: User, meeting: Meeting, file, *, agenda_item=None, title="Agenda") -> Document:
    return document_upload(
        actor=actor,
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        kind=Document.Kind.AGENDA,
        uploaded_file=file,
    )


def encrypted_pdf(*, user_password: str, owner_password: str = "owner") -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(ONE_PAGE_AGENDA))
    writer.encrypt(user_password=user_password, owner_password=owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blank_pdf(pages: int) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def extraction_tasks():
    return DBTaskResult.objects.filter(task_path=EXTRACT_TASK_PATH)


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def assert_refused(error: pytest.ExceptionInfo[ActionError], code: str, media_root: Path) -> None:
    assert [e.code for e in error.value.errors] == [code]
    assert Document.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert AuditEntry.objects.filter(action="document.upload").count() == 0
    assert stored_files(media_root) == []


# Upload


def test_upload_stores_the_pdf_audits_it_and_queues_its_extraction(
    clerk: User, meeting: Meeting, media_root: Path, monkeypatch
) -> None:
    changed: list[object] = []
    monkeypatch.setattr(
        documents_module, "record_changed", lambda *, instance: changed.append(instance)
    )
    content = ONE_PAGE_AGENDA.read_bytes()

    document = upload_as(
        clerk, meeting, upload(content, name="Board schedule.PDF"), title=" Schedule "
    )

    document.refresh_from_db()
    assert document.title == "Schedule"
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.content_type == "application/pdf"
    assert document.original_filename == "Board schedule.PDF"
    assert document.uploaded_by == clerk
    assert document.text_status == Document.TextStatus.PENDING
    assert document.page_count == 1
    assert document.file.name == f"records/documents/{document.sha256[:2]}/{document.sha256}.pdf"
    with document.file.open("rb") as stored:
        assert stored.read() == content
    entry = AuditEntry.objects.get(action="document.upload")
    assert (entry.actor, entry.object_id) == (clerk, str(document.pk))
    assert changed == [document]
    task_row = DBTaskResult.objects.get(task_path=EXTRACT_TASK_PATH)
    assert task_row.task_path == EXTRACT_TASK_PATH
    assert task_row.args_kwargs == {"args": [], "kwargs": {"document_id": document.pk}}


def test_the_same_pdf_uploaded_twice_is_stored_once(
    clerk: User, meeting: Meeting, media_root: Path
) -> None:
    first = upload_as(clerk, meeting, upload(ONE_PAGE_AGENDA))
    second = upload_as(clerk, meeting_create(meeting.body), upload(ONE_PAGE_AGENDA))

    assert first.file.name == second.file.name
    assert len(stored_files(media_root)) == 1
    assert extraction_tasks().count() == 2


def test_a_rolled_back_upload_leaves_no_document_and_no_task(clerk: User, meeting: Meeting) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        upload_as(clerk, meeting, upload(ONE_PAGE_AGENDA))
        raise RuntimeError("the surrounding write failed")

    assert Document.objects.count() == 0
    assert DBTaskResult.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("logo.pdf", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"),
        ("notes.pdf", b"Minutes of the meeting, typed as plain text.\n"),
        ("agenda.pdf", b"<html><body>%PDF-1.7</body></html>"),
    ],
)
def test_a_file_that_is_not_a_pdf_is_refused_whatever_its_name(
    clerk: User, meeting: Meeting, media_root: Path, name: str, content: bytes
) -> None:
    with pytest.raises(ActionError) as error:
        upload_as(clerk, meeting, upload(content, name=name, content_type="application/pdf"))

    assert_refused(error, DocumentErrorCode.NOT_PDF, media_root)


def test_a_pdf_is_recognised_by_its_bytes_not_its_name(clerk: User, meeting: Meeting) -> None:
    document = upload_as(
        clerk, meeting, upload(ONE_PAGE_AGENDA, name="scan.png", content_type="image/png")
    )

    assert document.content_type == "application/pdf"


def test_an_empty_file_is_refused(clerk: User, meeting: Meeting, media_root: Path) -> None:
    with pytest.raises(ActionError) as error:
        upload_as(clerk, meeting, upload(b""))

    assert_refused(error, DocumentErrorCode.EMPTY_FILE, media_root)


class CountingFile(File):
    """A large upload that counts how much of it was read."""

    def __init__(self, size: int) -> None:
        super().__init__(io.BytesIO(b"%PDF-1.7\n" + b"0" * (size - 9)), name="huge.pdf")
        self.bytes_read = 0

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        for chunk in super().chunks(chunk_size):
            self.bytes_read += len(chunk)
            yield chunk


def test_a_file_over_the_size_limit_is_refused_without_reading_all_of_it(
    clerk: User, meeting: Meeting, media_root: Path, settings
) -> None:
    settings.RECORDS_DOCUMENT_MAX_BYTES = 100_000
    huge = CountingFile(5_000_000)

    with pytest.raises(ActionError) as error:
        upload_as(clerk, meeting, huge)

    assert_refused(error, DocumentErrorCode.TOO_LARGE, media_root)
    assert huge.bytes_read <= 100_000 + 64 * 1024


def test_a_file_at_the_size_limit_is_accepted(clerk: User, meeting: Meeting, settings) -> None:
    content = ONE_PAGE_AGENDA.read_bytes()
    settings.RECORDS_DOCUMENT_MAX_BYTES = len(content)

    assert upload_as(clerk, meeting, upload(content)).size == len(content)


def test_a_pdf_over_the_page_limit_is_refused(
    clerk: User, meeting: Meeting, media_root: Path, settings
) -> None:
    settings.RECORDS_DOCUMENT_MAX_PAGES = 3

    with pytest.raises(ActionError) as error:
        upload_as(clerk, meeting, upload(blank_pdf(4)))

    assert_refused(error, DocumentErrorCode.TOO_MANY_PAGES, media_root)
    assert upload_as(clerk, meeting, upload(blank_pdf(3))).size > 0


def test_a_clerk_of_another_body_is_refused_and_nothing_changes(
    other_clerk: User, meeting: Meeting, media_root: Path
) -> None:
    with pytest.raises(ActionError) as error:
        upload_as(other_clerk, meeting, upload(ONE_PAGE_AGENDA))

    assert_refused(error, DocumentErrorCode.PERMISSION_DENIED, media_root)


def test_a_resident_and_a_clerk_without_mfa_are_refused(meeting: Meeting, media_root: Path) -> None:
    resident = user_create("resident@x.org")
    clerk_without_mfa = user_create("new-clerk@x.org", Role.CLERK, mfa=False)
    meeting.body.clerks.add(clerk_without_mfa)

    for actor in (resident, User.objects.get(pk=clerk_without_mfa.pk)):
        with pytest.raises(ActionError) as error:
            upload_as(actor, meeting, upload(ONE_PAGE_AGENDA))
        assert_refused(error, DocumentErrorCode.PERMISSION_DENIED, media_root)


def test_an_agenda_item_of_another_meeting_is_invalid(
    clerk: User, meeting: Meeting, media_root: Path
) -> None:
    elsewhere = AgendaItem.objects.create(meeting=meeting_create(meeting.body), title="Budget")

    with pytest.raises(ActionError) as error:
        upload_as(clerk, meeting, upload(ONE_PAGE_AGENDA), agenda_item=elsewhere)

    assert error.value.errors[0].field == "agendaItem"
    assert_refused(error, DocumentErrorCode.INVALID, media_root)


def test_a_document_can_belong_to_an_agenda_item(clerk: User, meeting: Meeting) -> None:
    item = AgendaItem.objects.create(meeting=meeting, title="Budget")

    document = upload_as(clerk, meeting, upload(ONE_PAGE_AGENDA), agenda_item=item)

    assert document.agenda_item == item


@pytest.mark.parametrize(("title", "kind"), [("  ", Document.Kind.AGENDA), ("Agenda", "poster")])
def test_a_missing_title_or_unknown_kind_is_invalid(
    clerk: User, meeting: Meeting, media_root: Path, title: str, kind: str
) -> None:
    with pytest.raises(ActionError) as error:
        document_upload(
            actor=clerk,
            meeting=meeting,
            agenda_item=None,
            title=title,
            kind=kind,
            uploaded_file=upload(ONE_PAGE_AGENDA),
        )

    assert_refused(error, DocumentErrorCode.INVALID, media_root)


# Text extraction


@pytest.mark.parametrize(
    ("path", "phrase"),
    [
        (ONE_PAGE_AGENDA, "Sedgwick"),
        (DISTRICT_AGENDA, "Roll Call & Quorum Determination"),
        (CLOSED_NOTICE, "Illinois Open Meetings Act"),
    ],
)
def test_text_is_extracted_from_real_agendas(
    clerk: User, meeting: Meeting, monkeypatch, path: Path, phrase: str
) -> None:
    document = upload_as(clerk, meeting, upload(path))
    changed: list[Document] = []
    monkeypatch.setattr(
        tasks_module, "record_changed", lambda *, instance: changed.append(instance)
    )

    assert document_text_extract_now(document=document) == Document.TextStatus.EXTRACTED

    document.refresh_from_db()
    assert document.text_status == Document.TextStatus.EXTRACTED
    assert document.page_count == 1
    assert phrase in document.text
    assert document.text_error == ""
    assert document.revision == 1
    assert [instance.pk for instance in changed] == [document.pk]


def test_extraction_is_idempotent(clerk: User, meeting: Meeting, monkeypatch) -> None:
    document = upload_as(clerk, meeting, upload(DISTRICT_AGENDA))
    document_text_extract_now(document=document)
    first = Document.objects.values("text", "page_count", "text_status", "revision").get()
    changed: list[Document] = []
    monkeypatch.setattr(
        tasks_module, "record_changed", lambda *, instance: changed.append(instance)
    )

    document_text_extract_now(document=document)

    assert Document.objects.values("text", "page_count", "text_status", "revision").get() == first
    assert changed == []


def test_a_truncated_pdf_is_stored_and_marked_unreadable(
    clerk: User, meeting: Meeting, media_root: Path
) -> None:
    content = DISTRICT_AGENDA.read_bytes()
    half = content[: len(content) // 2]

    document = upload_as(clerk, meeting, upload(half))

    assert extraction_tasks().count() == 1
    assert len(stored_files(media_root)) == 1
    assert document_text_extract_now(document=document) == Document.TextStatus.UNREADABLE
    document.refresh_from_db()
    assert (document.text_status, document.text, document.page_count) == ("unreadable", "", None)
    assert document.text_error == "The PDF is damaged or incomplete."


def test_a_password_protected_pdf_is_stored_and_marked_encrypted(
    clerk: User, meeting: Meeting
) -> None:
    document = upload_as(clerk, meeting, upload(encrypted_pdf(user_password="secret")))

    assert extraction_tasks().count() == 1
    assert document_text_extract_now(document=document) == Document.TextStatus.ENCRYPTED
    document.refresh_from_db()
    assert (document.text_status, document.text) == ("encrypted", "")
    assert document.text_error == "The PDF is protected by a password."


def test_a_pdf_with_only_an_owner_password_opens_and_its_text_is_extracted(
    clerk: User, meeting: Meeting
) -> None:
    document = upload_as(clerk, meeting, upload(encrypted_pdf(user_password="")))

    assert document_text_extract_now(document=document) == Document.TextStatus.EXTRACTED
    document.refresh_from_db()
    assert "Sedgwick" in document.text


def test_a_pdf_without_a_text_layer_is_marked_no_text(clerk: User, meeting: Meeting) -> None:
    document = upload_as(clerk, meeting, upload(blank_pdf(2)))

    assert document_text_extract_now(document=document) == Document.TextStatus.NO_TEXT
    document.refresh_from_db()
    assert (document.page_count, document.text) == (2, "")
    assert document.text_error == "The PDF has no text layer (scanned?)."


def test_a_missing_file_is_marked_unreadable_without_raising(
    clerk: User, meeting: Meeting, media_root: Path
) -> None:
    document = Document.objects.get(pk=upload_as(clerk, meeting, upload(ONE_PAGE_AGENDA)).pk)
    Path(document.file.path).unlink()

    assert document_text_extract_now(document=document) == Document.TextStatus.UNREADABLE
    document.refresh_from_db()
    assert document.text_error == "The stored file is missing."


def test_the_task_for_a_deleted_document_does_nothing(clerk: User, meeting: Meeting) -> None:
    document = upload_as(clerk, meeting, upload(ONE_PAGE_AGENDA))
    document_id = document.pk
    document.delete()

    assert document_text_extract.call(document_id=document_id) is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_extracts_text_of_documents_queued_by_uploads(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "worker-media"
    body = Body.objects.create(name="City Council", slug="council", classification="council")
    clerk = user_create("clerk@x.org", Role.CLERK, mfa=True)
    body.clerks.add(clerk)
    meeting = meeting_create(body)
    with transaction.atomic():
        good = upload_as(clerk, meeting, upload(CLOSED_NOTICE))
        bad = upload_as(clerk, meeting, upload(CLOSED_NOTICE.read_bytes()[:5000]))

    call_command(
        "db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0
    )

    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.text_status == Document.TextStatus.EXTRACTED
    assert "closed meeting" in good.text
    assert bad.text_status == Document.TextStatus.UNREADABLE
    assert sorted(extraction_tasks().values_list("status", flat=True)) == [
        "SUCCESSFUL",
        "SUCCESSFUL",
    ]


# Serving the original file


def document_create(
    meeting: Meeting, *, agenda_item: AgendaItem | None = None, path=ONE_PAGE_AGENDA
):
    content = path.read_bytes()
    document = Document(
        meeting=meeting,
        agenda_item=agenda_item,
        title='Agenda: June 6 / "final"',
        kind=Document.Kind.AGENDA,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    document.file.save("agenda.pdf", File(io.BytesIO(content)), save=False)
    document.save()
    return document


def test_a_published_document_is_served_with_its_type_length_name_and_etag(
    meeting: Meeting,
) -> None:
    document = document_create(meeting)
    client = Client()

    response = client.get(f"/records/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(document.size)
    assert response["Content-Disposition"] == 'inline; filename="agenda-june-6-final.pdf"'
    assert response["ETag"] == f'"{document.sha256}"'
    assert response["Cache-Control"] == "public, no-cache"
    assert b"".join(response.streaming_content) == ONE_PAGE_AGENDA.read_bytes()

    again = client.get(
        f"/records/documents/{document.pk}/", headers={"If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304


def test_a_draft_meetings_document_is_hidden_from_all_but_its_clerks(
    body: Body, clerk: User, other_clerk: User
) -> None:
    document = document_create(meeting_create(body, published=False))
    url = f"/records/documents/{document.pk}/"
    resident_client, clerk_client, other_client = Client(), Client(), Client()
    resident_client.force_login(user_create("resident@x.org"))
    clerk_client.force_login(clerk)
    other_client.force_login(other_clerk)

    assert Client().get(url).status_code == 404
    assert resident_client.get(url).status_code == 404
    assert other_client.get(url).status_code == 404
    response = clerk_client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"


def test_a_closed_session_items_document_is_served_only_to_its_clerks(
    meeting: Meeting, clerk: User
) -> None:
    item = AgendaItem.objects.create(
        meeting=meeting, title="Land acquisition", is_closed_session=True
    )
    document = document_create(meeting, agenda_item=item, path=CLOSED_NOTICE)
    url = f"/records/documents/{document.pk}/"
    resident_client, clerk_client = Client(), Client()
    resident_client.force_login(user_create("resident@x.org"))
    clerk_client.force_login(clerk)

    assert Client().get(url).status_code == 404
    assert resident_client.get(url).status_code == 404
    assert clerk_client.get(url).status_code == 200


def test_an_unknown_document_is_not_found() -> None:
    assert Client().get("/records/documents/999999/").status_code == 404


def staff_app_login(client: Client, user: User) -> str:
    """Sign in as allauth's app client with password and TOTP code; returns the session token."""
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = totp_enable(user)
    response = client.post(
        f"{APP_AUTH}/auth/login",
        data=json.dumps({"email": user.email, "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 401, response.content
    token = response.json()["meta"]["session_token"]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    response = client.post(
        f"{APP_AUTH}/auth/2fa/authenticate",
        data=json.dumps({"code": code}),
        content_type="application/json",
        headers={"X-Session-Token": token},
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def test_the_session_token_of_an_app_identifies_the_caller(body: Body) -> None:
    clerk = user_create("app-clerk@x.org", Role.CLERK)
    body.clerks.add(clerk)
    document = document_create(meeting_create(body, published=False))
    url = f"/records/documents/{document.pk}/"
    token = staff_app_login(Client(), clerk)

    assert Client().get(url, headers={"X-Session-Token": token}).status_code == 200
    refused = Client().get(url, headers={"X-Session-Token": "not-a-token"})
    assert refused.status_code == 401
    assert refused.json()["code"] == "UNAUTHENTICATED"
