"""A worker's id tells whether it is gone: its host, its process, a random part."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from backend.worker.liveness import worker_id_new, worker_is_gone


def test_a_worker_of_this_host_whose_process_ended_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker_id = f"{socket.gethostname()[:40]}:{child.pid}:abcdefabcdef"
    assert not worker_is_gone(worker_id)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert worker_is_gone(worker_id)


def test_a_killed_worker_not_yet_reaped_by_its_parent_is_gone() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker_id = f"{socket.gethostname()[:40]}:{child.pid}:abcdefabcdef"
    child.send_signal(signal.SIGKILL)
    try:
        # A zombie until waited for: its pid still exists, it runs nothing.
        for _ in range(500):
            if worker_is_gone(worker_id):
                break
            time.sleep(0.01)
        assert worker_is_gone(worker_id)
    finally:
        child.wait(timeout=10)


def test_this_worker_is_alive_and_an_earlier_one_with_its_process_id_is_gone() -> None:
    own = worker_id_new()
    assert own.split(":")[1] == str(os.getpid())
    assert len(own) <= 64
    assert not worker_is_gone(own, own_worker_id=own)
    earlier = own.rsplit(":", 1)[0] + ":earlierworker"
    assert worker_is_gone(earlier, own_worker_id=own)


def test_workers_of_other_hosts_and_ids_given_by_hand_are_never_known_gone() -> None:
    assert not worker_is_gone("another-host:1:abcdefabcdef")
    assert not worker_is_gone("a-worker-named-by-hand")
    assert not worker_is_gone("")
