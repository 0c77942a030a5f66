"""Minutes: draft, published, adopted, and corrections kept as versions with their diffs."""

from __future__ import annotations

import pytest

from backend.audit.models import AuditEntry
from backend.common.errors import ActionError
from backend.records.actions import (
    meeting_publish,
    minutes_adopt,
    minutes_correct,
    minutes_draft_save,
    minutes_publish,
)
from backend.records.models import Meeting, Minutes, MinutesVersion
from tests.records.factories import World, at, gid, gql, records_world
from tests.records.test_mutation_permissions import database_state

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "resident", "clerk", "other_clerk", "admin"]
EDITORS = {"clerk", "admin"}

MINUTES = """
query ($id: ID!) {
  meeting(id: $id) {
    minutes {
      status publishedAt adoptedAt adoptedByMeeting { title }
      versions { number text reason diff createdAt createdByName }
    }
  }
}
"""

FIRST = "Present: Alder, Birch, Cedar.\nThe report was received.\nAdjourned at 9 p.m.\n"
SECOND = "Present: Alder, Birch, Cedar.\nThe report was received as amended.\nAdjourned at 9 p.m.\n"


@pytest.fixture
def world() -> World:
    return records_world()


@pytest.fixture
def next_meeting(world: World) -> Meeting:
    return Meeting.objects.create(
        body=world.council, title="Next council", starts_at=at(2025, 3, 18)
    )


def codes(error: ActionError) -> list[tuple[str, str | None]]:
    return [(item.code, item.field) for item in error.errors]


@pytest.mark.parametrize("role", ROLES)
def test_draft_minutes_are_for_editors_only(world: World, role: str) -> None:
    minutes_draft_save(actor=world.clerk, meeting=world.published, text="Draft text.")
    minutes_draft_save(actor=world.clerk, meeting=world.published, text="Better draft text.")

    data = gql(world.users()[role], MINUTES, {"id": gid("Meeting", world.published.pk)})

    if role in EDITORS:
        minutes = data["meeting"]["minutes"]
        assert minutes["status"] == "DRAFT"
        assert [v["text"] for v in minutes["versions"]] == ["Better draft text."]
    else:
        assert data["meeting"]["minutes"] is None
    minutes = Minutes.objects.get()
    version = minutes.versions.get()
    for type_name, pk in (("Minutes", minutes.pk), ("MinutesVersion", version.pk)):
        node = gql(
            world.users()[role],
            "query ($id: ID!) { node(id: $id) { id } }",
            {"id": gid(type_name, pk)},
        )["node"]
        assert (node is not None) == (role in EDITORS)


def test_publish_correct_and_adopt(world: World, next_meeting: Meeting) -> None:
    minutes_draft_save(actor=world.clerk, meeting=world.published, text="Draft.")
    minutes = minutes_publish(actor=world.clerk, meeting=world.published, text=FIRST)
    assert minutes.status == "published"
    assert list(minutes.versions.values_list("number", "text")) == [(1, FIRST)]

    with pytest.raises(ActionError) as refused:
        minutes_publish(actor=world.clerk, meeting=world.published, text=FIRST)
    assert codes(refused.value) == [("ALREADY_PUBLISHED", None)]
    with pytest.raises(ActionError) as refused:
        minutes_correct(actor=world.clerk, minutes=minutes, text=SECOND, reason="")
    assert codes(refused.value) == [("REQUIRED", "reason")]
    with pytest.raises(ActionError) as refused:
        minutes_correct(actor=world.clerk, minutes=minutes, text=FIRST, reason="Nothing.")
    assert codes(refused.value) == [("NO_CHANGE", "text")]

    version = minutes_correct(
        actor=world.admin, minutes=minutes, text=SECOND, reason="Amendment was omitted."
    )
    assert version.number == 2
    assert version.diff == (
        "--- version 1\n"
        "+++ version 2\n"
        "@@ -1,3 +1,3 @@\n"
        " Present: Alder, Birch, Cedar.\n"
        "-The report was received.\n"
        "+The report was received as amended.\n"
        " Adjourned at 9 p.m.\n"
    )

    earlier = Meeting.objects.create(
        body=world.council, title="Earlier council", starts_at=at(2025, 1, 21)
    )
    for adopting in (world.cancelled, earlier):
        with pytest.raises(ActionError) as refused:
            minutes_adopt(actor=world.clerk, minutes=minutes, adopted_by_meeting=adopting)
        assert codes(refused.value) == [("INVALID", "adoptedByMeetingId")]
    meeting_publish(actor=world.clerk, meeting=next_meeting)
    minutes = minutes_adopt(actor=world.clerk, minutes=minutes, adopted_by_meeting=next_meeting)
    assert (minutes.status, minutes.adopted_by_meeting) == ("adopted", next_meeting)
    with pytest.raises(ActionError) as refused:
        minutes_adopt(actor=world.clerk, minutes=minutes, adopted_by_meeting=next_meeting)
    assert codes(refused.value) == [("ALREADY_ADOPTED", None)]

    # Corrections after adoption are still versions; every one stays readable by anyone.
    minutes_correct(actor=world.clerk, minutes=minutes, text=SECOND + "Signed.\n", reason="Sig.")
    data = gql(None, MINUTES, {"id": gid("Meeting", world.published.pk)})["meeting"]["minutes"]
    assert data["status"] == "ADOPTED"
    assert data["adoptedByMeeting"] == {"title": "Next council"}
    assert data["adoptedAt"] is not None
    assert [
        (v["number"], v["reason"], v["createdByName"], bool(v["diff"])) for v in data["versions"]
    ] == [
        (1, "", "Casey Clerk", False),
        (2, "Amendment was omitted.", "", True),
        (3, "Sig.", "Casey Clerk", True),
    ]
    assert data["versions"][1]["text"] == SECOND
    assert data["versions"][1]["createdAt"].endswith(("-05:00", "-04:00"))
    assert [entry.action for entry in AuditEntry.objects.order_by("pk")] == [
        "minutes.draft_save",
        "minutes.publish",
        "minutes.correct",
        "meeting.publish",
        "minutes.adopt",
        "minutes.correct",
    ]


