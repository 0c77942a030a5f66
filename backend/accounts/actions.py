from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from allauth.idp.oidc.adapter import get_adapter
from allauth.idp.oidc.models import Client
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from backend.accounts.models import HomeAddress, Language, User
from backend.accounts.oidc import SCOPES
from backend.accounts.roles import Role
from backend.common.errors import ActionError, FieldError


class AccountErrorCode:
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    REQUIRED = "REQUIRED"
    OUT_OF_RANGE = "OUT_OF_RANGE"


UNSET: Any = object()


@dataclass(frozen=True)
class HomeAddressData:
    street: str
    city: str = ""
    postal_code: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    ward: str = ""


def user_roles_grant(*, user: User, roles: Iterable[Role]) -> None:
    groups = [Group.objects.get_or_create(name=Role(role).value)[0] for role in roles]
    user.groups.add(*groups)
    for cache in ("_role_names", "_staff_permissions_unlocked", "_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cache, None)


def _validate_profile(
    *, display_name: Any, preferred_language: Any, home_address: Any
) -> list[FieldError]:
    errors: list[FieldError] = []
    if display_name is not UNSET and len(display_name) > 150:
        errors.append(
            FieldError(
                AccountErrorCode.TOO_LONG,
                "Display name is at most 150 characters.",
                "displayName",
            )
        )
    if preferred_language is not UNSET and preferred_language not in Language.values:
        errors.append(
            FieldError(AccountErrorCode.INVALID, "Unsupported language.", "preferredLanguage")
        )
    if isinstance(home_address, HomeAddressData):
        if not home_address.street.strip():
            errors.append(
                FieldError(AccountErrorCode.REQUIRED, "Street is required.", "homeAddress.street")
            )
        for name, value, bound in (
            ("latitude", home_address.latitude, 90),
            ("longitude", home_address.longitude, 180),
        ):
            if value is not None and not (-bound <= value <= bound):
                errors.append(
                    FieldError(
                        AccountErrorCode.OUT_OF_RANGE,
                        f"{name.capitalize()} must be between -{bound} and {bound}.",
                        f"homeAddress.{name}",
                    )
                )
        if (home_address.latitude is None) != (home_address.longitude is None):
            errors.append(
                FieldError(
                    AccountErrorCode.INVALID,
                    "Give both latitude and longitude, or neither.",
                    "homeAddress",
                )
            )
    return errors


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    display_name: str = UNSET,
    preferred_language: str = UNSET,
    home_address: HomeAddressData | None = UNSET,
) -> User:
    """Update what a resident may change about themselves; all or nothing."""
    errors = _validate_profile(
        display_name=display_name,
        preferred_language=preferred_language,
        home_address=home_address,
    )
    if errors:
        raise ActionError(errors)
    changed: list[str] = []
    if display_name is not UNSET:
        user.display_name = display_name.strip()
        changed.append("display_name")
    if preferred_language is not UNSET:
        user.preferred_language = preferred_language
        changed.append("preferred_language")
    if changed:
        user.save(update_fields=changed)
    if home_address is None:
        HomeAddress.objects.filter(user=user).delete()
    elif home_address is not UNSET:
        HomeAddress.objects.update_or_create(
            user=user,
            defaults={
                "street": home_address.street.strip(),
                "city": home_address.city.strip(),
                "postal_code": home_address.postal_code.strip(),
                "latitude": home_address.latitude,
                "longitude": home_address.longitude,
                "ward": home_address.ward.strip(),
            },
        )
    user._state.fields_cache.pop("home_address", None)
    return user


@dataclass(frozen=True)
class OIDCClientCreated:
    client_id: str
    # Shown once: only its hash is stored. None for a public client (an app that cannot keep one).
    client_secret: str | None


@transaction.atomic
def oidc_client_create(
    *,
    name: str,
    redirect_uris: Iterable[str],
    scopes: Iterable[str],
    public: bool = False,
    refresh_tokens: bool = True,
) -> OIDCClientCreated:
    """Register a third-party app with the OpenID Connect provider (authorization code flow)."""
    name = name.strip()
    redirect_uris = [uri.strip() for uri in redirect_uris if uri.strip()]
    scopes = list(dict.fromkeys(scope for scope in scopes if scope))
    errors: list[FieldError] = []
    if not name:
        errors.append(FieldError(AccountErrorCode.REQUIRED, "Name the app.", "name"))
    elif len(name) > 100:
        errors.append(
            FieldError(AccountErrorCode.TOO_LONG, "The name is at most 100 characters.", "name")
        )
    if not redirect_uris:
        errors.append(
            FieldError(
                AccountErrorCode.REQUIRED,
                "Give at least one redirect URI.",
                "redirectUris",
            )
        )
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        errors.append(
            FieldError(
                AccountErrorCode.INVALID,
                f"Unknown scopes: {', '.join(unknown)}; known: {', '.join(SCOPES)}.",
                "scopes",
            )
        )
    elif "openid" not in scopes:
        errors.append(
            FieldError(AccountErrorCode.REQUIRED, "The openid scope is required.", "scopes")
        )
    client = Client(
        name=name,
        type=Client.Type.PUBLIC if public else Client.Type.CONFIDENTIAL,
        response_types=Client.ResponseType.CODE,
    )
    client.set_redirect_uris(redirect_uris)
    client.set_scopes(scopes)
    client.set_default_scopes(["openid"])
    grant_types = [Client.GrantType.AUTHORIZATION_CODE]
    if refresh_tokens:
        grant_types.append(Client.GrantType.REFRESH_TOKEN)
    client.set_grant_types(grant_types)
    for uri in redirect_uris:
        parsed = urlsplit(uri)
        if (
            not parsed.scheme
            or parsed.fragment
            or (parsed.scheme in ("http", "https") and not parsed.hostname)
        ):
            errors.append(
                FieldError(
                    AccountErrorCode.INVALID,
                    f"{uri!r} is not an absolute URI without a fragment.",
                    "redirectUris",
                )
            )
    if redirect_uris:
        try:
            client.clean_redirect_uris()
        except ValidationError as error:
            errors.append(
                FieldError(AccountErrorCode.INVALID, " ".join(error.messages), "redirectUris")
            )
    if errors:
        raise ActionError(errors)
    secret = None
    if not public:
        secret = get_adapter().generate_client_secret()
        client.set_secret(secret)
    client.save()
    return OIDCClientCreated(client_id=client.id, client_secret=secret)
