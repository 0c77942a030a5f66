"""Which worker is still alive: a worker names itself after its host and its process."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from django.utils.crypto import get_random_string

SEPARATOR = ":"


def _host() -> str:
    return socket.gethostname()[:40]


def worker_id_new() -> str:
    """``host:pid:random``, within django-tasks-db's 64 characters."""
    return SEPARATOR.join((_host(), str(os.getpid()), get_random_string(12)))


def _process_ended(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a process of another user holds the id now
        return False
    # Killed but not yet reaped by its parent: a zombie runs nothing.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state == "Z"


def worker_is_gone(worker_id: str, *, own_worker_id: str | None = None) -> bool:
    """Whether the worker that claimed a task is known to have stopped.

    Only a worker of this host can be known gone: its process has ended, or this process (which
    runs one worker, ``own_worker_id``) holds its process id now. Anything else (another host, an
    id given by hand) is not known gone; its work is recovered after a delay instead.
    """
    parts = worker_id.split(SEPARATOR)
    if len(parts) != 3 or parts[0] != _host() or not parts[1].isdigit():
        return False
    if worker_id == own_worker_id:
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return True
    return _process_ended(pid)
