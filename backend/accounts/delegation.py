"""A third-party app acting for a resident: who it acts for, and with what it may act.

An OpenID Connect access token lets an app act for the person who consented, with the scopes
they granted and never with staff powers: a clerk's or an administrator's token acts as a
resident would. That is decided here, once, by the account the API sees: every permission check
(``has_perm``, the staff flags, the roles) answers as for a resident, so the records selectors
(``bodies_editable_by``, ``meetings_visible_to``, ...) and actions treat the app as one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from backend.accounts.oidc import TOWN_READ, TOWN_WRITE
from backend.accounts.roles import STAFF_ROLES
from backend.accounts.selectors import user_role_names

# Flags a delegate reads as False; they are never written back from a delegate.
_WITHHELD_FLAGS = frozenset({"is_staff", "is_superuser"})


@dataclass(frozen=True)
class Delegation:
    """The app (OpenID Connect client) a request comes from, and the scopes it was granted."""

    client_id: str
    scopes: frozenset[str]

    @property
    def reads(self) -> bool:
        return TOWN_READ in self.scopes

    @property
    def writes(self) -> bool:
        return TOWN_WRITE in self.scopes


def _no_permission(*args: Any, **kwargs: Any) -> bool:
    return False


def _no_permissions(*args: Any, **kwargs: Any) -> set[str]:
    return set()


def user_as_delegate(*, user: Any) -> Any:
    """The account as an app acting for it sees it: the same person, a resident's capabilities.

    A copy of ``user``: the account itself (and any other request holding it) is untouched.
    Saving the copy writes what the resident may change, never the withheld staff flags.
    """
    delegate = copy.copy(user)
    delegate._role_names = [role for role in user_role_names(user=user) if role not in STAFF_ROLES]
    delegate.is_staff = False
    delegate.is_superuser = False
    delegate._staff_permissions_unlocked = True  # nothing left to unlock
    delegate.has_perm = _no_permission
    delegate.has_module_perms = _no_permission
    delegate.has_perms = lambda perm_list, obj=None: not list(perm_list)
    delegate.get_all_permissions = _no_permissions
    delegate.get_user_permissions = _no_permissions
    delegate.get_group_permissions = _no_permissions
    model_save = type(user).save

    def save(*args: Any, update_fields: Iterable[str] | None = None, **kwargs: Any) -> None:
        if update_fields is None:
            update_fields = [
                field.name
                for field in delegate._meta.concrete_fields
                if not field.primary_key and field.name not in _WITHHELD_FLAGS
            ]
        else:
            update_fields = [name for name in update_fields if name not in _WITHHELD_FLAGS]
        model_save(delegate, *args, update_fields=update_fields, **kwargs)

    delegate.save = save
    return delegate