def test_minutes_rules(world: World, next_meeting: Meeting) -> None:
    with pytest.raises(ActionError) as refused:
        minutes_publish(actor=world.clerk, meeting=world.draft, text=FIRST)
    assert codes(refused.value) == [("NOT_PUBLISHED", "meetingId")]
    draft = minutes_draft_save(actor=world.clerk, meeting=world.published, text=FIRST)
    with pytest.raises(ActionError) as refused:
        minutes_correct(actor=world.clerk, minutes=draft, text=SECOND, reason="Typo.")
    assert codes(refused.value) == [("NOT_PUBLISHED", None)]
    with pytest.raises(ActionError) as refused:
        minutes_adopt(actor=world.clerk, minutes=draft, adopted_by_meeting=next_meeting)
    assert codes(refused.value) == [("NOT_PUBLISHED", None)]
    published = minutes_publish(actor=world.clerk, meeting=world.published, text=FIRST)
    parks_meeting = Meeting.objects.create(
        body=world.parks, title="Parks", starts_at=at(2025, 4, 1)
    )
    with pytest.raises(ActionError) as refused:
        minutes_adopt(actor=world.admin, minutes=published, adopted_by_meeting=parks_meeting)
    assert codes(refused.value) == [("INVALID", "adoptedByMeetingId")]
    with pytest.raises(ActionError) as refused:
        minutes_adopt(actor=world.clerk, minutes=published, adopted_by_meeting=parks_meeting)
    assert codes(refused.value) == [("NOT_FOUND", "adoptedByMeetingId")]  # a parks draft
    assert Minutes.objects.get().status == "published"


@pytest.fixture
def published_minutes(world: World, next_meeting: Meeting) -> Minutes:
    minutes = minutes_publish(actor=world.clerk, meeting=world.published, text=FIRST)
    AuditEntry.objects.all().delete()
    return minutes


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("resident", "PERMISSION_DENIED"),
        ("other_clerk", "PERMISSION_DENIED"),
        ("clerk_without_mfa", "PERMISSION_DENIED"),
        ("clerk", None),
        ("admin", None),
    ],
)
def test_minutes_correct_and_adopt_permissions(
    world: World, published_minutes: Minutes, next_meeting: Meeting, role: str, code: str | None
) -> None:
    user = None if role == "anonymous" else getattr(world, role)
    before = database_state()
    corrected = gql(
        user,
        "mutation ($input: MinutesCorrectInput!) { minutesCorrect(input: $input) "
        "{ version { number diff } errors { code } } }",
        {
            "input": {
                "minutesId": gid("Minutes", published_minutes.pk),
                "text": SECOND,
                "reason": "Amendment.",
            }
        },
    )["minutesCorrect"]
    adopted = gql(
        user,
        "mutation ($input: MinutesAdoptInput!) { minutesAdopt(input: $input) "
        "{ minutes { status adoptedByMeeting { title } } errors { code } } }",
        {
            "input": {
                "minutesId": gid("Minutes", published_minutes.pk),
                "adoptedByMeetingId": gid("Meeting", next_meeting.pk),
            }
        },
    )["minutesAdopt"]
    if code is None:
        assert corrected["errors"] == [] and corrected["version"]["number"] == 2
        assert adopted == {
            "minutes": {"status": "ADOPTED", "adoptedByMeeting": {"title": "Next council"}},
            "errors": [],
        }
        assert AuditEntry.objects.count() == 2
    else:
        assert corrected == {"version": None, "errors": [{"code": code}]}
        assert adopted == {"minutes": None, "errors": [{"code": code}]}
        assert database_state() == before
        assert MinutesVersion.objects.count() == 1


def test_minutes_publish_through_graphql(world: World) -> None:
    payload = gql(
        world.clerk,
        "mutation ($input: MinutesPublishInput!) { minutesPublish(input: $input) "
        "{ minutes { status versions { number text } } errors { code } } }",
        {"input": {"meetingId": gid("Meeting", world.published.pk), "text": FIRST}},
    )["minutesPublish"]
    assert payload == {
        "minutes": {"status": "PUBLISHED", "versions": [{"number": 1, "text": FIRST}]},
        "errors": [],
    }
