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
    wanted = set().union(*declared.values())
    by_name = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.select_related("content_type")
        if f"{permission.content_type.app_label}.{permission.codename}" in wanted
    }
    for role, names in declared.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[name] for name in sorted(names) if name in by_name])


def roles_sync_after_migrate(sender: Any, **kwargs: Any) -> None:
    # post_migrate is sent once per app; the last one sees every app's permissions created.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is with_models[-1]:
        roles_sync()
