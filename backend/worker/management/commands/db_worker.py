"""django-tasks-db's worker, which also hands back to the queue what a killed worker left undone.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again: a
worker killed mid-task (SIGKILL, out of memory, a lost machine) leaves it RUNNING for ever. This
worker names itself ``host:pid:random`` and, when it starts and then every quarter of
``NOTIFICATIONS_FAN_OUT_RETRY_SECONDS``, queues again the unfinished notification fan-outs (work
that is safe to run twice): at once when the worker that held one is known gone, otherwise once
it has been unfinished for that long.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from backend.worker.liveness import worker_id_new, worker_is_gone

logger = logging.getLogger("backend.worker")


def unfinished_work_recover(*, own_worker_id: str | None) -> int:
    """Queue again the unfinished work that is safe to run twice; returns how much."""
    from backend.notifications.actions import notifications_fan_out_recover

    try:
        count = notifications_fan_out_recover(
            worker_is_gone=lambda worker_id: worker_is_gone(worker_id, own_worker_id=own_worker_id)
        )
    except Exception:
        logger.exception("recovering unfinished work failed; trying again later")
        return 0
    finally:
        connection.close()
    if count:
        logger.warning("queued %d unfinished notification fan-out(s) again", count)
    return count


def _recover_periodically(own_worker_id: str, every: float) -> None:
    while True:
        time.sleep(every)
        unfinished_work_recover(own_worker_id=own_worker_id)


class Command(DatabaseWorkerCommand):
    help = (
        "Run the database task worker; it also queues again the notification fan-outs a killed "
        "worker left unfinished."
    )

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=worker_id_new())

    def handle(self, *args: Any, **options: Any) -> None:
        reloading = options.get("reload") and not options.get("batch")
        # With autoreload the worker runs in a child process; only that one recovers.
        if not reloading or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            own_worker_id = options["worker_id"]
            unfinished_work_recover(own_worker_id=own_worker_id)
            every = max(1.0, settings.NOTIFICATIONS_FAN_OUT_RETRY_SECONDS / 4)
            threading.Thread(
                target=_recover_periodically,
                args=(own_worker_id, every),
                name="unfinished-work-recovery",
                daemon=True,
            ).start()
        super().handle(*args, **options)
