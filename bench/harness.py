"""What the benchmarks share: a free loopback port, the real ASGI app under uvicorn, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(
    port: int,
    environment: Mapping[str, str],
    *,
    application: str = "backend.asgi:application",
    extra_arguments: Sequence[str] = (),
    timeout: float = 30,
    wrapper: Sequence[str] = (),
) -> subprocess.Popen:
    """``application`` under uvicorn on ``port``, once it answers /healthz; ``wrapper`` is a
    command the server runs under (a profiler, say)."""
    server = subprocess.Popen(
        [
            *wrapper,
            sys.executable,
            "-m",
            "uvicorn",
            application,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--no-access-log",
            *extra_arguments,
        ],
        cwd=ROOT,
        env=dict(environment),
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("the server exited") from None
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start")


def server_stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def load_average() -> str:
    """The machine's load, as `uptime` shows it: other work skews every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"
