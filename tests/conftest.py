from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client

from backend.accounts.actions import user_roles_grant
from backend.accounts.models import User
from backend.accounts.roles import Role

PASSWORD = "a-long-Test-passphrase-42"
GRAPHQL = "/graphql"
APP_AUTH = "/_allauth/app/v1"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # allauth's rate limits live in the cache; every test starts from none used.
    cache.clear()


def user_create(email: str, *roles: Role, mfa: bool = False, **extra: Any) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    user_roles_grant(user=user, roles=[Role.RESIDENT, *roles])
    if mfa:
        totp_enable(user)
    return User.objects.get(pk=user.pk)


def totp_enable(user: User) -> str:
    """Give the user a TOTP authenticator, as the MFA setup flow does; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def resident(db) -> User:
    return user_create("resident@example.org", display_name="Riley")


@pytest.fixture
def other_resident(db) -> User:
    return user_create("other@example.org", display_name="Olive")


def graphql(
    client: Client,
    query: str,
    variables: dict | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    expect_status: int = 200,
) -> dict:
    extra = dict(headers or {})
    if token is not None:
        extra["X-Session-Token"] = token
    response = client.post(
        GRAPHQL,
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        headers=extra,
    )
    assert response.status_code == expect_status, response.content
    return response.json()


def app_login(client: Client, email: str, password: str = PASSWORD) -> str:
    """Sign in as allauth's app client; returns the X-Session-Token."""
    response = client.post(
        f"{APP_AUTH}/auth/login",
        data=json.dumps({"email": email, "password": password}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["session_token"]


def mail_code(message: mail.EmailMessage) -> str:
    """The verification code in an allauth email."""
    match = re.search(
        r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4}|[A-Z0-9]{6,8})\s*$", message.body, re.MULTILINE
    )
    assert match, message.body
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db) -> Iterator[str]:
    """The real ASGI application served by uvicorn on a loopback port; yields its base URL."""
    import uvicorn

    from backend.asgi import application

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            application, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the ASGI server did not start")
        time.sleep(0.02)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
