"""What residents can follow in the meeting record, and the events that reach them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from backend.notifications.registry import followable_register
from backend.records.models import Body, Meeting
from backend.records.selectors import meetings_visible_to


def _bodies_followable_by(user: Any) -> QuerySet[Body]:
    return Body.objects.all()


def _meetings_followable_by(user: Any) -> QuerySet[Meeting]:
    return meetings_visible_to(user=user)


def followables_register() -> None:
    followable_register(model=Body, type_name="Body", visible_to=_bodies_followable_by)
    followable_register(model=Meeting, type_name="Meeting", visible_to=_meetings_followable_by)
