"""Publishing, unpublishing, cancelling, postponing and running a meeting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.audit.models import AuditEntry
from backend.common.errors import ActionError
from backend.records.actions import (
    meeting_cancel,
    meeting_postpone,
    meeting_publish,
    meeting_status_set,
    meeting_unpublish,
    meeting_update,
)
from backend.records.models import Meeting, PublicationEvent
from tests.records.factories import World, gid, gql, records_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return records_world()


@pytest.fixture
def changed(monkeypatch) -> list:
    """What the actions hand to the effects seam."""
    calls: list = []
    monkeypatch.setattr(
        "backend.records.actions.base.record_changed",
        lambda *, instance: calls.append(instance),
    )
    return calls


def codes(error: ActionError) -> list[tuple[str, str | None]]:
    return [(item.code, item.field) for item in error.errors]


def test_publish_makes_a_draft_public_and_keeps_history(world: World, changed: list) -> None:
    revision = world.draft.revision

    meeting = meeting_publish(actor=world.clerk, meeting=world.draft)

    assert meeting.published_at is not None
    assert meeting.revision == revision + 1
    assert list(meeting.publication_events.values_list("action", "actor")) == [
        ("published", world.clerk.pk)
    ]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.object_id) == (
        "meeting.publish",
        world.clerk,
        str(meeting.pk),
    )
    assert entry.before["published_at"] is None
    assert entry.after["published_at"] is not None
    assert changed == [meeting]
    anonymous = gql(
        None, "query ($id: ID!) { meeting(id: $id) { title } }", {"id": gid("Meeting", meeting.pk)}
    )
    assert anonymous["meeting"] == {"title": "Draft council"}

    with pytest.raises(ActionError) as refused:
        meeting_publish(actor=world.clerk, meeting=meeting)
    assert codes(refused.value) == [("ALREADY_PUBLISHED", None)]
    assert AuditEntry.objects.count() == 1


def test_unpublish_needs_a_reason_and_keeps_the_history(world: World, changed: list) -> None:
    meeting = meeting_publish(actor=world.clerk, meeting=world.draft)
    changed.clear()

    with pytest.raises(ActionError) as refused:
        meeting_unpublish(actor=world.clerk, meeting=meeting, reason="  ")
    assert codes(refused.value) == [("REQUIRED", "reason")]
    assert Meeting.objects.get(pk=meeting.pk).published_at is not None

    meeting = meeting_unpublish(actor=world.clerk, meeting=meeting, reason="Wrong date.")

    assert meeting.published_at is None
    assert list(meeting.publication_events.values_list("action", "reason")) == [
        ("published", ""),
        ("unpublished", "Wrong date."),
    ]
    assert changed == [meeting]  # the public copy must be withdrawn
    assert [entry.action for entry in AuditEntry.objects.order_by("pk")] == [
        "meeting.publish",
        "meeting.unpublish",
    ]
    with pytest.raises(ActionError) as refused:
        meeting_unpublish(actor=world.clerk, meeting=meeting, reason="Again.")
    assert codes(refused.value) == [("NOT_PUBLISHED", None)]


def test_unpublish_through_graphql(world: World) -> None:
    payload = gql(
        world.clerk,
        "mutation ($input: MeetingUnpublishInput!) { meetingUnpublish(input: $input) "
        "{ meeting { isPublished publishedAt } errors { code field } } }",
        {"input": {"meetingId": gid("Meeting", world.published.pk), "reason": "Moved."}},
    )["meetingUnpublish"]
    assert payload == {"meeting": {"isPublished": False, "publishedAt": None}, "errors": []}


@pytest.mark.parametrize("action", [meeting_cancel, meeting_postpone])
def test_cancelled_or_postponed_meeting_stays_public_with_reason(
    world: World, changed: list, action
) -> None:
    with pytest.raises(ActionError) as refused:
        action(actor=world.clerk, meeting=world.published, reason="")
    assert codes(refused.value) == [("REQUIRED", "reason")]

    meeting = action(actor=world.clerk, meeting=world.published, reason="Snow storm.")

    expected = "cancelled" if action is meeting_cancel else "postponed"
    assert (meeting.status, meeting.status_reason) == (expected, "Snow storm.")
    assert meeting.is_published
    assert meeting.publication_events.get().action == expected
    assert AuditEntry.objects.get().action == (
        "meeting.cancel" if action is meeting_cancel else "meeting.postpone"
    )
    assert changed == [meeting]
    data = gql(
        None,
        "query ($id: ID!) { meeting(id: $id) { status statusReason } }",
        {"id": gid("Meeting", meeting.pk)},
    )
    assert data["meeting"] == {"status": expected.upper(), "statusReason": "Snow storm."}


def test_cancelled_meeting_cannot_be_cancelled_or_postponed(world: World) -> None:
    for action in (meeting_cancel, meeting_postpone):
        with pytest.raises(ActionError) as refused:
            action(actor=world.clerk, meeting=world.cancelled, reason="Again.")
        assert codes(refused.value) == [("INVALID_STATUS_TRANSITION", "status")]
    assert not AuditEntry.objects.exists()


def test_postponed_meeting_can_then_be_cancelled(world: World) -> None:
    meeting = meeting_postpone(actor=world.clerk, meeting=world.published, reason="Storm.")
    meeting = meeting_cancel(actor=world.clerk, meeting=meeting, reason="Not rescheduled.")
    assert meeting.status == "cancelled"
    assert list(meeting.publication_events.values_list("action", flat=True)) == [
        "postponed",
        "cancelled",
    ]


def test_live_status_follows_the_meeting(world: World, changed: list) -> None:
    with pytest.raises(ActionError) as refused:
        meeting_status_set(actor=world.clerk, meeting=world.draft, status="in_progress")
    assert codes(refused.value) == [("NOT_PUBLISHED", None)]
    with pytest.raises(ActionError) as refused:
        meeting_status_set(
            actor=world.clerk,
            meeting=world.published,
            status="in_progress",
            current_item=world.draft_item,
        )
    assert codes(refused.value) == [("INVALID", "currentItemId")]
    with pytest.raises(ActionError) as refused:
        meeting_status_set(actor=world.clerk, meeting=world.published, status="recessed")
    assert codes(refused.value) == [("INVALID_STATUS_TRANSITION", "status")]
    with pytest.raises(ActionError) as refused:
        meeting_status_set(actor=world.clerk, meeting=world.published, status="cancelled")
    assert codes(refused.value) == [("INVALID", "status")]

    meeting = meeting_status_set(
        actor=world.clerk,
        meeting=world.published,
        status="in_progress",
        current_item=world.open_item,
    )
    assert (meeting.status, meeting.current_item) == ("in_progress", world.open_item)
    meeting = meeting_status_set(actor=world.clerk, meeting=meeting, status="recessed")
    assert (meeting.status, meeting.current_item) == ("recessed", world.open_item)
    meeting = meeting_status_set(actor=world.clerk, meeting=meeting, status="adjourned")
    assert (meeting.status, meeting.current_item) == ("adjourned", None)
    with pytest.raises(ActionError) as refused:
        meeting_status_set(actor=world.clerk, meeting=meeting, status="in_progress")
    assert codes(refused.value) == [("INVALID_STATUS_TRANSITION", "status")]
    assert meeting.revision == world.published.revision + 3
    assert len(changed) == 3


def test_update_validates_and_bumps_revision(world: World, changed: list) -> None:
    with pytest.raises(ActionError) as refused:
        meeting_update(
            actor=world.clerk,
            meeting=world.draft,
            title="",
            ends_at=world.draft.starts_at - timedelta(hours=1),
            livestream_url="javascript:alert(1)",
        )
    assert sorted(codes(refused.value)) == [
        ("INVALID", "endsAt"),
        ("INVALID", "livestreamUrl"),
        ("REQUIRED", "title"),
    ]
    with pytest.raises(ActionError) as refused:
        meeting_update(actor=world.clerk, meeting=world.draft, body=world.parks)
    assert codes(refused.value) == [("INVALID", "body")]
    assert Meeting.objects.get(pk=world.draft.pk).title == "Draft council"

    meeting = meeting_update(actor=world.clerk, meeting=world.draft, title="Council, moved")
    assert (meeting.title, meeting.revision) == ("Council, moved", world.draft.revision + 1)
    assert changed == []  # a draft is nobody else's business yet
    entry = AuditEntry.objects.get()
    assert (entry.before["title"], entry.after["title"]) == ("Draft council", "Council, moved")

    meeting = meeting_update(
        actor=world.clerk, meeting=world.published, video_url="https://video.town.example/1"
    )
    assert changed == [meeting]


def test_update_through_graphql_returns_town_time(world: World) -> None:
    payload = gql(
        world.admin,
        "mutation ($input: MeetingUpdateInput!) { meetingUpdate(input: $input) "
        "{ meeting { startsAt endsAt location revision } errors { code field } } }",
        {
            "input": {
                "meetingId": gid("Meeting", world.draft.pk),
                "startsAt": "2025-07-08T23:00:00Z",
                "location": "Council chamber",
            }
        },
    )["meetingUpdate"]
    assert payload == {
        "meeting": {
            "startsAt": "2025-07-08T19:00:00-04:00",
            "endsAt": None,
            "location": "Council chamber",
            "revision": world.draft.revision + 1,
        },
        "errors": [],
    }


def test_clerk_without_mfa_is_refused(world: World) -> None:
    with pytest.raises(ActionError) as refused:
        meeting_publish(actor=world.clerk_without_mfa, meeting=world.published)
    assert codes(refused.value) == [("PERMISSION_DENIED", "meetingId")]
    payload = gql(
        world.clerk_without_mfa,
        "mutation ($input: MeetingCancelInput!) { meetingCancel(input: $input) "
        "{ meeting { id } errors { code } } }",
        {"input": {"meetingId": gid("Meeting", world.published.pk), "reason": "Storm."}},
    )["meetingCancel"]
    assert payload == {"meeting": None, "errors": [{"code": "PERMISSION_DENIED"}]}
    assert Meeting.objects.get(pk=world.published.pk).status == "scheduled"
    assert not PublicationEvent.objects.exists()
    assert not AuditEntry.objects.exists()
