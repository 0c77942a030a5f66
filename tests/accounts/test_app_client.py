"""The app client (X-Session-Token): signup, email verification by code, login, viewer."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client

from backend.accounts.models import User
from tests.conftest import APP_AUTH, PASSWORD, app_login, graphql, mail_code

VIEWER = "query { viewer { id email displayName roles mfaEnabled preferredLanguage } }"


@pytest.mark.django_db
def test_signup_verify_login_and_viewer_over_http() -> None:
    client = Client()
    response = client.post(
        f"{APP_AUTH}/auth/signup",
        data=json.dumps({"email": "New.Person@Example.org", "password": PASSWORD}),
        content_type="application/json",
    )
    # Verification is mandatory: the account exists but the flow waits for the emailed code.
    assert response.status_code == 401
    body = response.json()
    pending = [flow for flow in body["data"]["flows"] if flow.get("is_pending")]
    assert [flow["id"] for flow in pending] == ["verify_email"]
    signup_token = body["meta"]["session_token"]
    assert len(mail.outbox) == 1
    code = mail_code(mail.outbox[0])

    # Before verification the token does not identify anyone to the API.
    before = graphql(client, VIEWER, token=signup_token, expect_status=401)
    assert before["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    verified = client.post(
        f"{APP_AUTH}/auth/email/verify",
        data=json.dumps({"key": code}),
        content_type="application/json",
        headers={"X-Session-Token": signup_token},
    )
    assert verified.status_code == 200, verified.content

    token = app_login(client, "new.person@example.org")
    result = graphql(client, VIEWER, token=token)
    assert result == {
        "data": {
            "viewer": {
                "id": result["data"]["viewer"]["id"],
                "email": "new.person@example.org",
                "displayName": "",
                "roles": ["resident"],
                "mfaEnabled": False,
                "preferredLanguage": "EN",
            }
        }
    }
    user = User.objects.get(email="new.person@example.org")
    assert user.groups.filter(name="resident").exists()


@pytest.mark.django_db
def test_anonymous_viewer_is_null() -> None:
    assert graphql(Client(), VIEWER) == {"data": {"viewer": None}}


@pytest.mark.django_db
def test_wrong_session_token_is_an_authentication_error_not_anonymous(resident) -> None:
    result = graphql(Client(), VIEWER, token="not-a-real-token", expect_status=401)
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in result


@pytest.mark.django_db
def test_logout_invalidates_the_token(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    response = client.delete(f"{APP_AUTH}/auth/session", headers={"X-Session-Token": token})
    assert response.status_code == 401
    graphql(client, VIEWER, token=token, expect_status=401)


@pytest.mark.django_db
def test_wrong_password_does_not_sign_in(resident) -> None:
    response = Client().post(
        f"{APP_AUTH}/auth/login",
        data=json.dumps({"email": resident.email, "password": "wrong-password"}),
        content_type="application/json",
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_login_rate_limit_applies(resident) -> None:
    client = Client()

    def attempt(password: str) -> list[str]:
        response = client.post(
            f"{APP_AUTH}/auth/login",
            data=json.dumps({"email": resident.email, "password": password}),
            content_type="application/json",
        )
        assert response.status_code == 400
        return [error["code"] for error in response.json()["errors"]]

    codes = [attempt("wrong-password") for _ in range(6)]
    assert codes[:5] == [["email_password_mismatch"]] * 5
    assert codes[5] == ["too_many_login_attempts"]
    # Once limited, even the right password waits.
    assert attempt(PASSWORD) == ["too_many_login_attempts"]


@pytest.mark.django_db
def test_password_reset_by_code(resident) -> None:
    client = Client()
    response = client.post(
        f"{APP_AUTH}/auth/password/request",
        data=json.dumps({"email": resident.email}),
        content_type="application/json",
    )
    assert response.status_code == 401, response.content
    token = response.json()["meta"]["session_token"]
    code = mail_code(mail.outbox[-1])
    response = client.post(
        f"{APP_AUTH}/auth/password/reset",
        data=json.dumps({"key": code, "password": "an-entirely-New-passphrase-7"}),
        content_type="application/json",
        headers={"X-Session-Token": token},
    )
    assert response.status_code in (200, 401), response.content
    app_login(client, resident.email, "an-entirely-New-passphrase-7")


@pytest.mark.django_db
def test_openapi_specification_is_served() -> None:
    response = Client().get("/_allauth/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"]
