from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from backend.notifications.actions import notifications_fan_out_now
from backend.notifications.emails import (
    digests_send,
    notifications_email_immediately,
    yesterday_in_town,
)
from backend.notifications.saved_searches import saved_searches_match_now


@task()
def notifications_fan_out(event_id: int) -> int:
    return len(notifications_fan_out_now(event_id=event_id))


# When the mail server refuses some mails, the task runs again after these many seconds.
EMAIL_RETRY_DELAYS = (60, 300, 1800, 7200, 43200)


@task()
def notifications_email_immediately_task(event_id: int, attempt: int = 1) -> int:
    """Mail an event's notifications to users who want that kind at once; safe to run again."""
    summary = notifications_email_immediately(event_id=event_id)
    if summary.failed and attempt <= len(EMAIL_RETRY_DELAYS):
        delay = dt.timedelta(seconds=EMAIL_RETRY_DELAYS[attempt - 1])
        notifications_email_immediately_task.using(run_after=timezone.now() + delay).enqueue(
            event_id=event_id, attempt=attempt + 1
        )
    return summary.sent


@task()
def notifications_digests_send_task(day: str | None = None) -> dict:
    """Send the daily digests of ``day`` (YYYY-MM-DD, default yesterday); safe to run again."""
    summary = digests_send(day=dt.date.fromisoformat(day) if day else yesterday_in_town())
    return {
        "day": summary.day.isoformat(),
        "digests": summary.digests,
        "notifications": summary.notifications,
        "failures": summary.failures,
    }


@task()
def saved_searches_match_task(keys: list[list[str]]) -> int:
    """Test the saved searches against each newly indexed public entry; safe to run again."""
    return sum(
        len(saved_searches_match_now(kind=kind, object_id=object_id)) for kind, object_id in keys
    )
