"""Demo meeting records for `make run`: a council and three committees over most of 2023.

Body names, meeting dates, locations, notes and statuses come from the City of Chicago's public
meeting list (``fixtures/meetings/chicago-city-council-meetings.json``); the members, agendas,
votes and minutes are invented. The three real PDFs are uploaded through ``document_upload``, so
their text extraction is queued for the worker. Everything is written through the records
actions, by the demo administrator, as a clerk would through the admin.

Idempotent: a body, person or meeting that already exists is left as it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.core.files import File

from backend.accounts.models import User
from backend.records.actions import (
    agenda_item_create,
    meeting_cancel,
    meeting_create,
    meeting_postpone,
    meeting_publish,
    meeting_status_set,
    minutes_adopt,
    minutes_publish,
    vote_record,
)
from backend.records.documents import document_upload
from backend.records.models import AgendaItem, Body, Meeting, Membership, Minutes, Person

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "meetings"
MEETINGS_JSON = FIXTURES / "chicago-city-council-meetings.json"
ACTOR_EMAIL = "admin@town.example"
CLERK_EMAIL = "clerk@town.example"
TERM_START = date(2023, 1, 1)

BODIES = [
    ("council", "City Council", Body.Classification.COUNCIL),
    ("finance", "Committee on Finance", Body.Classification.COMMITTEE),
    ("housing", "Committee on Housing and Real Estate", Body.Classification.COMMITTEE),
    (
        "zoning",
        "Committee on Zoning, Landmarks and Building Standards",
        Body.Classification.COMMITTEE,
    ),
]

PEOPLE = [
    ("Maria Delgado", "1"),
    ("James Whitfield", "2"),
    ("Aisha Okafor", "3"),
    ("Daniel Kowalski", "4"),
    ("Grace Liu", "5"),
    ("Robert Hayes", "6"),
    ("Sofia Marchetti", "7"),
    ("Terrence Brooks", "8"),
    ("Hannah Schultz", "9"),
    ("Miguel Ortega", "10"),
    ("Priya Raman", "11"),
    ("Walter Jenkins", "12"),
]

# Committee seats by index into PEOPLE: the first is the chair, the second the vice-chair.
SEATS = {
    "council": list(range(12)),
    "finance": [0, 3, 5, 7, 10],
    "housing": [2, 4, 6, 9, 11],
    "zoning": [1, 8, 3, 6, 11],
}

# The meetings taken from the public list, by body and start time (UTC), in date order.
PICKED = [
    ("housing", "2023-04-11T15:00:00+00:00"),
    ("finance", "2023-04-13T15:00:00+00:00"),
    ("finance", "2023-04-17T17:30:00+00:00"),
    ("zoning", "2023-04-18T15:00:00+00:00"),
    ("council", "2023-04-19T15:00:00+00:00"),
    ("council", "2023-05-15T15:30:00+00:00"),
    ("council", "2023-05-24T15:00:00+00:00"),
    ("council", "2023-05-31T15:00:00+00:00"),
    ("housing", "2023-06-12T16:00:00+00:00"),
    ("finance", "2023-06-14T15:00:00+00:00"),
    ("zoning", "2023-06-20T15:00:00+00:00"),
    ("council", "2023-06-21T15:00:00+00:00"),
    ("housing", "2023-07-27T19:00:00+00:00"),
    ("council", "2023-07-19T15:00:00+00:00"),
    ("finance", "2023-09-11T15:00:00+00:00"),
    ("council", "2023-09-13T15:00:00+00:00"),
    ("council", "2023-09-27T15:00:00+00:00"),
    ("finance", "2023-10-02T15:00:00+00:00"),
    ("council", "2023-10-04T15:00:00+00:00"),
    ("housing", "2023-10-10T14:00:00+00:00"),
    ("zoning", "2023-10-12T15:00:00+00:00"),
]
# Still drafts: the clerk has not published them yet.
DRAFTS = {("council", "2023-10-04T15:00:00+00:00"), ("housing", "2023-10-10T14:00:00+00:00")}
POSTPONED = {
    ("finance", "2023-10-02T15:00:00+00:00"): "Postponed by the chair; the new date will be posted."
}

TOPICS = {
    "council": [
        ("Report of the Committee on Finance", AgendaItem.Kind.REPORT),
        ("Ordinance amending the Municipal Code on short-term rentals", AgendaItem.Kind.BYLAW),
        ("Resolution setting the 2024 budget hearing schedule", AgendaItem.Kind.MOTION),
        ("Appointments to the Board of Ethics", AgendaItem.Kind.MOTION),
        ("Ordinance adopting the Climate Action Plan", AgendaItem.Kind.BYLAW),
    ],
    "finance": [
        ("Settlement of claims against the City", AgendaItem.Kind.MOTION),
        ("Intergovernmental agreement with the Park District", AgendaItem.Kind.BYLAW),
        ("Quarterly revenue report", AgendaItem.Kind.REPORT),
        ("Issuance of general obligation bonds", AgendaItem.Kind.BYLAW),
    ],
    "housing": [
        ("Sale of City-owned vacant lots", AgendaItem.Kind.BYLAW),
        ("Low-income housing trust fund annual report", AgendaItem.Kind.REPORT),
        ("Affordable requirements ordinance amendments", AgendaItem.Kind.BYLAW),
        ("Tenant organizations' delegation on rent stabilization", AgendaItem.Kind.DELEGATION),
    ],
    "zoning": [
        ("Map amendments in the 27th Ward", AgendaItem.Kind.BYLAW),
        ("Landmark designation of the Chicago Motor Club Building", AgendaItem.Kind.MOTION),
        ("Large sign permits", AgendaItem.Kind.MOTION),
        ("Planned development amendment, 1200 W Fulton Market", AgendaItem.Kind.BYLAW),
    ],
}

# The real PDFs, and the meeting each is attached to.
DOCUMENTS = [
    (
        ("council", "2023-06-21T15:00:00+00:00"),
        "chicago-district-council-agenda-2023-06-06.pdf",
        "Notice and agenda template for district council meetings",
        "agenda",
    ),
    (
        ("council", "2023-05-31T15:00:00+00:00"),
        "chicago-district-council-agenda-2023-06-01-closed.pdf",
        "Notice of a closed district council meeting, June 1, 2023",
        "other",
    ),
    (
        ("housing", "2023-06-12T16:00:00+00:00"),
        "chicago-human-relations-agenda.pdf",
        "Commission on Human Relations board meeting schedule",
        "report",
    ),
]


@dataclass
class Loaded:
    meetings: int = 0
    items: int = 0
    votes: int = 0
    minutes: int = 0
    documents: int = 0


def demo_load() -> str:
    actor = _loading_actor()
    bodies = _bodies_load()
    clerk = User.objects.filter(email=CLERK_EMAIL).first()
    if clerk is not None:
        for body in bodies.values():
            body.clerks.add(clerk)
    people = _people_load(bodies)
    listed = {
        (slug, entry["date"]): entry
        for entry in json.loads(MEETINGS_JSON.read_text())["data"]
        for slug, name, _ in BODIES
        if entry["body"] == name
    }
    loaded = Loaded()
    meetings: dict[tuple[str, str], Meeting] = {}
    for number, key in enumerate(PICKED):
        slug = key[0]
        meeting = _meeting_load(
            actor=actor,
            body=bodies[slug],
            entry=listed[key],
            members=[people[index] for index in SEATS[slug]],
            number=number,
            loaded=loaded,
            draft=key in DRAFTS,
            postponed=POSTPONED.get(key, ""),
        )
        meetings[key] = meeting
    _minutes_adopt(actor=actor, meetings=meetings)
    for key, filename, title, kind in DOCUMENTS:
        meeting = meetings[key]
        if meeting.documents.filter(original_filename=filename).exists():
            continue
        with (FIXTURES / filename).open("rb") as stream:
            document_upload(
                actor=actor,
                meeting=meeting,
                agenda_item=None,
                title=title,
                kind=kind,
                uploaded_file=File(stream, name=filename),
            )
        loaded.documents += 1
    return (
        f"{len(bodies)} bodies, {len(people)} people, {len(meetings)} meetings "
        f"({loaded.meetings} new, with {loaded.items} agenda items, {loaded.votes} votes, "
        f"{loaded.minutes} minutes, {loaded.documents} documents)"
    )


def _loading_actor() -> User:
    """The demo administrator, who the audit log will say wrote the demo records.

    Whoever runs ``manage.py demo_load`` already holds every right on this database; the MFA
    gate on staff permissions is for signing in, so it is lifted on this in-memory instance only
    (the account itself is not changed, and still needs MFA to use the admin).
    """
    actor = User.objects.filter(email=ACTOR_EMAIL, is_superuser=True).first()
    if actor is None:
        raise RuntimeError(f"The demo administrator {ACTOR_EMAIL} is missing: load accounts first.")
    actor._staff_permissions_unlocked = True  # the cache read by user_staff_permissions_unlocked
    return actor


def _bodies_load() -> dict[str, Body]:
    bodies = {}
    for slug, name, classification in BODIES:
        bodies[slug], _ = Body.objects.get_or_create(
            slug=slug, defaults={"name": name, "classification": classification}
        )
    return bodies


def _people_load(bodies: dict[str, Body]) -> list[Person]:
    people = [
        Person.objects.get_or_create(
            name=name, defaults={"title": "Alderperson", "ward": f"Ward {ward}"}
        )[0]
        for name, ward in PEOPLE
    ]
    roles = [Membership.Role.CHAIR, Membership.Role.VICE_CHAIR]
    for slug, seats in SEATS.items():
        for rank, index in enumerate(seats):
            Membership.objects.get_or_create(
                person=people[index],
                body=bodies[slug],
                start_date=TERM_START,
                defaults={"role": roles[rank] if rank < len(roles) else Membership.Role.MEMBER},
            )
    return people


def _title(entry: dict[str, Any], body: Body) -> str:
    note = (entry.get("comment") or "").strip()
    for kind in ("Special Meeting", "Inaugural Meeting", "Reconvened Meeting", "Virtual Meeting"):
        if kind.lower() in note.lower():
            return f"{kind} of the {body.name}"
    if note.lower().startswith("subject matter hearing"):
        return f"{body.name}: {note}"[:300]
    return f"Regular Meeting of the {body.name}"


def _meeting_load(
    *,
    actor: User,
    body: Body,
    entry: dict[str, Any],
    members: list[Person],
    number: int,
    loaded: Loaded,
    draft: bool,
    postponed: str,
) -> Meeting:
    starts_at = datetime.fromisoformat(entry["date"])
    title = _title(entry, body)
    existing = Meeting.objects.filter(body=body, starts_at=starts_at, title=title).first()
    if existing is not None:
        return existing
    loaded.meetings += 1
    meeting = meeting_create(
        actor=actor,
        body=body,
        title=title,
        starts_at=starts_at,
        location=(entry.get("location") or "").strip(),
    )
    note = (entry.get("comment") or "").strip()
    if "cancel" in note.lower() or entry.get("status") == "Cancelled":
        meeting = meeting_publish(actor=actor, meeting=meeting)
        meeting_cancel(actor=actor, meeting=meeting, reason=note or "Cancelled by the chair.")
        return meeting
    items = _agenda_load(actor=actor, meeting=meeting, slug=body.slug, number=number)
    loaded.items += len(items)
    if draft:
        return meeting
    meeting = meeting_publish(actor=actor, meeting=meeting)
    if postponed:
        return meeting_postpone(actor=actor, meeting=meeting, reason=postponed)
    meeting = meeting_status_set(actor=actor, meeting=meeting, status="in_progress")
    recessed = entry.get("status") == "Recessed"
    meeting = meeting_status_set(
        actor=actor, meeting=meeting, status="recessed" if recessed else "adjourned"
    )
    for position, item in enumerate(items):
        if item.kind in (AgendaItem.Kind.MOTION, AgendaItem.Kind.BYLAW):
            vote_record(
                actor=actor,
                agenda_item=item,
                motion=f"That the {body.name} adopt: {item.title}.",
                result=_vote_result(members, number, position),
                member_votes={
                    person.pk: _member_vote(number, position, seat)
                    for seat, person in enumerate(members)
                },
            )
            loaded.votes += 1
    if not recessed:
        minutes_publish(actor=actor, meeting=meeting, text=_minutes_text(meeting, items, members))
        loaded.minutes += 1
    return meeting


def _agenda_load(*, actor: User, meeting: Meeting, slug: str, number: int) -> list[AgendaItem]:
    topics = TOPICS[slug]
    chosen = [topics[(number + offset) % len(topics)] for offset in range(2)]
    agenda = [
        ("Call to order and roll call", AgendaItem.Kind.OTHER, ""),
        ("Public comment", AgendaItem.Kind.DELEGATION, ""),
        *[(title, kind, "That the committee recommend passage.") for title, kind in chosen],
        ("Adjournment", AgendaItem.Kind.OTHER, ""),
    ]
    if number % 5 == 0:
        agenda.insert(-1, ("Pending litigation (closed session)", AgendaItem.Kind.OTHER, ""))
    return [
        agenda_item_create(
            actor=actor,
            meeting=meeting,
            title=title,
            kind=kind,
            number=str(position),
            description="",
            recommendation=recommendation,
            is_closed_session=title.endswith("(closed session)"),
        )
        for position, (title, kind, recommendation) in enumerate(agenda, start=1)
    ]


def _member_vote(number: int, position: int, seat: int) -> str:
    # Mostly yes, with a few members against, absent or abstaining, always the same way.
    turn = (number * 7 + position * 3 + seat * 5) % 11
    return {0: "no", 1: "no", 2: "absent", 3: "abstain"}.get(turn, "yes")


def _vote_result(members: list[Person], number: int, position: int) -> str:
    values = [_member_vote(number, position, seat) for seat in range(len(members))]
    yes, no = values.count("yes"), values.count("no")
    return "carried" if yes > no else "tied" if yes == no else "defeated"


def _minutes_text(meeting: Meeting, items: list[AgendaItem], members: list[Person]) -> str:
    lines = [
        f"Minutes of the {meeting.title}",
        f"Held {meeting.starts_at:%B %d, %Y} at {meeting.location or 'City Hall'}.",
        "",
        "Present: " + ", ".join(person.name for person in members) + ".",
        "",
    ]
    for item in items:
        outcome = "Carried." if item.kind in (AgendaItem.Kind.MOTION, AgendaItem.Kind.BYLAW) else ""
        lines.append(f"{item.number}. {item.title}. {outcome}".rstrip())
    return "\n".join(lines)


def _minutes_adopt(*, actor: User, meetings: dict[tuple[str, str], Meeting]) -> None:
    """Each body's minutes are adopted at its next held meeting."""
    by_body: dict[str, list[Meeting]] = {}
    for (slug, _), meeting in sorted(meetings.items(), key=lambda pair: pair[1].starts_at):
        by_body.setdefault(slug, []).append(meeting)
    for sequence in by_body.values():
        with_minutes = {
            minutes.meeting_id: minutes for minutes in Minutes.objects.filter(meeting__in=sequence)
        }
        for earlier, later in pairwise(sequence):
            minutes = with_minutes.get(earlier.pk)
            if minutes is None or minutes.status != Minutes.Status.PUBLISHED:
                continue
            if later.status not in (Meeting.Status.ADJOURNED, Meeting.Status.RECESSED):
                continue
            minutes_adopt(actor=actor, minutes=minutes, adopted_by_meeting=later)
