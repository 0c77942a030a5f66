"""The browser client: session cookie plus CSRF token."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from backend.accounts.models import User
from tests.conftest import GRAPHQL, PASSWORD

UPDATE = 'mutation { viewerUpdate(input: {displayName: "From the browser"}) { errors { code } } }'


def browser_login(email: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    # allauth's browser client wants the CSRF token too: fetch the cookie first.
    client.get("/_allauth/browser/v1/config")
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/_allauth/browser/v1/auth/login",
        data=json.dumps({"email": email, "password": PASSWORD}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 200, response.content
    return client


@pytest.mark.django_db
def test_cookie_session_without_csrf_is_refused_for_mutations(resident) -> None:
    client = browser_login(resident.email)
    response = client.post(
        GRAPHQL, data=json.dumps({"query": UPDATE}), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    assert User.objects.get(pk=resident.pk).display_name == "Riley"


@pytest.mark.django_db
def test_cookie_session_with_csrf_works(resident) -> None:
    client = browser_login(resident.email)
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        GRAPHQL,
        data=json.dumps({"query": UPDATE}),
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"viewerUpdate": {"errors": []}}}
    assert User.objects.get(pk=resident.pk).display_name == "From the browser"


@pytest.mark.django_db
def test_cookie_session_reads_over_get_without_csrf(resident) -> None:
    client = browser_login(resident.email)
    response = client.get(GRAPHQL, {"query": "{ viewer { email } }"})
    assert response.json() == {"data": {"viewer": {"email": resident.email}}}
