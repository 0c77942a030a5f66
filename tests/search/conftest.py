from __future__ import annotations

import datetime
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from backend.records.effects import record_changed
from backend.records.models import AgendaItem, Body, Document, Meeting, Person

BACKENDS = [
    "database",
    pytest.param(
        "elasticsearch",
        marks=pytest.mark.skipif(
            not os.environ.get("ELASTICSEARCH_URL"),
            reason="ELASTICSEARCH_URL is not set: no Elasticsearch cluster to test against",
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def search_backend_name(request, settings, db) -> Iterator[str]:
    """Every test using this runs once per available backend, on a fresh index."""
    name = request.param
    if name == "elasticsearch":
        settings.ELASTICSEARCH_URL = os.environ["ELASTICSEARCH_URL"]
        settings.SEARCH = {"BACKEND": name, "INDEX_PREFIX": f"town-test-{uuid.uuid4().hex[:8]}"}
        from backend.search.backends import search_backend

        backend = search_backend()
        backend.index_create_if_missing()
        yield name
        backend.indexes_delete()
    else:
        settings.SEARCH = {"BACKEND": name, "INDEX_PREFIX": "unused"}
        yield name


def index_work_run() -> None:
    """Run the queued index work with the database worker's own code, in queue order.

    The worker's loop closes connections between tasks, which would end the test's transaction
    on PostgreSQL; each task is claimed and run exactly as the loop does.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        result.refresh_from_db()
        assert result.status == "SUCCESSFUL", result.exception_class_path
    from backend.search.backends import search_backend

    refresh = getattr(search_backend(), "refresh", None)
    if refresh is not None:
        refresh()


def changed(*instances: Any) -> None:
    with transaction.atomic():
        for instance in instances:
            record_changed(instance=instance)


_counter = iter(range(1, 1_000_000))


def body_create(name: str = "Town Council", **extra: Any) -> Body:
    number = next(_counter)
    return Body.objects.create(
        name=name, slug=f"body-{number}", classification=Body.Classification.COUNCIL, **extra
    )


def meeting_create(
    body: Body,
    title: str,
    *,
    published: bool = True,
    day: datetime.date = datetime.date(2024, 5, 14),
    **extra: Any,
) -> Meeting:
    starts_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(19, 0)))
    return Meeting.objects.create(
        body=body,
        title=title,
        starts_at=starts_at,
        published_at=timezone.now() if published else None,
        **extra,
    )


def item_create(meeting: Meeting, title: str, description: str = "", **extra: Any) -> AgendaItem:
    return AgendaItem.objects.create(meeting=meeting, title=title, description=description, **extra)


def document_create(meeting: Meeting, title: str, text: str = "", **extra: Any) -> Document:
    return Document.objects.create(
        meeting=meeting,
        title=title,
        file="records/documents/test.pdf",
        size=len(text),
        sha256="0" * 64,
        text=text,
        text_status=Document.TextStatus.EXTRACTED if text else Document.TextStatus.PENDING,
        **extra,
    )


def person_create(name: str, **extra: Any) -> Person:
    return Person.objects.create(name=name, **extra)
