"""Staff permissions wait until the account has MFA."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.accounts.models import User
from backend.accounts.roles import Role
from tests.conftest import app_login, graphql, totp_enable, user_create


@pytest.mark.django_db
def test_staff_without_mfa_has_no_staff_permissions_until_mfa_is_set_up() -> None:
    clerk = user_create("clerk@example.org", Role.CLERK, is_staff=True)
    assert clerk.has_perm("records.change_meeting") is False
    assert clerk.get_all_permissions() == set()

    totp_enable(clerk)
    clerk = User.objects.get(pk=clerk.pk)
    assert clerk.has_perm("records.change_meeting") is True


@pytest.mark.django_db
def test_superuser_without_mfa_is_not_all_powerful() -> None:
    admin = user_create("admin@example.org", Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    assert admin.has_perm("accounts.change_user") is False
    assert admin.has_module_perms("accounts") is False
    totp_enable(admin)
    admin = User.objects.get(pk=admin.pk)
    assert admin.has_perm("accounts.change_user") is True


@pytest.mark.django_db
def test_staff_without_mfa_cannot_use_the_admin() -> None:
    admin = user_create("admin@example.org", Role.ADMINISTRATOR, is_staff=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/accounts/user/").status_code == 403
    totp_enable(admin)
    assert client.get("/admin/accounts/user/").status_code == 200


@pytest.mark.django_db
def test_residents_are_not_held_back_by_mfa(resident) -> None:
    assert resident.staff_permissions_unlocked is True


@pytest.mark.django_db
def test_mfa_setup_is_open_to_residents_through_the_app_api(resident) -> None:
    client = Client()
    token = app_login(client, resident.email)
    response = client.get(
        "/_allauth/app/v1/account/authenticators/totp", headers={"X-Session-Token": token}
    )
    # 404 with a fresh secret to enrol: TOTP is available but not yet set up.
    assert response.status_code == 404
    assert response.json()["meta"]["secret"]
    assert graphql(client, "{ viewer { mfaEnabled } }", token=token)["data"]["viewer"] == {
        "mfaEnabled": False
    }


@pytest.mark.django_db
def test_login_asks_for_the_mfa_code_when_set_up() -> None:
    clerk = user_create("clerk@example.org", Role.CLERK, mfa=True, is_staff=True)
    import json

    response = Client().post(
        "/_allauth/app/v1/auth/login",
        data=json.dumps({"email": clerk.email, "password": "a-long-Test-passphrase-42"}),
        content_type="application/json",
    )
    assert response.status_code == 401
    flows = response.json()["data"]["flows"]
    assert [flow["id"] for flow in flows if flow.get("is_pending")] == ["mfa_authenticate"]
