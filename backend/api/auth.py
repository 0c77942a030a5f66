"""Who is calling: an app's X-Session-Token, a third-party app's access token, or a cookie."""

from __future__ import annotations

from typing import Any

from allauth.core import context as allauth_context
from allauth.headless.internal.sessionkit import authenticate_by_x_session_token
from allauth.idp.oidc.internal.oauthlib.server import get_server
from allauth.idp.oidc.internal.oauthlib.utils import get_validator_context
from allauth.idp.oidc.internal.resources import is_resources_subset
from allauth.idp.oidc.models import Token
from django.http import HttpRequest

from backend.accounts.delegation import Delegation, user_as_delegate

MAX_TOKEN_LENGTH = 4096


def user_from_session_token(token: Any) -> Any | None:
    """The active user behind an allauth app session token, or None when it is not valid."""
    if not isinstance(token, str) or not token or len(token) > 256:
        return None
    authenticated = authenticate_by_x_session_token(token)
    if authenticated is None:
        return None
    user = authenticated[0]
    return user if user.is_active else None


def bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None for any other scheme."""
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


class AccessTokenRefused(Exception):
    """Why an access token does not let its bearer in: an HTTP status, a stable code, a sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def user_from_access_token(
    token: Any, *, resource: str, request: HttpRequest | None = None
) -> tuple[Any, Delegation]:
    """The resident an access token from this server's OpenID Connect provider acts for.

    Returns the account as a delegate (a resident's capabilities, see
    ``backend.accounts.delegation``) and the scopes granted; raises ``AccessTokenRefused`` for a
    token that is unknown, expired, revoked, not an access token, issued without a resident
    (client credentials), or issued for another resource (RFC 8707) than ``resource``.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise AccessTokenRefused(401, "UNAUTHENTICATED", "The access token is malformed.")
    # allauth's validator keeps its state on the current request; a socket has none of its own.
    current = request if request is not None else HttpRequest()
    with allauth_context.request_context(current):
        valid, _ = get_server().verify_request(
            resource, "POST", "", {"Authorization": f"Bearer {token}"}, scopes=[]
        )
        access_token = get_validator_context().access_token if valid else None
    if access_token is None or access_token.type != Token.Type.ACCESS_TOKEN:
        raise AccessTokenRefused(
            401,
            "UNAUTHENTICATED",
            "The access token is invalid, has expired or was revoked. Ask the resident to "
            "authorize the app again, or use the refresh token.",
        )
    if access_token.user is None:
        raise AccessTokenRefused(
            401,
            "UNAUTHENTICATED",
            "This access token acts for no resident (client credentials); the API needs a token "
            "a resident authorized.",
        )
    if not is_resources_subset([resource], access_token.get_resources()):
        raise AccessTokenRefused(
            403,
            "INVALID_TARGET",
            "The access token was issued for another resource than this API.",
        )
    delegation = Delegation(
        client_id=access_token.client_id or "", scopes=frozenset(access_token.get_scopes())
    )
    return user_as_delegate(user=access_token.user), delegation
