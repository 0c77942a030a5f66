from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.accounts.actions import oidc_client_create
from backend.accounts.oidc import SCOPES
from backend.common.errors import ActionError


class Command(BaseCommand):
    help = (
        "Register a third-party app with the OpenID Connect provider and print its client id "
        "and secret (the secret is shown once). Administrators can do the same in the admin."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--name", required=True, help="The app's name, shown on consent.")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="Where the resident is sent back with the code; repeat for several.",
        )
        parser.add_argument(
            "--scopes",
            default="openid profile email town.read",
            help=f"Scopes the app may ask for, space or comma separated: {' '.join(SCOPES)}.",
        )
        parser.add_argument(
            "--public",
            action="store_true",
            help="An app that cannot keep a secret (phone, single-page): no secret, PKCE.",
        )
        parser.add_argument(
            "--no-refresh-tokens", action="store_true", help="Issue no refresh tokens."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = oidc_client_create(
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                scopes=options["scopes"].replace(",", " ").split(),
                public=options["public"],
                refresh_tokens=not options["no_refresh_tokens"],
            )
        except ActionError as error:
            raise CommandError(
                "; ".join(f"{item.field}: {item.message}" for item in error.errors)
            ) from None
        self.stdout.write(f"client_id: {created.client_id}")
        if created.client_secret is not None:
            self.stdout.write(f"client_secret: {created.client_secret}")
