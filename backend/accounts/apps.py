from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "backend.accounts"
    label = "accounts"
    verbose_name = "Accounts"
    # Permissions each role gets from this app; roles_sync() gathers these from every app.
    role_permissions = {
        "administrator": [
            "accounts.view_user",
            "accounts.change_user",
            "accounts.view_homeaddress",
            # Third-party apps (OpenID Connect clients) and the tokens issued to them.
            "allauth_idp_oidc.view_client",
            "allauth_idp_oidc.add_client",
            "allauth_idp_oidc.change_client",
            "allauth_idp_oidc.delete_client",
            "allauth_idp_oidc.view_token",
            "allauth_idp_oidc.delete_token",
        ],
    }

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from backend.accounts import oidc  # noqa: F401 (registers the signing key check)
        from backend.accounts.roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="accounts.roles_sync")
