from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)

# When `serve` sends the previous day's notification digests, in the Town's time zone.
DIGEST_HOUR = 6


def _digests_daily(stop: threading.Event) -> None:
    """Send yesterday's digests each day at DIGEST_HOUR, and at start once that hour has passed.

    Sending a day's digests again sends nothing new, so a restart never mails anyone twice.
    """
    from django.db import connections
    from django.utils import timezone

    while True:
        now = timezone.localtime()
        next_run = now.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
        if now.hour >= DIGEST_HOUR:
            try:
                call_command("notifications_send_digests")
            except Exception:
                logger.exception("the daily notification digests could not all be sent")
            finally:
                connections.close_all()
            next_run += dt.timedelta(days=1)
        if stop.wait(max((next_run - timezone.localtime()).total_seconds(), 60)):
            return


class Command(BaseCommand):
    help = (
        "Serve the ASGI application (HTTP + WebSocket) with uvicorn, and the task worker beside it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true", help="Do not start the worker.")

    def handle(self, *args: Any, host: str, port: int, no_worker: bool, **options: Any) -> None:
        import uvicorn

        worker = None
        if not no_worker:
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--interval", "0.5"],
                cwd=os.getcwd(),
            )
            self.stdout.write(f"Task worker started (pid {worker.pid}).")
            digests_stop = threading.Event()
            threading.Thread(target=_digests_daily, args=(digests_stop,), daemon=True).start()
        self.stdout.write(f"Serving on http://{host}:{port}/graphql")
        try:
            uvicorn.run("backend.asgi:application", host=host, port=port, lifespan="off")
        finally:
            if worker is not None:
                digests_stop.set()
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
