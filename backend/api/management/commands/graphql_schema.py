from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def schema_sdl() -> str:
    from backend.api.schema import schema

    return schema.as_str().rstrip() + "\n"


class Command(BaseCommand):
    help = "Write the GraphQL schema to schema.graphql (or, with --check, fail if it differs)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="Only compare; exit 1 on drift.")
        parser.add_argument("--path", default=str(Path(settings.BASE_DIR) / "schema.graphql"))

    def handle(self, *args: Any, check: bool, path: str, **options: Any) -> None:
        target = Path(path)
        sdl = schema_sdl()
        if check:
            current = target.read_text() if target.exists() else ""
            if current != sdl:
                raise CommandError(f"{target} is out of date: run `make schema`.")
            self.stdout.write("schema.graphql is up to date.")
            return
        target.write_text(sdl)
        self.stdout.write(f"Wrote {target}")
