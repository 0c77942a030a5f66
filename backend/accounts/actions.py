from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from backend.accounts.models import HomeAddress, Language, User
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
