from __future__ import annotations

from django_tasks import task

from backend.notifications.actions import notifications_fan_out_now


@task()
def notifications_fan_out(event_id: int) -> int:
    return len(notifications_fan_out_now(event_id=event_id))
