from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from backend.search.actions import search_drift_find
from backend.search.registry import kinds_all


class Command(BaseCommand):
    help = "Compare the search index with the database; exit 1 when they differ."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            dest="kinds",
            choices=[kind.name for kind in kinds_all()],
            help="Check only this kind; repeat for several.",
        )

    def handle(self, *args: Any, kinds: list[str] | None = None, **options: Any) -> None:
        drifts = search_drift_find(kinds=kinds)
        for drift in drifts:
            self.stdout.write(str(drift))
        if drifts:
            self.stdout.write(
                f"{len(drifts)} entries differ from the database; "
                "run `manage.py search_reindex` to rebuild."
            )
            sys.exit(1)
        self.stdout.write("The search index matches the database.")
