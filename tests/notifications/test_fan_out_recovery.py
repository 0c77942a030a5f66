"""Which unfinished fan-outs go back to the queue, and when; and that running one twice is safe."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from backend.notifications.actions import event_record, notifications_fan_out_recover
from backend.notifications.models import Event, Follow, Notification
from backend.records.models import Body
from tests.conftest import user_create
from tests.notifications.conftest import published_meeting
from tests.search.conftest import index_work_run

pytestmark = pytest.mark.django_db

RETRY = dt.timedelta(seconds=60)


@pytest.fixture(autouse=True)
def retry_after(settings) -> None:
    settings.NOTIFICATIONS_FAN_OUT_RETRY_SECONDS = int(RETRY.total_seconds())


@pytest.fixture
def event(council: Body) -> Event:
    for email in ("one@example.org", "two@example.org"):
        Follow.objects.create(
            user=user_create(email),
            target_type=ContentType.objects.get_for_model(Body),
            target_id=council.pk,
        )
    with transaction.atomic():
        return event_record(
            kind="agenda_published",
            title="Agenda published",
            text="",
            subject=published_meeting(council),
            audiences=[council],
        )


def fan_outs():
    return DBTaskResult.objects.filter(task_path__endswith="notifications_fan_out")


def claimed(worker_id: str, *, ago: dt.timedelta = dt.timedelta(0)) -> DBTaskResult:
    """The fan-out task as a worker left it after claiming it ``ago``."""
    row = fan_outs().get()
    row.claim(worker_id)
    fan_outs().filter(pk=row.pk).update(started_at=timezone.now() - ago)
    return fan_outs().get()


def recover(*gone: str) -> int:
    return notifications_fan_out_recover(worker_is_gone=lambda worker_id: worker_id in gone)


def test_a_fan_out_whose_worker_is_gone_is_queued_again_at_once(event: Event) -> None:
    claimed("host:4242:dead")
    assert recover("host:4242:dead") == 1
    assert fan_outs().get().status == TaskResultStatus.READY
    assert recover("host:4242:dead") == 0  # once


def test_a_running_fan_out_of_a_live_worker_is_left_alone_until_it_is_overdue(
    event: Event,
) -> None:
    claimed("elsewhere:17:alive", ago=RETRY - dt.timedelta(seconds=5))
    assert recover() == 0
    assert fan_outs().get().status == TaskResultStatus.RUNNING

    fan_outs().update(started_at=timezone.now() - RETRY - dt.timedelta(seconds=5))
    assert recover() == 1
    assert fan_outs().get().status == TaskResultStatus.READY


def test_a_failed_fan_out_is_tried_again_once_per_period(event: Event) -> None:
    row = claimed("host:1:x")
    row.set_failed(ConnectionError("database went away"))
    # Failed just now, on an event recorded long ago: not yet.
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - 2 * RETRY)
    assert recover() == 0

    fan_outs().update(finished_at=timezone.now() - RETRY - dt.timedelta(seconds=1))
    assert recover() == 1
    assert list(fan_outs().values_list("status", flat=True).order_by("enqueued_at")) == [
        TaskResultStatus.FAILED,
        TaskResultStatus.READY,
    ]
    assert recover() == 0  # the new one waits in the queue


def test_an_event_whose_fan_out_row_is_gone_gets_a_new_one(event: Event) -> None:
    fan_outs().delete()
    assert recover() == 0  # recorded just now: its fan-out may still be on its way
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - 2 * RETRY)
    assert recover() == 1
    assert fan_outs().get().args_kwargs["kwargs"] == {"event_id": event.pk}


def test_finished_fan_outs_are_never_queued_again(event: Event) -> None:
    queued_work_run()
    Event.objects.filter(pk=event.pk).update(created_at=timezone.now() - 2 * RETRY)
    fan_outs().update(started_at=timezone.now() - 2 * RETRY)
    assert recover("host:1:x") == 0
    assert fan_outs().get().status == TaskResultStatus.SUCCESSFUL


def test_a_fan_out_run_again_after_it_finished_adds_nothing(event: Event) -> None:
    queued_work_run()
    assert Notification.objects.count() == 2
    fan_outs().update(status=TaskResultStatus.RUNNING, worker_ids=["host:1:x"])
    assert recover("host:1:x") == 1
    queued_work_run()
    assert sorted(Notification.objects.values_list("user__email", flat=True)) == [
        "one@example.org",
        "two@example.org",
    ]


def queued_work_run() -> None:
    """Run everything queued with the worker's own code (claim, run, record the result)."""
    index_work_run()
