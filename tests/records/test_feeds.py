"""The public iCalendar feeds of meetings and the Atom feed of new documents."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import icalendar
import pytest
import vobject
from django.core.files.base import File
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.accounts.roles import Role
from backend.records.models import AgendaItem, Body, Document, Meeting
from tests.conftest import user_create

FIXTURES = Path(__file__).resolve().parents[2] / "backend" / "records" / "fixtures" / "meetings"
ATOM = "{http://www.w3.org/2005/Atom}"
LONG_TITLE = (
    "Règlement municipal: a by-law to amend the zoning by-law for the lands known as 1200 "
    "Riverside Drive, to permit a mixed-use building of twelve storeys with ground-floor retail "
    "and a public square along the waterfront trail"
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def council() -> Body:
    return Body.objects.create(name="City Council", slug="council", classification="council")


@pytest.fixture
def parks() -> Body:
    return Body.objects.create(name="Parks Board", slug="parks", classification="board")


def meeting_create(
    body: Body,
    title: str = "Regular meeting",
    *,
    published: bool = True,
    days: int = 7,
    **fields,
) -> Meeting:
    starts_at = timezone.now().replace(microsecond=0) + timedelta(days=days)
    return Meeting.objects.create(
        body=body,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        published_at=timezone.now() if published else None,
        **fields,
    )


def document_create(
    meeting: Meeting, title: str, *, agenda_item: AgendaItem | None = None
) -> Document:
    content = (FIXTURES / "chicago-human-relations-agenda.pdf").read_bytes()
    document = Document(
        meeting=meeting,
        agenda_item=agenda_item,
        title=title,
        kind=Document.Kind.AGENDA,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    document.file.save("agenda.pdf", File(io.BytesIO(content)), save=False)
    document.save()
    return document


def fetch(url: str, client: Client | None = None) -> bytes:
    response = (client or Client()).get(url)
    assert response.status_code == 200, response.content
    return response.content


def events_by_uid(content: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


# iCalendar


def test_the_town_calendar_lists_every_bodys_published_meetings(
    council: Body, parks: Body, settings
) -> None:
    council_meeting = meeting_create(council, "Council meeting")
    parks_meeting = meeting_create(parks, "Parks Board meeting", days=3)
    meeting_create(council, "Draft meeting", published=False)

    response = Client().get("/records/meetings.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Town services//Meeting records//EN"
    events = events_by_uid(response.content)
    assert sorted(events) == sorted(
        [f"meeting-{council_meeting.pk}@testserver", f"meeting-{parks_meeting.pk}@testserver"]
    )
    event = events[f"meeting-{council_meeting.pk}@testserver"]
    assert str(event["SUMMARY"]) == "Council meeting"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == settings.TIME_ZONE
    assert event.decoded("DTSTART") == council_meeting.starts_at
    assert event.decoded("DTEND") == council_meeting.ends_at
    updated_at = Meeting.objects.get(pk=council_meeting.pk).updated_at
    assert event.decoded("DTSTAMP") == updated_at.replace(microsecond=0)
    assert [timezone.tz_name for timezone in calendar.timezones] == [settings.TIME_ZONE]


def test_a_body_calendar_lists_only_that_bodys_meetings(council: Body, parks: Body) -> None:
    council_meeting = meeting_create(council)
    meeting_create(parks)

    events = events_by_uid(fetch("/records/bodies/council/meetings.ics"))

    assert list(events) == [f"meeting-{council_meeting.pk}@testserver"]
    assert Client().get("/records/bodies/no-such-body/meetings.ics").status_code == 404


def test_the_calendar_shows_what_the_public_sees_whoever_asks(council: Body) -> None:
    meeting_create(council, "Draft meeting", published=False)
    clerk = user_create("clerk@x.org", Role.CLERK, mfa=True)
    council.clerks.add(clerk)
    client = Client()
    client.force_login(clerk)

    assert events_by_uid(fetch("/records/bodies/council/meetings.ics", client)) == {}


def test_the_calendar_is_valid_rfc_5545_with_crlf_and_folded_lines(council: Body) -> None:
    meeting = meeting_create(council, "Council meeting", location="Council Chamber, City Hall")
    AgendaItem.objects.create(meeting=meeting, number="1", title=LONG_TITLE, position=1)
    AgendaItem.objects.create(
        meeting=meeting, number="2", title="Property matter", position=2, is_closed_session=True
    )

    content = fetch("/records/bodies/council/meetings.ics")

    lines = content.split(b"\r\n")
    assert b"\n" not in content.replace(b"\r\n", b"")
    assert b"\r" not in content.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)
    parsed = vobject.readOne(content.decode("utf-8"), validate=True)
    assert parsed.validate(raiseException=True)
    assert parsed.vevent.uid.value == f"meeting-{meeting.pk}@testserver"
    description = str(icalendar.Calendar.from_ical(content).walk("VEVENT")[0]["DESCRIPTION"])
    assert f"1 {LONG_TITLE}" in description.splitlines()
    assert "2 Closed session" in description.splitlines()
    assert "Property matter" not in content.decode("utf-8")


def test_a_cancelled_meeting_stays_with_status_cancelled_and_a_higher_sequence(
    council: Body,
) -> None:
    meeting = meeting_create(council, "Council meeting", revision=1)
    uid = f"meeting-{meeting.pk}@testserver"
    before = events_by_uid(fetch("/records/bodies/council/meetings.ics"))[uid]
    Meeting.objects.filter(pk=meeting.pk).update(
        status=Meeting.Status.CANCELLED,
        status_reason="No quorum",
        revision=F("revision") + 1,
        updated_at=timezone.now() + timedelta(seconds=5),
    )

    after = events_by_uid(fetch("/records/bodies/council/meetings.ics"))[uid]

    assert (str(before["STATUS"]), before["SEQUENCE"]) == ("CONFIRMED", 1)
    assert (str(after["STATUS"]), after["SEQUENCE"]) == ("CANCELLED", 2)
    assert str(after["SUMMARY"]) == "Cancelled: Council meeting"
    assert str(after["DESCRIPTION"]).startswith("Cancelled: No quorum")
    assert after.decoded("DTSTAMP") > before.decoded("DTSTAMP")


def test_a_postponed_meeting_is_cancelled_at_its_time_with_the_reason(council: Body) -> None:
    meeting = meeting_create(
        council,
        "Council meeting",
        status=Meeting.Status.POSTPONED,
        status_reason="Storm warning; a new date will be announced",
        revision=3,
    )

    event = events_by_uid(fetch("/records/meetings.ics"))[f"meeting-{meeting.pk}@testserver"]

    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 3)
    assert str(event["SUMMARY"]) == "Postponed: Council meeting"
    assert "Postponed: Storm warning; a new date will be announced" in str(event["DESCRIPTION"])


def test_meetings_more_than_a_year_old_leave_the_calendar(council: Body) -> None:
    recent = meeting_create(council, "Last month", days=-30)
    meeting_create(council, "Two years ago", days=-730)

    events = events_by_uid(fetch("/records/meetings.ics"))

    assert list(events) == [f"meeting-{recent.pk}@testserver"]


def test_the_uid_domain_can_be_set(council: Body, settings) -> None:
    settings.RECORDS_CALENDAR_UID_DOMAIN = "records.town.example"
    meeting = meeting_create(council)

    assert list(events_by_uid(fetch("/records/meetings.ics"))) == [
        f"meeting-{meeting.pk}@records.town.example"
    ]


def test_an_unchanged_calendar_is_not_sent_again(council: Body) -> None:
    meeting_create(council)
    client = Client()
    etag = client.get("/records/meetings.ics")["ETag"]

    assert client.get("/records/meetings.ics", headers={"If-None-Match": etag}).status_code == 304


def test_an_empty_calendar_is_still_valid() -> None:
    content = fetch("/records/meetings.ics")

    assert vobject.readOne(content.decode("utf-8")).validate(raiseException=True)
    assert icalendar.Calendar.from_ical(content).walk("VEVENT") == []


def test_the_calendar_costs_the_same_queries_for_one_meeting_and_for_many(council: Body) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fetch("/records/meetings.ics")
        return len(captured)

    first = meeting_create(council)
    AgendaItem.objects.create(meeting=first, title="Budget")
    one = queries()
    for day in range(10):
        meeting = meeting_create(council, days=day + 8)
        AgendaItem.objects.create(meeting=meeting, title="Budget")

    assert queries() == one


# Atom


def atom_entries(content: bytes) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_the_documents_feed_lists_only_public_documents_of_published_meetings(
    council: Body, parks: Body
) -> None:
    meeting = meeting_create(council, "Council meeting")
    public = document_create(meeting, "Agenda")
    closed_item = AgendaItem.objects.create(
        meeting=meeting, title="Land purchase", is_closed_session=True
    )
    document_create(meeting, "Closed-session report", agenda_item=closed_item)
    document_create(meeting_create(council, published=False), "Draft agenda")
    document_create(meeting_create(parks), "Parks agenda")

    response = Client().get("/records/bodies/council/documents.atom")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = atom_entries(response.content)
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Agenda"]
    links = {link.get("rel"): link for link in entries[0].findall(f"{ATOM}link")}
    url = f"http://testserver/records/documents/{public.pk}/"
    assert links["alternate"].get("href") == url
    assert links["enclosure"].get("href") == url
    assert links["enclosure"].get("type") == "application/pdf"
    assert links["enclosure"].get("length") == str(public.size)
    assert Client().get(f"/records/documents/{public.pk}/").status_code == 200


def test_documents_enter_the_feed_when_their_meeting_is_published(council: Body) -> None:
    document_create(meeting_create(council), "First agenda")
    draft = meeting_create(council, published=False)
    document_create(draft, "Second agenda")
    assert len(atom_entries(fetch("/records/bodies/council/documents.atom"))) == 1

    Meeting.objects.filter(pk=draft.pk).update(published_at=timezone.now() + timedelta(seconds=5))

    titles = [
        entry.findtext(f"{ATOM}title")
        for entry in atom_entries(fetch("/records/bodies/council/documents.atom"))
    ]
    assert titles == ["Second agenda", "First agenda"]


def test_the_documents_feed_escapes_titles_and_shows_no_drafts_to_clerks(council: Body) -> None:
    meeting = meeting_create(council, "<b>Special</b> meeting")
    document_create(meeting, "Agenda")
    document_create(meeting_create(council, published=False), "Draft agenda")
    clerk = user_create("clerk@x.org", Role.CLERK, mfa=True)
    council.clerks.add(clerk)
    client = Client()
    client.force_login(clerk)

    entries = atom_entries(fetch("/records/bodies/council/documents.atom", client))

    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Agenda"]
    assert "&lt;b&gt;Special&lt;/b&gt; meeting" in entries[0].findtext(f"{ATOM}summary")


def test_the_documents_feed_of_an_unknown_body_is_not_found() -> None:
    assert Client().get("/records/bodies/no-such-body/documents.atom").status_code == 404
