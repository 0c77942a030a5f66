from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand


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
        self.stdout.write(f"Serving on http://{host}:{port}/graphql")
        try:
            uvicorn.run("backend.asgi:application", host=host, port=port, lifespan="off")
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
