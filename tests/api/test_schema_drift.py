from __future__ import annotations

from pathlib import Path

from django.conf import settings

from backend.api.management.commands.graphql_schema import schema_sdl


def test_committed_schema_matches_the_code() -> None:
    committed = (Path(settings.BASE_DIR) / "schema.graphql").read_text()
    assert committed == schema_sdl(), "schema.graphql is out of date: run `make schema`"
