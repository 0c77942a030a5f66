"""A search counts its matches on a second connection while the page is ranked.

Outside a transaction the counts are made on another thread's connection, which is closed when
they are done; inside one (whose writes another connection would not see) they are made in
place. Both give the same page.
"""

from __future__ import annotations

import datetime
import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from backend.search.backends import database
from backend.search.backends.base import SearchFilters
from backend.search.selectors import search_run
from tests.search.conftest import (
    body_create,
    changed,
    document_create,
    index_work_run,
    item_create,
    meeting_create,
)


def _counted_here(queries: CaptureQueriesContext) -> bool:
    return any("GROUP BY" in query["sql"] for query in queries)


def _summary(page) -> tuple:
    return (
        page.total,
        [hit.title for hit in page.hits],
        sorted((count.value, count.count) for count in page.by_kind),
        sorted((count.label, count.count) for count in page.by_body),
        sorted((count.value, count.count) for count in page.by_year),
    )


@pytest.mark.django_db(transaction=True)
def test_counts_are_made_beside_the_page_and_agree_with_counts_made_in_place(
    settings, monkeypatch
) -> None:
    settings.SEARCH = {"BACKEND": "database", "INDEX_PREFIX": "unused"}
    council = body_create("Town Council")
    old = meeting_create(council, "Harbour budget", day=datetime.date(2022, 3, 1))
    new = meeting_create(council, "Harbour trails", day=datetime.date(2024, 6, 2))
    item_create(old, "Harbour dredging", "Dredging the harbour channel.")
    item_create(new, "Closed harbour lease", "harbour lease terms", is_closed_session=True)
    document_create(new, "Harbour study", "The harbour study.")
    changed(old, new, council)
    index_work_run()
    viewer = AnonymousUser()
    closed_on: list[int] = []
    wrapper_class = type(connections["default"])
    close = wrapper_class.close

    def recorded_close(wrapper) -> None:
        closed_on.append(threading.get_ident())
        close(wrapper)

    monkeypatch.setattr(wrapper_class, "close", recorded_close)

    with CaptureQueriesContext(connection) as beside:
        page = search_run(viewer=viewer, text="harbour", filters=SearchFilters(), limit=2)
    with transaction.atomic(), CaptureQueriesContext(connection) as in_place:
        same = search_run(viewer=viewer, text="harbour", filters=SearchFilters(), limit=2)

    assert not _counted_here(beside)
    assert _counted_here(in_place)
    assert page.total == 4
    assert _summary(page) == _summary(same)
    # The other thread's connection was closed once its counts were made (Django keeps an
    # in-memory database open, as it must, but the close is asked for all the same).
    assert [thread for thread in closed_on if thread != threading.get_ident()] != []


@pytest.mark.django_db(transaction=True)
def test_a_failure_beside_is_raised_to_the_caller() -> None:
    def broken(cursor) -> None:
        cursor.execute("SELECT * FROM no_such_table")

    result = database._beside(broken)
    with pytest.raises(Exception, match="no_such_table"):
        result()
