"""The clerks' workspace in the Django admin: scoping by body, saves through the actions."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.audit.models import AuditEntry
from backend.records.actions import meeting_create, meeting_publish
from backend.records.models import AgendaItem, Body, Document, Meeting, PublicationEvent
from tests.conftest import user_create

FIXTURES = Path(__file__).resolve().parents[2] / "backend" / "records" / "fixtures" / "meetings"
AGENDA_PDF = FIXTURES / "chicago-human-relations-agenda.pdf"
MEETINGS = "/admin/records/meeting/"
TOWN = ZoneInfo("America/Toronto")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def council() -> Body:
    return Body.objects.create(name="City Council", slug="council", classification="council")


@pytest.fixture
def finance() -> Body:
    return Body.objects.create(
        name="Committee on Finance", slug="finance", classification="committee"
    )


@pytest.fixture
def administrator() -> User:
    return user_create("admin@example.org", Role.ADMINISTRATOR, mfa=True, is_staff=True)


@pytest.fixture
def clerk(council: Body) -> User:
    """The clerk of the council only."""
    user = user_create("clerk@example.org", Role.CLERK, mfa=True, is_staff=True)
    council.clerks.add(user)
    return user


@pytest.fixture
def clerk_client(clerk: User) -> Client:
    client = Client()
    client.force_login(clerk)
    return client


def draft(actor: User, body: Body, title: str) -> Meeting:
    return meeting_create(
        actor=actor,
        body=body,
        title=title,
        starts_at=datetime(2024, 3, 5, 19, 0, tzinfo=TOWN),
        location="Council Chamber",
    )


def form_errors(response: Any) -> list[str]:
    """The error lists of a re-rendered admin form, for a readable failure."""
    return re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
    )


def management(prefix: str, total: int, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def meeting_add_data(body: Body, upload: Any) -> dict[str, Any]:
    return {
        "body": str(body.pk),
        "title": "Regular Council Meeting",
        "starts_at_0": "2024-04-02",
        "starts_at_1": "19:00:00",
        "ends_at_0": "",
        "ends_at_1": "",
        "location": "Council Chamber, City Hall",
        "livestream_url": "",
        "video_url": "",
        **management("agenda_items", 2),
        "agenda_items-0-number": "1",
        "agenda_items-0-title": "Call to order",
        "agenda_items-0-kind": "other",
        "agenda_items-1-number": "2",
        "agenda_items-1-title": "Budget report",
        "agenda_items-1-kind": "report",
        **management("documents", 1),
        "documents-0-file": upload,
        "documents-0-title": "",
        "documents-0-kind": "agenda",
        "documents-0-agenda_item": "",
    }


def test_clerk_sees_only_the_meetings_of_their_bodies(
    clerk_client: Client, administrator: User, council: Body, finance: Body
) -> None:
    own = draft(administrator, council, "Council: regular meeting")
    other = draft(administrator, finance, "Finance: budget hearing")

    listing = clerk_client.get(MEETINGS)
    assert listing.status_code == 200
    assert own.title in listing.content.decode()
    assert other.title not in listing.content.decode()

    # Another body's meeting does not exist for the clerk: the admin redirects with a message.
    response = clerk_client.get(f"{MEETINGS}{other.pk}/change/")
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert clerk_client.get(f"{MEETINGS}{own.pk}/change/").status_code == 200


def test_body_choices_are_the_clerks_bodies(
    clerk_client: Client, council: Body, finance: Body
) -> None:
    page = clerk_client.get(f"{MEETINGS}add/").content.decode()

    assert f'<option value="{council.pk}">City Council</option>' in page
    assert "Committee on Finance" not in page


def test_clerk_cannot_create_a_meeting_for_another_body(
    clerk_client: Client, finance: Body
) -> None:
    upload = SimpleUploadedFile("agenda.pdf", AGENDA_PDF.read_bytes())

    response = clerk_client.post(f"{MEETINGS}add/", meeting_add_data(finance, upload))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Meeting.objects.exists()
    assert not AuditEntry.objects.exists()


def test_publish_action_publishes_and_writes_an_audit_entry(
    clerk_client: Client, clerk: User, administrator: User, council: Body, finance: Body
) -> None:
    own = draft(clerk, council, "Council: regular meeting")
    other = draft(administrator, finance, "Finance: budget hearing")

    response = clerk_client.post(
        MEETINGS, {"action": "publish", "_selected_action": [own.pk, other.pk], "index": "0"}
    )

    assert response.status_code == 302
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.published_at is not None
    # The changelist only ever acts on the clerk's own bodies.
    assert other.published_at is None
    entry = AuditEntry.objects.get(action="meeting.publish")
    assert (entry.actor, entry.object_id) == (clerk, str(own.pk))
    assert entry.before["published_at"] is None
    assert entry.after["published_at"] is not None
    event = PublicationEvent.objects.get()
    assert (event.meeting, event.action, event.actor) == (own, "published", clerk)


def test_unpublish_asks_for_a_reason_first(
    clerk_client: Client, clerk: User, council: Body
) -> None:
    meeting = meeting_publish(actor=clerk, meeting=draft(clerk, council, "Council: regular"))
    selection = {"action": "unpublish", "_selected_action": [meeting.pk]}

    asked = clerk_client.post(MEETINGS, {**selection, "index": "0"})
    assert asked.status_code == 200
    assert 'name="reason"' in asked.content.decode()
    meeting.refresh_from_db()
    assert meeting.published_at is not None

    empty = clerk_client.post(MEETINGS, {**selection, "confirm": "yes", "reason": " "})
    assert empty.status_code == 200
    assert "This field is required." in empty.content.decode()
    meeting.refresh_from_db()
    assert meeting.published_at is not None

    done = clerk_client.post(
        MEETINGS, {**selection, "confirm": "yes", "reason": "Agenda posted by mistake"}
    )
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert meeting.published_at is None
    event = PublicationEvent.objects.filter(meeting=meeting).latest("id")
    assert (event.action, event.reason) == ("unpublished", "Agenda posted by mistake")
    assert AuditEntry.objects.filter(action="meeting.unpublish", object_id=str(meeting.pk)).exists()


def test_cancel_with_reason_sets_status_and_history(
    clerk_client: Client, clerk: User, council: Body
) -> None:
    meeting = draft(clerk, council, "Council: regular")

    response = clerk_client.post(
        MEETINGS,
        {
            "action": "cancel",
            "_selected_action": [meeting.pk],
            "confirm": "yes",
            "reason": "No quorum",
        },
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.status_reason) == ("cancelled", "No quorum")
    page = clerk_client.get(f"{MEETINGS}{meeting.pk}/change/").content.decode()
    assert "No quorum" in page
    assert "meeting.cancel" in page


def test_add_meeting_with_agenda_and_pdf_goes_through_the_actions(
    clerk_client: Client, clerk: User, council: Body
) -> None:
    upload = SimpleUploadedFile(
        "chicago-human-relations-agenda.pdf", AGENDA_PDF.read_bytes(), "application/pdf"
    )

    response = clerk_client.post(f"{MEETINGS}add/", meeting_add_data(council, upload))

    assert response.status_code == 302, form_errors(response)
    meeting = Meeting.objects.get()
    assert (meeting.body, meeting.published_at) == (council, None)
    assert [(item.number, item.title, item.kind) for item in meeting.agenda_items.all()] == [
        ("1", "Call to order", "other"),
        ("2", "Budget report", "report"),
    ]
    document = Document.objects.get()
    assert (document.meeting, document.title, document.kind) == (
        meeting,
        "chicago-human-relations-agenda",
        "agenda",
    )
    assert document.uploaded_by == clerk
    assert len(document.sha256) == 64
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == [
        "agenda_item.create",
        "agenda_item.create",
        "document.upload",
        "meeting.create",
    ]
    task = DBTaskResult.objects.get(task_path="backend.records.tasks.document_text_extract")
    assert task.args_kwargs["kwargs"] == {"document_id": document.pk}


def test_a_file_that_is_not_a_pdf_is_refused_on_the_form(
    clerk_client: Client, council: Body
) -> None:
    upload = SimpleUploadedFile("agenda.pdf", b"Agenda\n1. Call to order\n", "application/pdf")

    response = clerk_client.post(f"{MEETINGS}add/", meeting_add_data(council, upload))

    assert response.status_code == 200
    assert "This file is not a PDF. Upload the document as a PDF file." in response.content.decode()
    assert not Meeting.objects.exists()
    assert not Document.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_an_action_refusal_is_shown_on_the_form_and_nothing_is_saved(
    clerk_client: Client, council: Body, settings
) -> None:
    # Valid for the form, refused by document_upload once the meeting and its items are written.
    settings.RECORDS_DOCUMENT_MAX_PAGES = 0
    upload = SimpleUploadedFile("agenda.pdf", AGENDA_PDF.read_bytes())

    response = clerk_client.post(f"{MEETINGS}add/", meeting_add_data(council, upload))

    assert response.status_code == 200
    assert form_errors(response) == [
        "<li>The PDF has 1 pages; the limit is 0.</li>",
    ]
    assert not Meeting.objects.exists()
    assert not AgendaItem.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_editing_a_meeting_records_an_update(
    clerk_client: Client, clerk: User, council: Body
) -> None:
    meeting = draft(clerk, council, "Council: regular")
    data = {
        "title": "Council: special meeting",
        "starts_at_0": "2024-03-05",
        "starts_at_1": "19:00:00",
        "ends_at_0": "",
        "ends_at_1": "",
        "location": "Council Chamber",
        "livestream_url": "",
        "video_url": "",
        **management("agenda_items", 0),
        **management("documents", 0),
        **management("documents-2", 0),
        **management("publication_events", 0),
    }

    response = clerk_client.post(f"{MEETINGS}{meeting.pk}/change/", data)

    assert response.status_code == 302, form_errors(response)
    meeting.refresh_from_db()
    assert (meeting.title, meeting.revision) == ("Council: special meeting", 1)
    entry = AuditEntry.objects.get(action="meeting.update")
    assert (entry.before["title"], entry.after["title"]) == (
        "Council: regular",
        "Council: special meeting",
    )


def test_clerk_without_mfa_cannot_see_the_records_admin(council: Body) -> None:
    user = user_create("new-clerk@example.org", Role.CLERK, is_staff=True)
    council.clerks.add(user)
    client = Client()
    client.force_login(user)

    assert client.get(MEETINGS).status_code == 403
    assert client.get(f"{MEETINGS}add/").status_code == 403
    index = client.get("/admin/").content.decode()
    assert "Meeting records" not in index
    assert "have permission to view or edit anything." in index


def test_clerk_reads_reference_data_but_only_administrators_change_it(
    clerk_client: Client, administrator: User, council: Body
) -> None:
    assert clerk_client.get("/admin/records/body/").status_code == 200
    assert clerk_client.get(f"/admin/records/body/{council.pk}/change/").status_code == 200
    refused = clerk_client.post(
        f"/admin/records/body/{council.pk}/change/",
        {"name": "Renamed", "slug": "council", "classification": "council"},
    )
    assert refused.status_code == 403
    council.refresh_from_db()
    assert council.name == "City Council"

    admin_client = Client()
    admin_client.force_login(administrator)
    changed = admin_client.post(
        f"/admin/records/body/{council.pk}/change/",
        {
            "name": "City Council",
            "slug": "council",
            "classification": "council",
            "description": "",
            "active": "on",
            "clerks": [],
            **management("memberships", 0),
        },
    )
    assert changed.status_code == 302, form_errors(changed)
    assert not council.clerks.exists()
    entry = AuditEntry.objects.get(action="body.update")
    assert entry.after["clerks"] == []


def test_vote_is_recorded_with_member_votes_through_the_action(
    clerk_client: Client, clerk: User, council: Body
) -> None:
    from backend.records.actions import agenda_item_create
    from backend.records.models import Membership, Person, Vote

    meeting = draft(clerk, council, "Council: regular")
    item = agenda_item_create(
        actor=clerk, meeting=meeting, title="Budget by-law", kind="bylaw", number="4"
    )
    members = [Person.objects.create(name=name) for name in ("Ada", "Ben", "Cleo")]
    for person in members:
        Membership.objects.create(person=person, body=council, start_date="2024-01-01")
    data = {
        "agenda_item": str(item.pk),
        "motion": "That the budget by-law be adopted.",
        "result": "carried",
        **management("member_votes", 12),
    }
    for index, (person, value) in enumerate(zip(members, ["yes", "yes", "no"], strict=True)):
        data[f"member_votes-{index}-person"] = str(person.pk)
        data[f"member_votes-{index}-value"] = value

    response = clerk_client.post("/admin/records/vote/add/", data)

    assert response.status_code == 302, form_errors(response)
    vote = Vote.objects.get()
    assert (vote.yes_count, vote.no_count, vote.result) == (2, 1, "carried")
    assert dict(vote.member_votes.values_list("person__name", "value")) == {
        "Ada": "yes",
        "Ben": "yes",
        "Cleo": "no",
    }
    assert AuditEntry.objects.filter(action="vote.record", object_id=str(vote.pk)).exists()


def test_minutes_are_published_then_corrected_only_with_a_reason(
    clerk_client: Client, clerk: User, council: Body
) -> None:
    from backend.records.models import Minutes

    meeting = meeting_publish(actor=clerk, meeting=draft(clerk, council, "Council: regular"))
    added = clerk_client.post(
        "/admin/records/minutes/add/",
        {"meeting": str(meeting.pk), "text": "Present: all.", **management("versions", 0)},
    )
    assert added.status_code == 302, form_errors(added)
    minutes = Minutes.objects.get()
    assert minutes.status == "published"
    change = f"/admin/records/minutes/{minutes.pk}/change/"
    correction = {
        "text": "Present: all but one.",
        "adopted_by_meeting": "",
        **management("versions", 1, initial=1),
    }

    refused = clerk_client.post(change, {**correction, "reason": ""})
    assert refused.status_code == 200
    assert "Say why the minutes are corrected." in refused.content.decode()
    assert minutes.versions.count() == 1

    corrected = clerk_client.post(change, {**correction, "reason": "Absence left out"})
    assert corrected.status_code == 302, form_errors(corrected)
    latest = minutes.versions.latest("number")
    assert (latest.number, latest.text, latest.reason) == (
        2,
        "Present: all but one.",
        "Absence left out",
    )
    assert AuditEntry.objects.filter(action="minutes.correct").count() == 1
