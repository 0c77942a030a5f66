from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django_tasks_db.models import DBTaskResult

from backend.notifications.actions import event_record, notifications_fan_out_now
from backend.notifications.models import Follow, Notification
from tests.conftest import app_login, graphql
from tests.notifications.conftest import agenda_published, global_id, published_meeting

FOLLOW = (
    "mutation ($id: ID!) { follow(targetId: $id) { follow { targetId } errors { code field } } }"
)
UNFOLLOW = "mutation ($id: ID!) { unfollow(targetId: $id) { targetId errors { code } } }"
INBOX = """
query ($unread: Boolean, $first: Int, $after: String) {
  unreadNotificationCount
  notifications(unreadOnly: $unread, first: $first, after: $after) {
    totalCount hasNextPage endCursor nodes { cursor kind title read subjectId }
  }
}
"""
MARK = """
mutation ($ids: [String!], $all: Boolean) {
  notificationsMarkRead(ids: $ids, all: $all) { markedCount errors { code } }
}
"""


@pytest.mark.django_db
def test_follow_a_body_then_receive_its_events_in_the_inbox(resident, council) -> None:
    client = Client()
    token = app_login(client, resident.email)
    body_id = global_id("Body", council.pk)
    result = graphql(client, FOLLOW, {"id": body_id}, token=token)
    assert result["data"]["follow"] == {"follow": {"targetId": body_id}, "errors": []}
    # Following twice is not an error and keeps one follow.
    graphql(client, FOLLOW, {"id": body_id}, token=token)
    assert Follow.objects.filter(user=resident).count() == 1

    meeting = published_meeting(council)
    agenda_published(meeting)
    agenda_published(meeting)

    inbox = graphql(client, INBOX, {"first": 1}, token=token)["data"]
    assert inbox["unreadNotificationCount"] == 2
    page = inbox["notifications"]
    assert page["totalCount"] == 2 and page["hasNextPage"] is True
    assert page["nodes"][0]["kind"] == "agenda_published"
    assert page["nodes"][0]["subjectId"] == global_id("Meeting", meeting.pk)
    second = graphql(client, INBOX, {"first": 1, "after": page["endCursor"]}, token=token)
    assert second["data"]["notifications"]["hasNextPage"] is False
    assert int(second["data"]["notifications"]["nodes"][0]["cursor"]) < int(page["endCursor"])

    marked = graphql(client, MARK, {"ids": [page["endCursor"]]}, token=token)
    assert marked["data"]["notificationsMarkRead"] == {"markedCount": 1, "errors": []}
    assert (
        graphql(client, INBOX, {"unread": True}, token=token)["data"]["unreadNotificationCount"]
        == 1
    )
    marked = graphql(client, MARK, {"all": True}, token=token)
    assert marked["data"]["notificationsMarkRead"]["markedCount"] == 1

    result = graphql(client, UNFOLLOW, {"id": body_id}, token=token)
    assert result["data"]["unfollow"] == {"targetId": body_id, "errors": []}
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_a_user_never_reads_or_marks_another_users_notifications(
    resident, other_resident, council
) -> None:
    Follow.objects.create(user=resident, target_type_id=_body_type(), target_id=council.pk)
    agenda_published(published_meeting(council))
    theirs = Notification.objects.get(user=resident)
    client = Client()
    token = app_login(client, other_resident.email)
    inbox = graphql(client, INBOX, {}, token=token)["data"]
    assert inbox["notifications"]["totalCount"] == 0
    marked = graphql(client, MARK, {"ids": [str(theirs.pk)]}, token=token)
    assert marked["data"]["notificationsMarkRead"]["markedCount"] == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_anonymous_gets_nothing_and_cannot_follow(council) -> None:
    client = Client()
    result = graphql(client, FOLLOW, {"id": global_id("Body", council.pk)})
    assert result["data"]["follow"]["errors"] == [{"code": "UNAUTHENTICATED", "field": None}]
    inbox = graphql(client, INBOX, {})["data"]
    assert inbox == {
        "unreadNotificationCount": 0,
        "notifications": {"totalCount": 0, "hasNextPage": False, "endCursor": None, "nodes": []},
    }


@pytest.mark.django_db
def test_a_draft_meeting_cannot_be_followed_by_the_public(resident, council) -> None:
    from backend.records.models import Meeting

    draft = Meeting.objects.create(body=council, title="Draft", starts_at="2030-01-01T10:00Z")
    client = Client()
    token = app_login(client, resident.email)
    result = graphql(client, FOLLOW, {"id": global_id("Meeting", draft.pk)}, token=token)
    assert result["data"]["follow"]["errors"] == [{"code": "NOT_FOUND", "field": "targetId"}]
    assert not Follow.objects.exists()


@pytest.mark.django_db
def test_follow_cap(resident, council, settings) -> None:
    settings.NOTIFICATIONS_MAX_FOLLOWS = 1
    client = Client()
    token = app_login(client, resident.email)
    graphql(client, FOLLOW, {"id": global_id("Body", council.pk)}, token=token)
    meeting = published_meeting(council)
    result = graphql(client, FOLLOW, {"id": global_id("Meeting", meeting.pk)}, token=token)
    assert result["data"]["follow"]["errors"] == [{"code": "LIMIT_REACHED", "field": None}]


@pytest.mark.django_db
def test_event_and_its_fan_out_task_are_written_in_the_callers_transaction(
    resident, council
) -> None:
    meeting = published_meeting(council)
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(kind="k", title="t", text="", subject=meeting, audiences=[council])
        raise RuntimeError("the write failed")
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        event_record(kind="k", title="t", text="", subject=meeting, audiences=[council])
    assert DBTaskResult.objects.filter(task_path__endswith="notifications_fan_out").count() == 1


@pytest.mark.django_db
def test_fan_out_run_twice_writes_one_row_per_user(resident, other_resident, council) -> None:
    for user in (resident, other_resident):
        Follow.objects.create(user=user, target_type_id=_body_type(), target_id=council.pk)
    meeting = published_meeting(council)
    event = agenda_published(meeting)
    # A worker killed after writing and restarted runs the same fan-out again.
    notifications_fan_out_now(event_id=event.pk)
    assert Notification.objects.filter(event=event).count() == 2


def _body_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    from backend.records.models import Body

    return ContentType.objects.get_for_model(Body).pk
