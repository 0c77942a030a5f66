"""A worker killed in the middle of a fan-out loses nothing and duplicates nothing once restarted.

A real ``manage.py db_worker`` process fans an event out to 5,000 followers and is killed with
SIGKILL while it is writing their inbox rows; a new worker process then finishes the job.

To kill it mid-way every time, the test holds (without committing) the inbox row of the last
follower: the worker writes the rows of the first 4,000 in its transaction, then waits on that
one, inside the fan-out. Only PostgreSQL shows who waits on whom, so only PostgreSQL runs it.
"""

from __future__ import annotations

import signal
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from backend.accounts.models import User
from backend.notifications.actions import event_record
from backend.notifications.models import Event, Follow, Notification
from backend.records.models import Body
from tests.notifications.conftest import published_meeting
from tests.processes import NEEDS_SHARED_DATABASE, shared_database_url, skip_unless, stop
from tests.processes import worker_start as worker_process

FOLLOWERS = 5000
FAN_OUT_LOCK = 727001  # the advisory lock the fan-out holds while it writes


@pytest.fixture
def postgresql(transactional_db) -> None:
    skip_unless(shared_database_url() is not None, NEEDS_SHARED_DATABASE)
    skip_unless(
        connection.vendor == "postgresql",
        "needs PostgreSQL: the test sees the worker wait inside its fan-out through pg_locks",
    )


def followers_create(body: Body) -> list[int]:
    User.objects.bulk_create(
        User(email=f"follower-{number}@example.org", password="!") for number in range(FOLLOWERS)
    )
    user_ids = list(User.objects.filter(email__startswith="follower-").values_list("pk", flat=True))
    body_type = ContentType.objects.get_for_model(Body)
    Follow.objects.bulk_create(
        Follow(user_id=user_id, target_type=body_type, target_id=body.pk) for user_id in user_ids
    )
    return sorted(user_ids)


def fan_out_task() -> DBTaskResult:
    return DBTaskResult.objects.get(task_path__endswith="notifications_fan_out")


def backend_waiting_on_us() -> int | None:
    """The database session, holding the fan-out lock, that waits for this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT waiting.pid FROM pg_locks waiting
            JOIN pg_locks fan_out ON fan_out.pid = waiting.pid
             AND fan_out.locktype = 'advisory' AND fan_out.objid = %s AND fan_out.granted
            WHERE NOT waiting.granted AND pg_backend_pid() = ANY(pg_blocking_pids(waiting.pid))
            """,
            [FAN_OUT_LOCK],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def session_ended(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def test_a_worker_killed_mid_fan_out_loses_and_duplicates_nothing(postgresql, tmp_path) -> None:
    body = Body.objects.create(name="Town Council", slug="council", classification="council")
    meeting = published_meeting(body)
    user_ids = followers_create(body)
    with transaction.atomic():
        event = event_record(
            kind="agenda_published",
            title="Agenda published: Regular meeting",
            text=body.name,
            subject=meeting,
            audiences=[body],
        )
    log = tmp_path / "worker.log"

    with transaction.atomic():
        # The last follower's row, written and not committed: the worker's insert of the same
        # row waits for this transaction to end, after it has written the rows before it.
        Notification.objects.create(
            user_id=user_ids[-1],
            event=event,
            kind=event.kind,
            title=event.title,
            subject_type_id=event.subject_type_id,
            subject_id=event.subject_id,
        )
        worker = worker_process(log)
        try:
            deadline = time.monotonic() + 60
            while (session := backend_waiting_on_us()) is None:
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.02)
            assert fan_out_task().status == TaskResultStatus.RUNNING
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            stop(worker)
        transaction.set_rollback(True)

    # The killed worker's half-written transaction never commits.
    wait_until(lambda: session_ended(session), 30, "the killed worker's session ended")
    assert Notification.objects.count() == 0
    event.refresh_from_db()
    assert event.fanned_out_at is None
    # django-tasks-db alone would leave this task RUNNING for ever.
    assert fan_out_task().status == TaskResultStatus.RUNNING

    worker = worker_process(log)
    try:
        wait_until(
            lambda: Event.objects.filter(pk=event.pk, fanned_out_at__isnull=False).exists(),
            120,
            "the restarted worker finished the fan-out",
        )
        wait_until(
            lambda: fan_out_task().status == TaskResultStatus.SUCCESSFUL,
            30,
            "the fan-out task is marked done",
        )
    finally:
        stop(worker)

    delivered = list(Notification.objects.filter(event=event).values_list("user_id", flat=True))
    assert len(delivered) == FOLLOWERS
    assert sorted(delivered) == user_ids  # every follower once: none missing, none twice
    assert DBTaskResult.objects.filter(task_path__endswith="notifications_fan_out").count() == 1
    assert fan_out_task().finished_at <= timezone.now()
