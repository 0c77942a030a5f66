from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.search.actions import search_index_rebuild, search_kinds_count
from backend.search.registry import kinds_all


class Command(BaseCommand):
    help = "Rebuild the search index from the database (every kind, or those named)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            choices=[kind.name for kind in kinds_all()],
            help="Rebuild only this kind; repeat for several.",
        )

    def handle(self, *args: Any, kinds: list[str] | None = None, **options: Any) -> None:
        names = kinds or [kind.name for kind in kinds_all()]
        total = search_kinds_count(kinds=names)
        started = time.monotonic()

        def progress(done: int) -> None:
            width = 40
            filled = width * done // total if total else width
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending=""
            )
            self.stdout.flush()

        try:
            written = search_index_rebuild(kinds=names, progress=progress)
        except LookupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write("")
        self.stdout.write(
            f"Indexed {written} entries ({', '.join(names)}) in {time.monotonic() - started:.1f} s."
        )
