from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from backend.accounts.roles import STAFF_ROLES
from backend.accounts.selectors import user_staff_permissions_unlocked


class StaffMfaModelBackend(ModelBackend):
    """Django's model backend, except that staff permissions wait until MFA is set up.

    Until then a staff account keeps what a resident has, so it can still sign in and enrol an
    authenticator, but it cannot publish, edit or read anything that needs a staff permission.
    """

    def _get_permissions(self, user_obj: Any, obj: Any, from_name: str) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_staff_permissions_unlocked(user=user_obj):
            return super()._get_permissions(user_obj, obj, from_name)
        cache_name = f"_locked_{from_name}_perm_cache"
        if not hasattr(user_obj, cache_name):
            perms: set[str] = set()
            if from_name == "group":
                rows = (
                    Permission.objects.filter(group__user=user_obj)
                    .exclude(group__name__in=STAFF_ROLES)
                    .values_list("content_type__app_label", "codename")
                )
                perms = {f"{app_label}.{codename}" for app_label, codename in rows}
            setattr(user_obj, cache_name, perms)
        return getattr(user_obj, cache_name)
