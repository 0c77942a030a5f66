from __future__ import annotations

import strawberry
import strawberry_django
from strawberry.types import Info

from backend.accounts.actions import UNSET, HomeAddressData, user_profile_update
from backend.accounts.graphql.inputs import ViewerUpdateInput
from backend.accounts.graphql.types import AccountError, AccountErrorCode, UserType
from backend.common.errors import ActionError
from backend.common.graphql import errors_from, viewer


@strawberry.type(description="The result of viewerUpdate.")
class ViewerUpdatePayload:
    user: UserType | None = strawberry.field(description="The account after the change.")
    errors: list[AccountError] = strawberry.field(description="Why nothing was changed.")


def _given(value: object) -> object:
    return UNSET if value is strawberry.UNSET else value


@strawberry.type
class AccountMutation:
    @strawberry_django.mutation(
        handle_django_errors=False, description="Change the signed-in account's profile."
    )
    def viewer_update(self, info: Info, input: ViewerUpdateInput) -> ViewerUpdatePayload:
        user = viewer(info)
        if not user.is_authenticated:
            return ViewerUpdatePayload(
                user=None,
                errors=[
                    AccountError(
                        field=None,
                        message="Sign in to change your profile.",
                        code=AccountErrorCode.UNAUTHENTICATED,
                    )
                ],
            )
        home_address = _given(input.home_address)
        if home_address not in (UNSET, None):
            home_address = HomeAddressData(
                street=home_address.street,
                city=home_address.city,
                postal_code=home_address.postal_code,
                latitude=home_address.latitude,
                longitude=home_address.longitude,
                ward=home_address.ward,
            )
        language = _given(input.preferred_language)
        display_name = _given(input.display_name)
        try:
            user_profile_update(
                user=user,
                display_name=UNSET if display_name is None else display_name,
                preferred_language=language.value if language not in (UNSET, None) else UNSET,
                home_address=home_address,
            )
        except ActionError as error:
            return ViewerUpdatePayload(
                user=None, errors=errors_from(error, AccountError, AccountErrorCode)
            )
        return ViewerUpdatePayload(user=user, errors=[])
