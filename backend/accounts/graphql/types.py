from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry
import strawberry_django
from allauth.mfa.utils import is_mfa_enabled
from strawberry import relay
from strawberry.types import Info

from backend.accounts.actions import AccountErrorCode as _Codes
from backend.accounts.models import HomeAddress, User
from backend.accounts.selectors import home_address_visible_to, user_role_names
from backend.common.graphql import UserError, viewer


@strawberry.enum(description="Languages the Town writes to residents in.")
class Language(Enum):
    EN = "en"
    FR = "fr"


@strawberry.enum(description="Stable codes for account errors.")
class AccountErrorCode(Enum):
    UNAUTHENTICATED = _Codes.UNAUTHENTICATED
    INVALID = _Codes.INVALID
    TOO_LONG = _Codes.TOO_LONG
    REQUIRED = _Codes.REQUIRED
    OUT_OF_RANGE = _Codes.OUT_OF_RANGE


@strawberry.type(description="Why an account change was refused.")
class AccountError(UserError):
    code: AccountErrorCode = strawberry.field(description="A stable code to branch on.")


@strawberry_django.type(
    HomeAddress, name="HomeAddress", description="A resident's home; private to them."
)
class HomeAddressType:
    street: str = strawberry_django.field(description="Street address.")
    city: str = strawberry_django.field(description="City or town.")
    postal_code: str = strawberry_django.field(description="Postal code.")
    latitude: Decimal | None = strawberry_django.field(description="WGS 84 latitude.")
    longitude: Decimal | None = strawberry_django.field(description="WGS 84 longitude.")
    ward: str = strawberry_django.field(description="The Town ward the address lies in.")


@strawberry_django.type(User, name="User", description="A Town account, seen by its owner.")
class UserType(relay.Node):
    email: str = strawberry_django.field(description="Sign-in and contact email address.")
    display_name: str = strawberry_django.field(description="The name shown to others.")

    @classmethod
    def get_queryset(cls, queryset, info: Info, **kwargs):
        # Accounts are private: through the API a user can only ever reach their own.
        user = viewer(info)
        if not user.is_authenticated:
            return queryset.none()
        return queryset.filter(pk=user.pk)

    @strawberry_django.field(
        only=["preferred_language"], description="Language for messages and notifications."
    )
    def preferred_language(self) -> Language:
        return Language(self.preferred_language)

    @strawberry_django.field(description="Roles held: resident, clerk, service_staff, ...")
    def roles(self) -> list[str]:
        return user_role_names(user=self)

    @strawberry_django.field(description="Whether multi-factor authentication is set up.")
    def mfa_enabled(self) -> bool:
        return is_mfa_enabled(self)

    @strawberry_django.field(description="Home address; null unless you may see it.")
    def home_address(self, info: Info) -> HomeAddressType | None:
        address = HomeAddress.objects.filter(user_id=self.pk).first()
        if address is None or not home_address_visible_to(address=address, viewer=viewer(info)):
            return None
        return address
