"""Public feeds of meeting records: iCalendar for meetings, Atom for new documents.

Feeds are public and are fetched by calendar apps and feed readers that share one URL between
many people, so they always show what an anonymous visitor sees, whoever asks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, QuerySet
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.html import escape
from django.views.decorators.http import require_safe

from backend.records.models import AgendaItem, Body, Document, Meeting
from backend.records.selectors import documents_visible_to, meetings_visible_to

PRODID = "-//Town services//Meeting records//EN"
# Calendar apps download the whole feed on every refresh: past meetings older than this leave it.
CALENDAR_PAST = timedelta(days=366)
DOCUMENT_FEED_SIZE = 50

_STATUS = {
    Meeting.Status.SCHEDULED: "CONFIRMED",
    Meeting.Status.IN_PROGRESS: "CONFIRMED",
    Meeting.Status.RECESSED: "CONFIRMED",
    Meeting.Status.ADJOURNED: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
    Meeting.Status.POSTPONED: "CANCELLED",
}


@require_safe
def meetings_calendar(request: HttpRequest) -> HttpResponse:
    """Every body's published meetings as an iCalendar (RFC 5545) feed."""
    return _calendar_response(
        request, name="Town meetings", meetings=_calendar_meetings(), filename="meetings.ics"
    )


@require_safe
def body_meetings_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """One body's published meetings as an iCalendar (RFC 5545) feed."""
    body = get_object_or_404(Body, slug=slug)
    return _calendar_response(
        request,
        name=f"{body.name} meetings",
        meetings=_calendar_meetings().filter(body=body),
        filename=f"{body.slug}-meetings.ics",
    )


def _calendar_meetings() -> QuerySet[Meeting]:
    since = timezone.now() - CALENDAR_PAST
    return (
        meetings_visible_to(user=AnonymousUser())
        .filter(starts_at__gte=since)
        .select_related("body")
        .prefetch_related(
            Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("position", "id"))
        )
        .order_by("starts_at", "id")
    )


def meetings_icalendar(*, meetings: Iterable[Meeting], name: str, uid_domain: str) -> bytes:
    """The meetings as an RFC 5545 calendar, in the Town's time zone with its VTIMEZONE.

    Each meeting is one VEVENT with the UID ``meeting-<pk>@<uid_domain>`` and its ``revision``
    as SEQUENCE, so a change replaces the event in subscribers' calendars. A cancelled meeting
    stays in the feed with STATUS:CANCELLED. A postponed meeting is STATUS:CANCELLED too: it
    will not take place at the time shown, and TENTATIVE would leave it in people's calendars
    as if it might. Its summary says "Postponed" and its description gives the reason; when the
    clerk sets the new date, the higher SEQUENCE brings the event back as CONFIRMED.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    first: datetime | None = None
    last: datetime | None = None
    for meeting in meetings:
        calendar.add_component(_meeting_event(meeting, zone=zone, uid_domain=uid_domain))
        end = meeting.ends_at or meeting.starts_at
        first = meeting.starts_at if first is None else min(first, meeting.starts_at)
        last = end if last is None else max(last, end)
    if first is not None and last is not None:
        # Whole years, so the time zone stays the same while meetings come and go.
        calendar.add_missing_timezones(
            first_date=date(first.astimezone(zone).year, 1, 1),
            last_date=date(last.astimezone(zone).year + 1, 1, 1),
        )
    return calendar.to_ical()


def _meeting_event(meeting: Meeting, *, zone: ZoneInfo, uid_domain: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@{uid_domain}")
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    event.add("created", meeting.created_at.astimezone(UTC))
    event.add("last-modified", meeting.updated_at.astimezone(UTC))
    event.add("sequence", meeting.revision)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    if meeting.ends_at:
        event.add("dtend", meeting.ends_at.astimezone(zone))
    summary = meeting.title
    if meeting.status == Meeting.Status.CANCELLED:
        summary = f"Cancelled: {summary}"
    elif meeting.status == Meeting.Status.POSTPONED:
        summary = f"Postponed: {summary}"
    event.add("summary", summary)
    event.add("status", _STATUS.get(meeting.status, "CONFIRMED"))
    event.add("class", "PUBLIC")
    event.add("categories", [meeting.body.name])
    if meeting.location:
        event.add("location", meeting.location)
    url = meeting.video_url or meeting.livestream_url
    if url:
        event.add("url", url)
    event.add("description", _meeting_description(meeting))
    return event


def _meeting_description(meeting: Meeting) -> str:
    lines: list[str] = []
    if meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.POSTPONED):
        state = meeting.get_status_display()
        lines.append(f"{state}: {meeting.status_reason}" if meeting.status_reason else state)
        lines.append("")
    lines.append(meeting.body.name)
    items = list(meeting.agenda_items.all())
    if items:
        lines.extend(["", "Agenda:"])
        for item in items:
            # The public sees that a closed-session item exists, never its title.
            title = "Closed session" if item.is_closed_session else item.title
            lines.append(f"{item.number} {title}".strip())
    if meeting.livestream_url:
        lines.extend(["", f"Livestream: {meeting.livestream_url}"])
    return "\n".join(lines)


def _calendar_response(
    request: HttpRequest, *, name: str, meetings: QuerySet[Meeting], filename: str
) -> HttpResponse:
    content = meetings_icalendar(meetings=meetings, name=name, uid_domain=_uid_domain(request))
    etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    return response


def _uid_domain(request: HttpRequest) -> str:
    """The right-hand side of event UIDs: a setting when there is one, else the site's host."""
    configured = getattr(settings, "RECORDS_CALENDAR_UID_DOMAIN", "")
    if configured:
        return configured
    return request.get_host().rsplit(":", 1)[0] or "localhost"


