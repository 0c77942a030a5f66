"""Email preferences per kind, through GraphQL: read, change, validation, permission."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.notifications.models import EmailPreference
from backend.notifications.preferences import email_modes_of, notification_preferences_update
from backend.notifications.registry import notification_kinds
from tests.conftest import app_login, graphql

PREFERENCES = "{ notificationPreferences { kind label email emailDefault } }"
UPDATE = """
mutation ($input: [NotificationPreferenceInput!]!) {
  notificationPreferencesUpdate(input: $input) {
    preferences { kind email }
    errors { code field message }
  }
}
"""


def modes(preferences: list[dict]) -> dict[str, str]:
    return {item["kind"]: item["email"] for item in preferences}


@pytest.mark.django_db
def test_the_viewer_reads_every_kind_with_its_default(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    result = graphql(client, PREFERENCES, token=token)
    preferences = result["data"]["notificationPreferences"]
    assert [item["kind"] for item in preferences] == [item.kind for item in notification_kinds()]
    by_kind = {item["kind"]: item for item in preferences}
    assert by_kind["agenda_published"] == {
        "kind": "agenda_published",
        "label": "Agenda published",
        "email": "DAILY",
        "emailDefault": "DAILY",
    }
    # Live status chatter of a meeting under way is not emailed unless asked for.
    assert by_kind["meeting_status_changed"]["email"] == "OFF"


@pytest.mark.django_db
def test_the_viewer_changes_their_preferences(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    changes = [
        {"kind": "agenda_published", "email": "IMMEDIATE"},
        {"kind": "meeting_status_changed", "email": "DAILY"},
    ]
    result = graphql(client, UPDATE, {"input": changes}, token=token)
    payload = result["data"]["notificationPreferencesUpdate"]
    assert payload["errors"] == []
    assert modes(payload["preferences"])["agenda_published"] == "IMMEDIATE"
    assert modes(payload["preferences"])["meeting_status_changed"] == "DAILY"
    assert modes(payload["preferences"])["minutes_published"] == "DAILY"
    read = graphql(client, PREFERENCES, token=token)["data"]["notificationPreferences"]
    assert modes(read) == modes(payload["preferences"])
    # Back to off: the stored choice is updated, not duplicated.
    graphql(client, UPDATE, {"input": [{"kind": "agenda_published", "email": "OFF"}]}, token=token)
    assert email_modes_of(user_id=resident.pk)["agenda_published"] == "off"
    assert EmailPreference.objects.filter(user=resident).count() == 2


@pytest.mark.django_db
def test_an_unknown_kind_refuses_the_whole_update(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    changes = [
        {"kind": "agenda_published", "email": "IMMEDIATE"},
        {"kind": "fireworks", "email": "DAILY"},
        {"kind": "agenda_published", "email": "OFF"},
    ]
    result = graphql(client, UPDATE, {"input": changes}, token=token)
    payload = result["data"]["notificationPreferencesUpdate"]
    assert payload["preferences"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [
        ("UNKNOWN_KIND", "input.1.kind"),
        ("INVALID", "input.2.kind"),
    ]
    assert not EmailPreference.objects.exists()


@pytest.mark.django_db
def test_a_mode_outside_the_enum_is_a_request_error(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    result = graphql(
        client, UPDATE, {"input": [{"kind": "agenda_published", "email": "WEEKLY"}]}, token=token
    )
    assert "data" not in result or result["data"] is None
    assert not EmailPreference.objects.exists()


@pytest.mark.django_db
def test_anonymous_can_neither_read_nor_change_preferences() -> None:
    client = Client()
    result = graphql(client, PREFERENCES)
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    changes = [{"kind": "agenda_published", "email": "IMMEDIATE"}]
    payload = graphql(client, UPDATE, {"input": changes})["data"]["notificationPreferencesUpdate"]
    assert payload == {
        "preferences": None,
        "errors": [{"code": "UNAUTHENTICATED", "field": None, "message": "Sign in first."}],
    }
    assert not EmailPreference.objects.exists()


@pytest.mark.django_db
def test_a_user_changes_only_their_own_preferences(resident, other_resident) -> None:
    client = Client()
    token = app_login(client, other_resident.email)
    changes = [{"kind": "agenda_published", "email": "IMMEDIATE"}]
    graphql(client, UPDATE, {"input": changes}, token=token)
    assert email_modes_of(user_id=other_resident.pk)["agenda_published"] == "immediate"
    assert email_modes_of(user_id=resident.pk)["agenda_published"] == "daily"
    assert not EmailPreference.objects.filter(user=resident).exists()
    # And reads only their own.
    own = Client()
    mine = graphql(own, PREFERENCES, token=app_login(own, resident.email))
    assert modes(mine["data"]["notificationPreferences"])["agenda_published"] == "DAILY"


@pytest.mark.django_db
def test_reading_preferences_costs_the_same_queries_however_many_were_chosen(resident) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    token = app_login(client, resident.email)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            graphql(client, PREFERENCES, token=token)
        return len(captured)

    notification_preferences_update(user=resident, changes=[("agenda_published", "off")])
    one = queries()
    notification_preferences_update(
        user=resident, changes=[(item.kind, "immediate") for item in notification_kinds()]
    )
    every = queries()
    assert one == every
