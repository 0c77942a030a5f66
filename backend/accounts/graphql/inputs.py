from __future__ import annotations

from decimal import Decimal

import strawberry

from backend.accounts.graphql.types import Language


@strawberry.input(description="A home address; send null for homeAddress to remove it.")
class HomeAddressInput:
    street: str
    city: str = ""
    postal_code: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    ward: str = ""


@strawberry.input(description="Profile fields to change; omitted fields stay as they are.")
class ViewerUpdateInput:
    display_name: str | None = strawberry.UNSET
    preferred_language: Language | None = strawberry.UNSET
    home_address: HomeAddressInput | None = strawberry.UNSET
