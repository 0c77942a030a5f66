from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

from backend.accounts.actions import user_roles_grant
from backend.accounts.roles import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user_roles_grant(user=user, roles=[Role.RESIDENT])
        return user
