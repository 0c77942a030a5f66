from __future__ import annotations

import strawberry
import strawberry_django
from strawberry.types import Info

from backend.accounts.graphql.types import UserType
from backend.common.graphql import viewer


@strawberry.type
class AccountQuery:
    @strawberry_django.field(description="The signed-in account, or null for anonymous requests.")
    def viewer(self, info: Info) -> UserType | None:
        user = viewer(info)
        return user if user.is_authenticated else None
