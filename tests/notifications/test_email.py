"""Notifications by email, one at a time, and the signed one-click unsubscribe link."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes
from unittest import mock
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from backend.accounts.roles import Role
from backend.notifications.emails import (
    notifications_email_immediately,
    unsubscribe_token,
    unsubscribe_url,
)
from backend.notifications.models import EmailPreference, Follow, Notification
from backend.notifications.preferences import email_modes_of, notification_preferences_update
from backend.records.actions import agenda_item_create, meeting_create, meeting_publish
from backend.records.models import Body
from tests.conftest import free_port, user_create
from tests.notifications.conftest import agenda_published, global_id, published_meeting

EMAIL_TASK = "backend.notifications.tasks.notifications_email_immediately_task"


def follow(user, target) -> None:
    Follow.objects.create(
        user=user, target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    )


def immediate(user, kind: str = "agenda_published") -> None:
    notification_preferences_update(user=user, changes=[(kind, "immediate")])


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0
    )


def unsubscribe_path(message: mail.EmailMessage) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    match = re.fullmatch(r"<https?://[^/]+(/notifications/unsubscribe/[^>]+)>", header)
    assert match, header
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_a_published_agenda_is_emailed_once_to_a_follower_who_wants_it_immediately(
    settings,
) -> None:
    settings.PUBLIC_URL = "https://api.town.example"
    settings.FRONTEND_URL = "https://app.town.example"
    body = Body.objects.create(
        name="Planning Committee", slug="planning", classification="committee"
    )
    clerk = user_create("clerk@example.org", Role.CLERK, mfa=True, is_staff=True)
    body.clerks.add(clerk)
    wants_it = user_create("now@example.org", display_name="Nora")
    digest_only = user_create("daily@example.org")
    for user in (wants_it, digest_only):
        follow(user, body)
    immediate(wants_it)

    meeting = meeting_create(
        actor=clerk,
        body=body,
        title="Bike lanes & sidewalks",
        starts_at=timezone.now() + dt.timedelta(days=2),
    )
    agenda_item_create(actor=clerk, meeting=meeting, title="Main Street", kind="report")
    meeting_publish(actor=clerk, meeting=meeting)
    run_worker()  # fans out, then sends the mail the fan-out enqueued

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["now@example.org"]
    assert message.subject == "Agenda published: Bike lanes & sidewalks"
    # Plain text unescaped, HTML escaped, both linking to the meeting in the web app.
    link = f"https://app.town.example/meetings/{global_id('Meeting', meeting.pk)}"
    assert "Bike lanes & sidewalks" in message.body and link in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "Bike lanes &amp; sidewalks" in html and f'href="{link}"' in html
    # RFC 8058 one-click unsubscribe, for this kind, on this server.
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<https://api.town.example/notifications/unsubscribe/")
    assert header[1:-1] in message.body and header[1:-1] in html
    parsed = message_from_bytes(message.message().as_bytes())
    # Folded onto a continuation line on the wire, which unfolds to the same value.
    assert "".join(parsed["List-Unsubscribe"].split()) == header
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.get_payload()] == [
        "text/plain",
        "text/html",
    ]

    notification = Notification.objects.get(user=wants_it)
    assert notification.emailed_at is not None
    assert Notification.objects.get(user=digest_only).emailed_at is None
    # The task runs again (a worker restarted): nothing goes twice.
    assert notifications_email_immediately(event_id=notification.event_id).sent == 0
    assert DBTaskResult.objects.filter(task_path=EMAIL_TASK).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_fan_out_run_again_enqueues_the_mails_once(resident, council) -> None:
    from backend.notifications.actions import notifications_fan_out_now

    follow(resident, council)
    event = agenda_published(published_meeting(council))
    notifications_fan_out_now(event_id=event.pk)
    assert DBTaskResult.objects.filter(task_path=EMAIL_TASK).count() == 1


@pytest.mark.django_db
def test_unverified_addresses_and_other_kinds_get_no_mail(
    resident, other_resident, council
) -> None:
    for user in (resident, other_resident):
        follow(user, council)
        immediate(user)
    EmailAddress.objects.filter(user=other_resident).update(verified=False)
    immediate(resident, "minutes_published")
    notification_preferences_update(user=resident, changes=[("agenda_published", "daily")])

    event = agenda_published(published_meeting(council))
    assert notifications_email_immediately(event_id=event.pk).sent == 0
    assert mail.outbox == []
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()

    # Verified, and asking for it at once: now it goes, to that user only.
    immediate(resident)
    assert notifications_email_immediately(event_id=event.pk).sent == 1
    assert [message.to for message in mail.outbox] == [[resident.email]]


@pytest.mark.django_db
def test_a_mail_the_server_refuses_is_not_lost(resident, other_resident, council, settings) -> None:
    for user in (resident, other_resident):
        follow(user, council)
        immediate(user)
    event = agenda_published(published_meeting(council))
    # A real SMTP connection to a port nobody listens on: the server is down.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    from backend.notifications.tasks import notifications_email_immediately_task

    before = timezone.now()
    notifications_email_immediately_task.call(event_id=event.pk)
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    retry = DBTaskResult.objects.get(task_path=EMAIL_TASK, args_kwargs__kwargs__attempt=2)
    assert retry.run_after > before + dt.timedelta(seconds=59)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_email_immediately(event_id=event.pk).sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        other_resident.email,
        resident.email,
    ]


@pytest.mark.django_db
def test_unsubscribe_get_changes_nothing_and_post_turns_the_kind_off(resident, council) -> None:
    follow(resident, council)
    immediate(resident)
    event = agenda_published(published_meeting(council))
    notifications_email_immediately(event_id=event.pk)
    path = unsubscribe_path(mail.outbox[0])
    client = Client(enforce_csrf_checks=True)

    # A mail scanner follows the link: a confirmation page, nothing changes.
    page = client.get(path)
    assert page.status_code == 200
    assert b"Agenda published" in page.content and b'method="post"' in page.content
    assert email_modes_of(user_id=resident.pk)["agenda_published"] == "immediate"

    # The mail client's one-click POST: no session, no CSRF token, the signature suffices.
    done = client.post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert done.status_code == 200
    assert b"are off" in done.content
    modes = email_modes_of(user_id=resident.pk)
    assert modes["agenda_published"] == "off"
    # Only that kind: the others keep their delivery.
    assert modes["minutes_published"] == "daily"
    # Posting again is harmless.
    assert client.post(path).status_code == 200
    assert EmailPreference.objects.filter(user=resident).count() == 1


@pytest.mark.django_db
def test_unsubscribe_all_turns_every_kind_off(resident) -> None:
    immediate(resident)
    path = urlsplit(unsubscribe_url(user_id=resident.pk, kind="all")).path
    client = Client()
    assert client.get(path).status_code == 200
    assert set(email_modes_of(user_id=resident.pk).values()) == {"immediate", "daily", "off"}
    assert client.post(path).status_code == 200
    assert set(email_modes_of(user_id=resident.pk).values()) == {"off"}


@pytest.mark.django_db
def test_a_tampered_forged_or_expired_link_is_refused_and_changes_nothing(
    resident, other_resident, settings
) -> None:
    immediate(resident)
    token = unsubscribe_token(user_id=resident.pk, kind="agenda_published")
    client = Client()
    # Someone edits the link to unsubscribe another account: the signature no longer matches.
    rest = token.split(":", 1)[1]
    forged_payload = signing.b64_encode(
        f'[{other_resident.pk},"agenda_published"]'.encode()
    ).decode()
    refused = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        f"{forged_payload}:{rest}",
        "not-a-token",
        # Signed with the right key but another salt, as for another purpose.
        signing.dumps([resident.pk, "agenda_published"], salt="another.purpose"),
    ]
    for bad in refused:
        for method in (client.get, client.post):
            response = method(f"/notifications/unsubscribe/{bad}")
            assert response.status_code == 400, bad
            assert b"Nothing was changed" in response.content
    # Signed for a kind that does not exist.
    unknown = unsubscribe_token(user_id=resident.pk, kind="no_such_kind")
    assert client.post(f"/notifications/unsubscribe/{unknown}").status_code == 400

    # A link from a mail sent longer ago than links last.
    settings.NOTIFICATIONS_UNSUBSCRIBE_LINK_DAYS = 30
    long_ago = timezone.now() - dt.timedelta(days=31)
    with mock.patch("django.core.signing.time.time", return_value=long_ago.timestamp()):
        old = unsubscribe_token(user_id=resident.pk, kind="agenda_published")
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    expired = client.post(f"/notifications/unsubscribe/{old}")
    assert expired.status_code == 400 and b"expired" in expired.content

    assert email_modes_of(user_id=resident.pk)["agenda_published"] == "immediate"
    assert email_modes_of(user_id=other_resident.pk)["agenda_published"] == "daily"
    assert list(EmailPreference.objects.values_list("user_id", "email")) == [
        (resident.pk, "immediate")
    ]


@pytest.mark.django_db
def test_the_unsubscribe_page_speaks_the_language_of_the_mail(resident, council) -> None:
    resident.preferred_language = "fr"
    resident.save(update_fields=["preferred_language"])
    follow(resident, council)
    immediate(resident)
    notifications_email_immediately(event_id=agenda_published(published_meeting(council)).pk)
    message = mail.outbox[0]
    assert "Le lire :" in message.body and "Ne plus recevoir ces courriels :" in message.body
    path = unsubscribe_path(message)
    client = Client()
    page = client.get(path).content.decode()
    assert '<html lang="fr">' in page
    assert "Ne plus recevoir de courriels de notification?" in page
    assert "« Ordre du jour publié »" in page
    done = client.post(path).content.decode()
    assert "Les courriels sur « Ordre du jour publié » sont désactivés." in done
    assert email_modes_of(user_id=resident.pk)["agenda_published"] == "off"


@pytest.mark.django_db
def test_a_refused_link_speaks_the_browsers_language() -> None:
    client = Client()
    french = client.get("/notifications/unsubscribe/not-a-token", HTTP_ACCEPT_LANGUAGE="fr-CA")
    assert french.status_code == 400
    assert "Ce lien ne fonctionne pas" in french.content.decode()
    english = client.get("/notifications/unsubscribe/not-a-token", HTTP_ACCEPT_LANGUAGE="de")
    assert "This link does not work" in english.content.decode()
