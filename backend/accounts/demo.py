"""Demo accounts for `make run`; their passwords are printed in the README."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from backend.accounts.actions import user_roles_grant
from backend.accounts.models import User
from backend.accounts.roles import Role

DEMO_PASSWORD = "town-demo-password"

DEMO_ACCOUNTS = [
    ("resident@town.example", "Riley Resident", [Role.RESIDENT]),
    ("clerk@town.example", "Casey Clerk", [Role.RESIDENT, Role.CLERK]),
    ("admin@town.example", "Alex Administrator", [Role.RESIDENT, Role.ADMINISTRATOR]),
]


def demo_load() -> str:
    created = 0
    for email, name, roles in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            is_admin = Role.ADMINISTRATOR in roles
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                display_name=name,
                is_staff=len(roles) > 1,
                is_superuser=is_admin,
            )
            created += 1
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        user_roles_grant(user=user, roles=roles)
    return f"{created} demo accounts created, {len(DEMO_ACCOUNTS) - created} already there"
