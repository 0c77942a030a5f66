"""Changing a body's details: administrators only, audited, and nothing changed on refusal."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django_tasks_db.models import DBTaskResult

from backend.accounts.roles import Role
from backend.audit.models import AuditEntry
from backend.common.errors import ActionError
from backend.records.actions import body_update
from backend.records.models import Body
from tests.conftest import user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def council() -> Body:
    return Body.objects.create(name="Town Council", slug="council", classification="council")


@pytest.fixture
def administrator():
    return user_create("admin@town.example", Role.ADMINISTRATOR, mfa=True)


def test_an_administrator_renames_a_body_with_an_audit_entry(council, administrator):
    updated = body_update(
        actor=administrator, body=council, name="  City Council ", description="Meets monthly."
    )

    council.refresh_from_db()
    assert (council.name, council.description) == ("City Council", "Meets monthly.")
    assert updated.name == "City Council"
    entry = AuditEntry.objects.get(action="body.update")
    assert (entry.before["name"], entry.after["name"]) == ("Town Council", "City Council")
    assert DBTaskResult.objects.filter(status="READY").count() == 1


def test_no_change_writes_nothing(council, administrator):
    before = council.updated_at
    body_update(actor=administrator, body=council, name="Town Council")

    council.refresh_from_db()
    assert council.updated_at == before
    assert not AuditEntry.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize(
    ("actor_role", "changes", "expected"),
    [
        (None, {"name": "City Council"}, [("UNAUTHENTICATED", None)]),
        (Role.CLERK, {"name": "City Council"}, [("PERMISSION_DENIED", None)]),
        (Role.ADMINISTRATOR, {"name": ""}, [("REQUIRED", "name")]),
        (Role.ADMINISTRATOR, {"name": "x" * 201}, [("TOO_LONG", "name")]),
        (Role.ADMINISTRATOR, {"classification": "club"}, [("INVALID", "classification")]),
        (Role.ADMINISTRATOR, {"active": "yes"}, [("INVALID", "active")]),
        (Role.ADMINISTRATOR, {"slug": "city"}, [("INVALID", "slug")]),
    ],
)
def test_a_refused_change_changes_nothing(council, actor_role, changes, expected):
    if actor_role is None:
        actor = AnonymousUser()
    else:
        actor = user_create("someone@town.example", actor_role, mfa=True)
        if actor_role == Role.CLERK:
            council.clerks.add(actor)

    with pytest.raises(ActionError) as refused:
        body_update(actor=actor, body=council, **changes)

    assert [(error.code, error.field) for error in refused.value.errors] == expected
    council.refresh_from_db()
    assert (council.name, council.slug, council.classification, council.active) == (
        "Town Council",
        "council",
        "council",
        True,
    )
    assert not AuditEntry.objects.exists()
    assert not DBTaskResult.objects.exists()