class BodyDocumentsFeed(Feed):
    """Atom feed of the documents a body has made public, newest first.

    A document becomes public when it is uploaded to a published meeting, or when its meeting
    is published; that moment is its date in the feed. Closed-session documents never appear.
    """

    feed_type = Atom1Feed

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def get_object(self, request: HttpRequest, slug: str) -> Body:
        return get_object_or_404(Body, slug=slug)

    def title(self, obj: Body) -> str:
        return f"{obj.name}: new documents"

    def subtitle(self, obj: Body) -> str:
        return f"Agendas, minutes and reports published by {obj.name}."

    def link(self, obj: Body) -> str:
        return reverse("records:body_documents_feed", kwargs={"slug": obj.slug})

    def items(self, obj: Body) -> QuerySet[Document]:
        return (
            documents_visible_to(user=AnonymousUser())
            .filter(meeting__body=obj)
            .select_related("meeting")
            .annotate(public_since=Greatest("created_at", "meeting__published_at"))
            .order_by("-public_since", "-id")[:DOCUMENT_FEED_SIZE]
        )

    def item_title(self, item: Document) -> str:
        return item.title

    def item_description(self, item: Document) -> str:
        # Feed readers treat the summary as HTML.
        starts = timezone.localtime(item.meeting.starts_at).strftime("%Y-%m-%d %H:%M")
        return escape(f"{item.get_kind_display()} for {item.meeting.title} ({starts})")

    def item_link(self, item: Document) -> str:
        return reverse("records:document_file", kwargs={"pk": item.pk})

    def item_pubdate(self, item: Document) -> datetime:
        return item.public_since

    def item_updateddate(self, item: Document) -> datetime:
        return item.public_since

    def item_categories(self, item: Document) -> list[str]:
        return [item.get_kind_display()]

    def item_enclosures(self, item: Document) -> list[Enclosure]:
        # Unlike links, enclosure URLs are not made absolute by the framework.
        return [
            Enclosure(
                url=self.request.build_absolute_uri(self.item_link(item)),
                length=str(item.size),
                mime_type=item.content_type,
            )
        ]


@require_safe
def body_documents_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """A body's new documents as an Atom feed; one feed object per request, as it keeps it."""
    return BodyDocumentsFeed(request)(request, slug=slug)
