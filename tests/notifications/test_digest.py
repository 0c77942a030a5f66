"""The daily digest: exactly one local day's notifications of the kinds a user wants daily."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.notifications.actions import event_record, notifications_fan_out_now
from backend.notifications.models import EmailDigest, Follow, Notification
from backend.notifications.preferences import notification_preferences_update
from backend.notifications.registry import notification_kinds
from backend.notifications.tasks import notifications_digests_send_task
from backend.records.models import Body
from tests.notifications.conftest import published_meeting

TOWN = "America/Toronto"
# Daylight saving time starts in the Town that day: it is 23 hours long.
DAY = dt.date(2026, 3, 8)


def local(day: dt.date, hour: int, minute: int = 0, second: int = 0, micro: int = 0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, micro, ZoneInfo(TOWN))


def notify(body: Body, *, title: str, at: dt.datetime, kind: str = "agenda_published") -> None:
    """An event about a meeting of ``body``, fanned out to its followers, written at ``at``."""
    meeting = published_meeting(body, title=title)
    with transaction.atomic():
        event = event_record(kind=kind, title=title, text="", subject=meeting, audiences=[body])
    notifications_fan_out_now(event_id=event.pk)
    Notification.objects.filter(event=event).update(created_at=at)


def follow(user: User, body: Body) -> None:
    Follow.objects.create(
        user=user, target_type=ContentType.objects.get_for_model(Body), target_id=body.pk
    )


def send(day: dt.date) -> str:
    out = io.StringIO()
    call_command("notifications_send_digests", "--date", day.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _town_time_zone(settings) -> None:
    settings.TIME_ZONE = TOWN


@pytest.mark.django_db
def test_the_daily_digest_holds_exactly_the_days_notifications(
    resident, other_resident, council
) -> None:
    follow(resident, council)
    next_day = DAY + dt.timedelta(days=1)
    notify(
        council,
        title="Late the evening before",
        at=local(DAY - dt.timedelta(days=1), 23, 59, 59, 999999),
    )
    notify(council, title="At the stroke of midnight", at=local(DAY, 0))
    notify(council, title="Noon minutes", at=local(DAY, 12), kind="minutes_published")
    notify(council, title="Just before midnight", at=local(DAY, 23, 59, 59, 999999))
    notify(council, title="Early the next day", at=local(next_day, 0))
    # Kinds the resident does not want daily: live chatter (off by default) and one wanted at once.
    notify(council, title="Meeting in progress", at=local(DAY, 19), kind="meeting_status_changed")
    notification_preferences_update(user=resident, changes=[("minutes_adopted", "immediate")])
    notify(council, title="Minutes adopted at once", at=local(DAY, 20), kind="minutes_adopted")
    # Another resident's notification that day stays out of this resident's digest.
    other_body = Body.objects.create(name="Library Board", slug="library", classification="board")
    follow(other_resident, other_body)
    notify(other_body, title="Library agenda", at=local(DAY, 10))

    assert send(DAY) == "Digests of 2026-03-08: 2 sent, holding 4 notifications.\n"

    mine = [message for message in mail.outbox if message.to == [resident.email]]
    assert len(mine) == 1
    message = mine[0]
    assert message.subject == "Your Town notifications of March 8, 2026"
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    expected = ["At the stroke of midnight", "Noon minutes", "Just before midnight"]
    for part in (message.body, html):
        assert [title for title in expected if title in part] == expected
        positions = [part.index(title) for title in expected]
        assert positions == sorted(positions)  # in the order they arrived
        for absent in (
            "Late the evening before",
            "Early the next day",
            "Meeting in progress",
            "Minutes adopted at once",
            "Library agenda",
        ):
            assert absent not in part
    assert "3 notifications on March 8, 2026" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    [theirs] = [message for message in mail.outbox if message.to == [other_resident.email]]
    assert "Library agenda" in theirs.body and "midnight" not in theirs.body

    emailed = set(
        Notification.objects.filter(user=resident, emailed_at__isnull=False).values_list(
            "title", flat=True
        )
    )
    assert emailed == set(expected)
    assert EmailDigest.objects.get(user=resident, day=DAY).notification_count == 3

    # Running it again for the same day, by command or task, sends nothing new.
    assert send(DAY) == "Digests of 2026-03-08: 0 sent, holding 0 notifications.\n"
    assert notifications_digests_send_task.call(day=DAY.isoformat())["digests"] == 0
    assert len(mail.outbox) == 2

    # The neighbouring days hold their own notification, and only theirs.
    send(DAY - dt.timedelta(days=1))
    send(next_day)
    bodies = [message.body for message in mail.outbox[2:]]
    assert len(bodies) == 2
    assert "Late the evening before" in bodies[0] and "Early the next day" in bodies[1]
    for body in bodies:
        assert "One notification on" in body
        assert not any(title in body for title in expected)


@pytest.mark.django_db
def test_a_user_with_no_daily_kind_gets_no_digest(resident, council) -> None:
    follow(resident, council)
    # Every kind off, except one wanted at once.
    changes = [(item.kind, "off") for item in notification_kinds()]
    changes.append(("meeting_scheduled", "immediate"))
    changes.remove(("meeting_scheduled", "off"))
    notification_preferences_update(user=resident, changes=changes)
    notify(council, title="Agenda", at=local(DAY, 12))
    notify(council, title="Scheduled", at=local(DAY, 13), kind="meeting_scheduled")
    assert send(DAY) == "Digests of 2026-03-08: 0 sent, holding 0 notifications.\n"
    assert mail.outbox == []
    assert not EmailDigest.objects.exists()


@pytest.mark.django_db
def test_an_unverified_or_inactive_address_gets_no_digest(
    resident, other_resident, council
) -> None:
    follow(resident, council)
    follow(other_resident, council)
    EmailAddress.objects.filter(user=resident).update(verified=False)
    User.objects.filter(pk=other_resident.pk).update(is_active=False)
    notify(council, title="Agenda", at=local(DAY, 12))
    send(DAY)
    assert mail.outbox == []
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()

    # Once verified, that day's digest can still go.
    EmailAddress.objects.filter(user=resident).update(verified=True)
    send(DAY)
    assert [message.to for message in mail.outbox] == [[resident.email]]


@pytest.mark.django_db
def test_a_digest_is_only_sent_for_a_day_that_has_ended() -> None:
    today = timezone.localdate()
    with pytest.raises(CommandError, match="has not ended yet"):
        send(today)
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("notifications_send_digests", "--date", "08/03/2026")
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_digest_is_written_in_the_users_language(resident, council) -> None:
    User.objects.filter(pk=resident.pk).update(preferred_language="fr")
    follow(resident, council)
    notify(council, title="Ordre du jour", at=local(DAY, 12))
    send(DAY)
    message = mail.outbox[0]
    assert message.subject == "Vos notifications municipales du 8 mars 2026"
    [(html, _)] = message.alternatives
    for part in (message.body, html):
        assert "Une notification le 8 mars 2026" in part
        assert "Ordre du jour publié" in part  # the kind's label
        assert "Ne plus recevoir aucun courriel de notification" in part
        assert "notification emails" not in part.lower()
    assert '<html lang="fr">' in html
