"""Real server and worker processes for tests, on the test's own database and Redis.

The processes run ``backend.test_settings`` with the database pytest-django created (its name is
``test_<name>`` on PostgreSQL) and the same Redis prefix as the test, so what the test writes they
read, and what they publish reaches the test's channel layer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
NEEDS_REDIS = "needs REDIS_URL: two server processes share events through Redis"
NEEDS_SHARED_DATABASE = (
    "needs a database other processes can open (PostgreSQL, or SQLite in a file): "
    "the SQLite test database is in memory"
)


def skip_unless(condition: bool, reason: str) -> None:
    """Skip with a visible reason; where the services must exist (CI), fail instead."""
    if condition:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def shared_database_url() -> str | None:
    """The URL of the database this test writes to, or None when no other process can open it."""
    database = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(database["USER"] or "", safe="")
        if database.get("PASSWORD"):
            credentials += ":" + quote(database["PASSWORD"], safe="")
        host = database.get("HOST") or "127.0.0.1"
        port = database.get("PORT") or "5432"
        return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"
    name = str(database["NAME"])
    if connection.vendor == "sqlite" and not connection.creation.is_in_memory_db(name):
        return f"sqlite:///{name}"
    return None


def process_environment(**extra: str) -> dict[str, str]:
    database_url = shared_database_url()
    assert database_url is not None
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.test_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_PREFIX": settings.REDIS_PREFIX,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    return environment


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def worker_start(log: Path, **environment: str) -> subprocess.Popen:
    """``manage.py db_worker``, the worker the servers run beside them."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--interval",
                "0.1",
                "--no-startup-delay",
                "--no-reload",
            ],
            cwd=ROOT,
            env=process_environment(**environment),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def server(log: Path, **environment: str) -> Iterator[str]:
    """The ASGI application served by uvicorn in its own process; yields ``host:port``."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "backend.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=process_environment(**environment),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except urllib.error.HTTPError:  # it answers: up, whatever it says of its services
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the server did not start: {log.read_text()[-2000:]}"
                    ) from error
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)
