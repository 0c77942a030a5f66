"""The server process leaves what it keeps for its whole life out of the collector's way."""

from __future__ import annotations

import os
import subprocess
import sys

from backend.common.asgi import COLLECTOR_YOUNG_THRESHOLD
from tests.processes import ROOT


def test_the_started_server_is_frozen_and_collects_its_youngest_objects_less_often() -> None:
    # The URL patterns (with the GraphQL schema) are asked for after the application is
    # imported: already built, they add nothing the collector tracks.
    probe = (
        "import gc, backend.asgi, django.urls; "
        "django.urls.get_resolver().url_patterns; "
        "print(gc.get_freeze_count(), gc.get_threshold()[0], len(gc.get_objects()))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DATABASE_URL": "sqlite:///:memory:",
        "DEBUG": "0",
        "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    }
    output = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    frozen, young_threshold, tracked = (int(number) for number in output.split())
    assert frozen > 50_000
    assert tracked < 5_000
    assert young_threshold == COLLECTOR_YOUNG_THRESHOLD
