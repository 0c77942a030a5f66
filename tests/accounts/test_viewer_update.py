from __future__ import annotations

import pytest
from django.test import Client

from backend.accounts.models import HomeAddress
from tests.conftest import app_login, graphql

UPDATE = """
mutation ($input: ViewerUpdateInput!) {
  viewerUpdate(input: $input) {
    user { displayName preferredLanguage homeAddress { street ward latitude longitude } }
    errors { field message code }
  }
}
"""


@pytest.mark.django_db
def test_viewer_updates_profile_and_home_address(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    result = graphql(
        client,
        UPDATE,
        {
            "input": {
                "displayName": "Riley R.",
                "preferredLanguage": "FR",
                "homeAddress": {
                    "street": "1 Main Street",
                    "ward": "Ward 3",
                    "latitude": "45.42",
                    "longitude": "-75.69",
                },
            }
        },
        token=token,
    )
    payload = result["data"]["viewerUpdate"]
    assert payload["errors"] == []
    assert payload["user"] == {
        "displayName": "Riley R.",
        "preferredLanguage": "FR",
        "homeAddress": {
            "street": "1 Main Street",
            "ward": "Ward 3",
            "latitude": "45.420000",
            "longitude": "-75.690000",
        },
    }


@pytest.mark.django_db
def test_invalid_update_changes_nothing(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    result = graphql(
        client,
        UPDATE,
        {
            "input": {
                "displayName": "x" * 151,
                "homeAddress": {"street": "", "latitude": "95", "longitude": "10"},
            }
        },
        token=token,
    )
    payload = result["data"]["viewerUpdate"]
    assert payload["user"] is None
    assert sorted((e["field"], e["code"]) for e in payload["errors"]) == [
        ("displayName", "TOO_LONG"),
        ("homeAddress.latitude", "OUT_OF_RANGE"),
        ("homeAddress.street", "REQUIRED"),
    ]
    resident.refresh_from_db()
    assert resident.display_name == "Riley"
    assert not HomeAddress.objects.exists()


@pytest.mark.django_db
def test_anonymous_update_is_refused_as_data() -> None:
    result = graphql(Client(), UPDATE, {"input": {"displayName": "Nobody"}})
    assert result["data"]["viewerUpdate"] == {
        "user": None,
        "errors": [
            {"field": None, "message": "Sign in to change your profile.", "code": "UNAUTHENTICATED"}
        ],
    }


@pytest.mark.django_db
def test_node_returns_only_the_viewers_own_account(resident, other_resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    own_id = graphql(client, "{ viewer { id } }", token=token)["data"]["viewer"]["id"]
    other_token = app_login(client, other_resident.email)
    other_id = graphql(client, "{ viewer { id } }", token=other_token)["data"]["viewer"]["id"]
    query = "query ($id: ID!) { node(id: $id) { id ... on User { email } } }"
    assert graphql(client, query, {"id": own_id}, token=token)["data"]["node"] == {
        "id": own_id,
        "email": resident.email,
    }
    assert graphql(client, query, {"id": other_id}, token=token)["data"]["node"] is None
    assert graphql(Client(), query, {"id": own_id})["data"]["node"] is None
