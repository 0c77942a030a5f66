"""Every records mutation for every role: exact error codes; a refused call changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.audit.models import AuditEntry
from backend.records import models as records_models
from tests.records.factories import World, gid, gql, records_world

pytestmark = pytest.mark.django_db

RECORD_MODELS = [
    records_models.Meeting,
    records_models.AgendaItem,
    records_models.Document,
    records_models.Vote,
    records_models.MemberVote,
    records_models.Minutes,
    records_models.MinutesVersion,
    records_models.PublicationEvent,
]


def database_state() -> dict[str, list[dict[str, Any]]]:
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in RECORD_MODELS}
    state["AuditEntry"] = list(AuditEntry.objects.order_by("pk").values("pk"))
    return state


def operation(name: str, input_type: str) -> str:
    return (
        f"mutation ($input: {input_type}!) {{ {name}(input: $input) "
        "{ errors { code field message } } }"
    )


def meeting_id(target: str) -> Callable[[World], str]:
    return lambda world: gid("Meeting", getattr(world, target).pk)


# name, input type, the meeting the call is about, its input.
CASES: list[tuple[str, str, str, Callable[[World], dict]]] = [
    *[
        (
            "meetingUpdate",
            "MeetingUpdateInput",
            target,
            lambda w, t=target: {"meetingId": meeting_id(t)(w), "title": "Renamed"},
        )
        for target in ("draft", "published", "cancelled")
    ],
    (
        "meetingPublish",
        "MeetingPublishInput",
        "draft",
        lambda w: {"meetingId": meeting_id("draft")(w)},
    ),
    *[
        (
            "meetingUnpublish",
            "MeetingUnpublishInput",
            target,
            lambda w, t=target: {"meetingId": meeting_id(t)(w), "reason": "Wrong date."},
        )
        for target in ("published", "cancelled")
    ],
    *[
        (
            name,
            input_type,
            target,
            lambda w, t=target: {"meetingId": meeting_id(t)(w), "reason": "Snow storm."},
        )
        for name, input_type in (
            ("meetingCancel", "MeetingCancelInput"),
            ("meetingPostpone", "MeetingPostponeInput"),
        )
        for target in ("draft", "published")
    ],
    (
        "meetingStatusSet",
        "MeetingStatusSetInput",
        "published",
        lambda w: {
            "meetingId": meeting_id("published")(w),
            "status": "IN_PROGRESS",
            "currentItemId": gid("AgendaItem", w.open_item.pk),
        },
    ),
    *[
        (
            "agendaItemCreate",
            "AgendaItemCreateInput",
            target,
            lambda w, t=target: {"meetingId": meeting_id(t)(w), "title": "Delegation"},
        )
        for target in ("draft", "published")
    ],
    (
        "agendaItemUpdate",
        "AgendaItemUpdateInput",
        "draft",
        lambda w: {"agendaItemId": gid("AgendaItem", w.draft_item.pk), "title": "Budget 2026"},
    ),
    (
        "agendaItemUpdate",
        "AgendaItemUpdateInput",
        "published",
        lambda w: {"agendaItemId": gid("AgendaItem", w.closed_item.pk), "outcome": "Purchased."},
    ),
    (
        "agendaItemReorder",
        "AgendaItemReorderInput",
        "published",
        lambda w: {
            "meetingId": meeting_id("published")(w),
            "itemIds": [gid("AgendaItem", w.closed_item.pk), gid("AgendaItem", w.open_item.pk)],
        },
    ),
    (
        "minutesDraftSave",
        "MinutesDraftSaveInput",
        "draft",
        lambda w: {"meetingId": meeting_id("draft")(w), "text": "Present: all."},
    ),
    (
        "minutesPublish",
        "MinutesPublishInput",
        "published",
        lambda w: {"meetingId": meeting_id("published")(w), "text": "Present: all."},
    ),
    *[
        (
            "voteRecord",
            "VoteRecordInput",
            target,
            lambda w, item=item: {
                "agendaItemId": gid("AgendaItem", getattr(w, item).pk),
                "motion": "That the recommendation be adopted.",
                "result": "CARRIED",
                "memberVotes": [
                    {"personId": gid("Person", person.pk), "value": "YES"} for person in w.members
                ],
            },
        )
        for target, item in (
            ("draft", "draft_item"),
            ("published", "open_item"),
            ("published", "closed_item"),
        )
    ],
]

CASE_IDS = [f"{name}-{target}-{index}" for index, (name, _, target, _) in enumerate(CASES)]


@pytest.fixture
def world() -> World:
    return records_world()


def _refused_code(role: str, target: str) -> str:
    if role == "anonymous":
        return "UNAUTHENTICATED"
    return "NOT_FOUND" if target == "draft" else "PERMISSION_DENIED"


@pytest.mark.parametrize("role", ["anonymous", "resident", "other_clerk", "clerk_without_mfa"])
@pytest.mark.parametrize(("name", "input_type", "target", "make_input"), CASES, ids=CASE_IDS)
def test_refused_mutation_changes_nothing(
    world: World, role: str, name: str, input_type: str, target: str, make_input: Callable
) -> None:
    user = None if role == "anonymous" else getattr(world, role)
    before = database_state()

    payload = gql(user, operation(name, input_type), {"input": make_input(world)})[name]

    assert [error["code"] for error in payload["errors"]] == [_refused_code(role, target)]
    assert database_state() == before


@pytest.mark.parametrize("role", ["clerk", "admin"])
@pytest.mark.parametrize(("name", "input_type", "target", "make_input"), CASES, ids=CASE_IDS)
def test_allowed_mutation_is_audited(
    world: World, role: str, name: str, input_type: str, target: str, make_input: Callable
) -> None:
    audited = AuditEntry.objects.count()

    payload = gql(getattr(world, role), operation(name, input_type), {"input": make_input(world)})[
        name
    ]

    assert payload["errors"] == []
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == audited + 1
    assert entry.actor == getattr(world, role)


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
def test_meeting_create_needs_a_clerk_of_the_body(world: World, role: str, code: str) -> None:
    user = None if role == "anonymous" else getattr(world, role)
    before = database_state()

    payload = gql(
        user,
        "mutation ($input: MeetingCreateInput!) { meetingCreate(input: $input) "
        "{ meeting { title isPublished body { slug } } errors { code field } } }",
        {
            "input": {
                "bodyId": gid("Body", world.council.pk),
                "title": "Budget committee of the whole",
                "startsAt": "2025-05-01T19:00:00",
            }
        },
    )["meetingCreate"]

    if code is None:
        assert payload == {
            "meeting": {
                "title": "Budget committee of the whole",
                "isPublished": False,
                "body": {"slug": "council"},
            },
            "errors": [],
        }
        assert AuditEntry.objects.get().action == "meeting.create"
    else:
        assert payload["meeting"] is None
        assert [error["code"] for error in payload["errors"]] == [code]
        assert database_state() == before


def test_unknown_and_wrong_type_ids_are_not_found(world: World) -> None:
    payload = gql(
        world.admin,
        operation("meetingPublish", "MeetingPublishInput"),
        {"input": {"meetingId": gid("Meeting", 999_999)}},
    )["meetingPublish"]
    assert payload["errors"] == [
        {"code": "NOT_FOUND", "field": "meetingId", "message": "No such meeting."}
    ]
    payload = gql(
        world.admin,
        operation("meetingPublish", "MeetingPublishInput"),
        {"input": {"meetingId": gid("Body", world.council.pk)}},
    )["meetingPublish"]
    assert [error["code"] for error in payload["errors"]] == ["NOT_FOUND"]
