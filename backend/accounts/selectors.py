from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.mfa.utils import is_mfa_enabled

from backend.accounts.roles import STAFF_ROLES

if TYPE_CHECKING:
    from backend.accounts.models import HomeAddress, User

_UNLOCKED_CACHE = "_staff_permissions_unlocked"


def user_role_names(*, user: Any) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = sorted(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def user_is_staff_member(*, user: Any) -> bool:
    """Whether the account holds any staff role (or the admin flags that imply one)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        user.is_staff or user.is_superuser or STAFF_ROLES.intersection(user_role_names(user=user))
    )


def user_staff_permissions_unlocked(*, user: User) -> bool:
    """Staff permissions count only once the account has MFA; residents are never held back."""
    cached = getattr(user, _UNLOCKED_CACHE, None)
    if cached is None:
        cached = not user_is_staff_member(user=user) or is_mfa_enabled(user)
        setattr(user, _UNLOCKED_CACHE, cached)
    return cached


def home_address_visible_to(*, address: HomeAddress, viewer: Any) -> bool:
    """Only the owner, and staff allowed to read addresses, see a home address."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    return address.user_id == viewer.pk or viewer.has_perm("accounts.view_homeaddress")
