"""A notification's headline reads in the language of the resident it is for."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.test import Client
from django.utils import timezone

from backend.accounts.models import User
from backend.accounts.roles import Role
from backend.notifications.actions import event_record, notifications_fan_out_now
from backend.notifications.emails import notifications_email_immediately
from backend.notifications.models import Event, Follow, Notification
from backend.notifications.preferences import notification_preferences_update
from backend.records.actions import (
    agenda_item_create,
    meeting_cancel,
    meeting_create,
    meeting_publish,
    meeting_status_set,
)
from backend.records.models import Body
from tests.conftest import app_login, graphql, user_create
from tests.notifications.test_live import close, next_notification, open_socket, subscribe

INBOX = "query { notifications(first: 10) { nodes { kind title } } }"


def follower(email: str, body: Body, language: str) -> User:
    user = user_create(email, preferred_language=language)
    Follow.objects.create(
        user=user, target_type=ContentType.objects.get_for_model(Body), target_id=body.pk
    )
    return user


def headlines(user: User) -> list[tuple[str, str]]:
    client = Client()
    token = app_login(client, user.email)
    nodes = graphql(client, INBOX, token=token)["data"]["notifications"]["nodes"]
    return [(node["kind"], node["title"]) for node in reversed(nodes)]


def clerk_of(body: Body) -> User:
    clerk = user_create("clerk@example.org", Role.CLERK, mfa=True, is_staff=True)
    body.clerks.add(clerk)
    return clerk


@pytest.mark.django_db
def test_the_inbox_reads_in_each_residents_language() -> None:
    body = Body.objects.create(name="Parks Board", slug="parks", classification="board")
    clerk = clerk_of(body)
    english = follower("en@example.org", body, "en")
    french = follower("fr@example.org", body, "fr")

    meeting = meeting_create(
        actor=clerk, body=body, title="Bike lanes", starts_at=timezone.now() + dt.timedelta(days=1)
    )
    agenda_item_create(actor=clerk, meeting=meeting, title="Elm Street", kind="report")
    meeting_publish(actor=clerk, meeting=meeting)
    meeting_status_set(actor=clerk, meeting=meeting, status="in_progress")
    later = meeting_create(
        actor=clerk, body=body, title="Budget", starts_at=timezone.now() + dt.timedelta(days=9)
    )
    meeting_publish(actor=clerk, meeting=later)
    meeting_cancel(actor=clerk, meeting=later, reason="No quorum.")
    _fan_out_all()

    assert headlines(english) == [
        ("agenda_published", "Agenda published: Bike lanes"),
        ("meeting_status_changed", "In progress: Bike lanes"),
        ("meeting_scheduled", "Meeting scheduled: Budget"),
        ("meeting_cancelled", "Meeting cancelled: Budget"),
    ]
    assert headlines(french) == [
        ("agenda_published", "Ordre du jour publié : Bike lanes"),
        ("meeting_status_changed", "En cours : Bike lanes"),
        ("meeting_scheduled", "Réunion prévue : Budget"),
        ("meeting_cancelled", "Réunion annulée : Budget"),
    ]
    # The English headlines are the titles the events stored.
    assert sorted(headline for _, headline in headlines(english)) == sorted(
        Notification.objects.filter(user=english).values_list("title", flat=True)
    )


@pytest.mark.django_db
def test_a_headline_without_parts_is_its_stored_title(resident, council) -> None:
    resident.preferred_language = "fr"
    resident.save(update_fields=["preferred_language"])
    Follow.objects.create(
        user=resident, target_type=ContentType.objects.get_for_model(Body), target_id=council.pk
    )
    # Written before headlines had parts, or by a kind that registers no headline.
    for kind in ("agenda_published", "unregistered_kind"):
        event = event_record(
            kind=kind, title="As it was written", text="", subject=council, audiences=[council]
        )
        notifications_fan_out_now(event_id=event.pk)
    # Parts that no longer fit the kind's headline.
    event = event_record(
        kind="meeting_status_changed",
        title="Unknown status: Bike lanes",
        text="",
        subject=council,
        audiences=[council],
        headline_parts={"subject": "Bike lanes", "status": "levitating"},
    )
    notifications_fan_out_now(event_id=event.pk)
    assert [title for _, title in headlines(resident)] == [
        "As it was written",
        "As it was written",
        "Unknown status: Bike lanes",
    ]


@pytest.mark.django_db
def test_an_immediate_email_is_headed_in_the_residents_language() -> None:
    body = Body.objects.create(name="Parks Board", slug="parks", classification="board")
    clerk = clerk_of(body)
    french = follower("fr@example.org", body, "fr")
    notification_preferences_update(user=french, changes=[("agenda_published", "immediate")])
    meeting = meeting_create(
        actor=clerk, body=body, title="Bike lanes", starts_at=timezone.now() + dt.timedelta(days=1)
    )
    agenda_item_create(actor=clerk, meeting=meeting, title="Elm Street", kind="report")
    meeting_publish(actor=clerk, meeting=meeting)
    _fan_out_all()
    notifications_email_immediately(event_id=Event.objects.get().pk)
    [message] = mail.outbox
    assert message.subject == "Ordre du jour publié : Bike lanes"
    assert "Ordre du jour publié : Bike lanes" in message.body


@pytest.fixture
def parks(transactional_db) -> Body:
    return Body.objects.create(name="Parks Board", slug="parks", classification="board")


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_live_notification_reads_in_the_subscribers_language(parks) -> None:
    clerk = await sync_to_async(clerk_of)(parks)
    french = await sync_to_async(follower)("fr@example.org", parks, "fr")
    token = await sync_to_async(app_login)(Client(), french.email)
    meeting = await sync_to_async(meeting_create)(
        actor=clerk, body=parks, title="Bike lanes", starts_at=timezone.now() + dt.timedelta(days=1)
    )
    await sync_to_async(meeting_publish)(actor=clerk, meeting=meeting)
    await sync_to_async(_fan_out_all)()

    socket = await open_socket(token)
    await subscribe(socket, after="0")  # replays the inbox
    assert (await next_notification(socket))["title"] == "Réunion prévue : Bike lanes"
    await asyncio.sleep(0.1)
    await sync_to_async(meeting_status_set)(actor=clerk, meeting=meeting, status="in_progress")
    await sync_to_async(_fan_out_all)()  # rings the socket with the new row
    assert (await next_notification(socket))["title"] == "En cours : Bike lanes"
    await close(socket)


def _fan_out_all() -> None:
    """What the worker does after each event: its fan-out."""
    for event in Event.objects.filter(fanned_out_at__isnull=True):
        notifications_fan_out_now(event_id=event.pk)


def test_a_saved_search_match_reads_in_each_language() -> None:
    from django.utils import translation

    from backend.notifications.registry import notification_headline

    parts = {"name": "bike lanes", "subject": "Protected bike lanes on Elm Street"}
    title = "New match for “bike lanes”: Protected bike lanes on Elm Street"
    with translation.override("en"):
        assert notification_headline(kind="saved_search_match", title="", parts=parts) == title
    with translation.override("fr"):
        assert (
            notification_headline(kind="saved_search_match", title=title, parts=parts)
            == "Nouveau résultat pour « bike lanes » : Protected bike lanes on Elm Street"
        )
