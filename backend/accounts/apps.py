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
        ],
    }

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from backend.accounts.roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="accounts.roles_sync")
