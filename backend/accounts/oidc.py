"""The Town as an OpenID Connect provider: third-party civic apps acting for a resident.

An administrator registers each app (a ``Client``) in the admin; a resident signs in here and
consents to the scopes the app asks for; the app then calls /graphql with the access token.
What a token may do through GraphQL is decided in ``backend.api.delegation``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any, Literal

from allauth.idp.oidc.adapter import DefaultOIDCAdapter
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from backend.accounts.signing_keys import private_key_problem

TOWN_READ = "town.read"
TOWN_WRITE = "town.write"

# Every scope a client may be given, with the sentence a resident reads on the consent screen.
SCOPES: dict[str, str] = {
    "openid": "Know it is you (your account's identifier)",
    "profile": "See your display name and preferred language",
    "email": "See your email address",
    TOWN_READ: (
        "Read your Town account: profile, home address, follows, notifications, saved searches "
        "and email preferences"
    ),
    TOWN_WRITE: (
        "Act for you: follow and unfollow, mark notifications read, manage saved searches, "
        "email preferences and your profile"
    ),
}


class OIDCAdapter(DefaultOIDCAdapter):
    scope_display = SCOPES

    def generate_client_secret(self) -> str:
        # URL-safe: pasted into shells, HTTP Basic credentials and form bodies without escaping.
        return secrets.token_urlsafe(48)

    def populate_server_metadata(self, data: dict[str, str | list[str]]) -> None:
        data["scopes_supported"] = list(SCOPES)

    def get_claims(
        self,
        purpose: Literal["id_token", "userinfo"],
        user: Any,
        client: Any,
        scopes: Iterable[str],
        email: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        scopes = list(scopes)
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        if "profile" in scopes:
            # The account has a display name and a language, not a given and a family name.
            if user.display_name:
                claims["name"] = user.display_name
            claims["locale"] = user.preferred_language
        return claims


@register()
def signing_key_check(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """The provider cannot sign ID tokens without a key: refuse to run rather than fail later."""
    pem = getattr(settings, "IDP_OIDC_PRIVATE_KEY", "")
    hint = (
        "Set the IDP_OIDC_PRIVATE_KEY environment variable to a PEM RSA private key, e.g. the "
        "output of `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`. With DEBUG "
        "on, a development key is generated under var/ instead."
    )
    if not pem:
        return [
            Error(
                "IDP_OIDC_PRIVATE_KEY is not set: the OpenID Connect provider cannot sign "
                "tokens for third-party apps.",
                hint=hint,
                id="accounts.E001",
            )
        ]
    problem = private_key_problem(pem)
    if problem is not None:
        return [
            Error(
                f"IDP_OIDC_PRIVATE_KEY cannot sign tokens: {problem}.",
                hint=hint,
                id="accounts.E002",
            )
        ]
    return []
