"""Totals and facets are exact however large a part of the index a search matches.

On SQLite the database backend counts a few matches by looking each one up, and a large share
of the index by walking it in facet order; both ways must give the same counts.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.search.backends import database
from backend.search.backends.base import SearchFilters
from backend.search.selectors import search_run
from tests.conftest import user_create
from tests.search.conftest import (
    body_create,
    changed,
    document_create,
    index_work_run,
    item_create,
    meeting_create,
)

ANONYMOUS = AnonymousUser()


@pytest.fixture(params=["looked up", "index walked"])
def counting(request, monkeypatch, search_backend_name) -> str:
    # Every match is looked up below a share of 2 (more matches than entries cannot be), and
    # the index is walked above a share of 0.
    monkeypatch.setattr(
        database, "FACET_INDEX_WALK_SHARE", 2.0 if request.param == "looked up" else 0.0
    )
    return request.param


def _facets(page) -> dict[str, set[tuple[str, int]]]:
    return {
        "kinds": {(count.value, count.count) for count in page.by_kind},
        "bodies": {(count.label, count.count) for count in page.by_body},
        "years": {(count.value, count.count) for count in page.by_year},
    }


def _assert_counted(queries: CaptureQueriesContext, counting: str) -> None:
    if connection.vendor != "sqlite":
        return
    walked = any("search_entry_facet_groups" in query["sql"] for query in queries)
    assert walked == (counting == "index walked")


def test_counts_leave_out_drafts_and_closed_items_whichever_way_they_are_made(counting):
    council = body_create("Town Council")
    parks = body_create("Parks Board")
    old = meeting_create(council, "Harbour budget", day=datetime.date(2022, 3, 1))
    new = meeting_create(parks, "Harbour trails", day=datetime.date(2024, 6, 2))
    draft = meeting_create(parks, "Harbour draft", published=False, day=datetime.date(2024, 7, 1))
    item_create(old, "Harbour dredging", "Dredging the harbour channel.")
    item_create(new, "Trail lighting", "Lighting along the harbour trail.")
    item_create(new, "Closed harbour lease", "harbour lease terms", is_closed_session=True)
    item_create(draft, "Harbour kiosk", "A kiosk by the harbour.")
    document_create(new, "Harbour study", "The harbour study, with its kiosk options.")
    changed(old, new, draft, council, parks)
    index_work_run()

    with CaptureQueriesContext(connection) as queries:
        page = search_run(viewer=ANONYMOUS, text="harbour", filters=SearchFilters(), limit=2)

    assert page.total == 5
    assert len(page.hits) == 2
    assert _facets(page) == {
        "kinds": {("meeting", 2), ("agenda_item", 2), ("document", 1)},
        "bodies": {("Town Council", 2), ("Parks Board", 3)},
        "years": {("2022", 2), ("2024", 3)},
    }
    _assert_counted(queries, counting)


def test_filters_and_a_clerks_drafts_count_alike_whichever_way(counting):
    council = body_create("Town Council")
    parks = body_create("Parks Board")
    clerk = user_create("clerk@example.org", "clerk", mfa=True)
    parks.clerks.add(clerk)
    published = meeting_create(council, "Ferry schedule", day=datetime.date(2023, 5, 1))
    draft = meeting_create(parks, "Ferry dock", published=False, day=datetime.date(2024, 5, 1))
    item_create(published, "Ferry fares", "Ferry fares for residents.")
    item_create(draft, "Ferry ramp", "The ferry ramp repair.")
    changed(published, draft, council, parks)
    index_work_run()

    with CaptureQueriesContext(connection) as queries:
        everything = search_run(viewer=clerk, text="ferry", filters=SearchFilters())
    recent_items = SearchFilters(kinds=("agenda_item",), date_from=datetime.date(2024, 1, 1))
    dated = search_run(viewer=clerk, text="ferry", filters=recent_items)
    bodies = search_run(viewer=clerk, text="ferry", filters=SearchFilters(body_ids=(parks.pk,)))
    public = search_run(viewer=ANONYMOUS, text="ferry", filters=SearchFilters())

    assert everything.total == 4
    assert _facets(everything)["bodies"] == {("Town Council", 2), ("Parks Board", 2)}
    assert dated.total == 1
    assert _facets(dated) == {
        "kinds": {("agenda_item", 1)},
        "bodies": {("Parks Board", 1)},
        "years": {("2024", 1)},
    }
    assert bodies.total == 2
    assert public.total == 2
    assert _facets(public)["years"] == {("2023", 2)}
    _assert_counted(queries, counting)
