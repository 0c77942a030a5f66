"""Roles are Django groups whose permissions every app declares on its AppConfig.

Each app may set ``role_permissions = {"clerk": ["records.add_meeting", ...]}``; after every
migration the groups are brought in line with what the apps declare, so a new app's permissions
reach the roles without a hand-written data migration.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group, Permission


class Role(StrEnum):
    RESIDENT = "resident"
    CLERK = "clerk"
    SERVICE_STAFF = "service_staff"
    PLANNER = "planner"
    ADMINISTRATOR = "administrator"


STAFF_ROLES = frozenset({Role.CLERK, Role.SERVICE_STAFF, Role.PLANNER, Role.ADMINISTRATOR})


def declared_role_permissions() -> dict[str, set[str]]:
    declared: dict[str, set[str]] = {role.value: set() for role in Role}
    for config in apps.get_app_configs():
        for role, codenames in getattr(config, "role_permissions", {}).items():
            declared[Role(role).value].update(codenames)
    return declared


def roles_sync() -> None:
    """Create the role groups and give each exactly the permissions the apps declare."""
    declared = declared_role_permissions()
    for role, names in declared.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in sorted(names):
            app_label, codename = name.split(".", 1)
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)


def roles_sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    if getattr(sender, "label", None) != "accounts":
        return
    roles_sync()
