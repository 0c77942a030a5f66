"""Keeping the index true: ordering by version, tombstones, rebuild and drift check."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from backend.records.models import Meeting
from backend.search.actions import search_entry_refresh
from backend.search.backends import search_backend
from backend.search.backends.base import SearchFilters
from backend.search.registry import DELETED_VERSION, Audience, IndexEntry
from backend.search.selectors import search_run
from tests.search.conftest import body_create, changed, index_work_run, item_create, meeting_create


def titles(text: str) -> list[str]:
    page = search_run(viewer=AnonymousUser(), text=text, filters=SearchFilters())
    return [hit.title for hit in page.hits]


def test_an_older_version_never_overwrites_a_newer_one(search_backend_name):
    backend = search_backend()
    newer = IndexEntry(kind="meeting", object_id="1", version=5, title="Orchard renewal")
    older = IndexEntry(kind="meeting", object_id="1", version=4, title="Orchard removal")
    backend.entries_apply(entries=[newer])
    backend.entries_apply(entries=[older])
    _refresh(backend)

    assert titles("orchard") == ["Orchard renewal"]
    assert backend.versions(kind="meeting")["1"].version == 5


def test_a_replayed_task_after_unpublishing_cannot_resurrect_the_meeting(search_backend_name):
    meeting = meeting_create(body_create(), "Cemetery expansion")
    changed(meeting)
    stale = search_backend()
    index_work_run()
    published = Meeting.objects.get(pk=meeting.pk)
    published_entry_version = published.revision

    Meeting.objects.filter(pk=meeting.pk).update(published_at=None, revision=1)
    changed(published)
    index_work_run()
    # A worker that read the published state before the unpublish writes it late.
    from backend.records.search import meeting_entry

    stale.entries_apply(entries=[meeting_entry(published)])
    _refresh(stale)

    assert published_entry_version == 0
    assert titles("cemetery") == []


def test_a_deleted_object_leaves_a_tombstone_that_replays_cannot_pass(search_backend_name):
    meeting = meeting_create(body_create(), "Arena roof")
    item = item_create(meeting, "Arena roof tender")
    changed(meeting)
    index_work_run()
    item_id = str(item.pk)
    changed(item)
    item.delete()
    index_work_run()

    stored = search_backend().versions(kind="agenda_item")[item_id]
    assert (stored.audience, stored.version) == (Audience.HIDDEN, DELETED_VERSION)
    search_entry_refresh(kind="agenda_item", object_id=item_id)
    _refresh(search_backend())
    assert titles("tender") == []


def test_check_reports_drift_and_reindex_repairs_it(search_backend_name):
    meeting = meeting_create(body_create("Water Board"), "Water rates")
    Meeting.objects.filter(pk=meeting.pk).update(revision=3)

    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("search_check", stdout=out)
    assert exit_info.value.code == 1
    assert f"meeting:{meeting.pk}: missing from the index" in out.getvalue()

    out = io.StringIO()
    call_command("search_reindex", stdout=out)
    assert "Indexed 2 entries" in out.getvalue()
    assert "2/2" in out.getvalue()
    _refresh(search_backend())

    out = io.StringIO()
    call_command("search_check", stdout=out)
    assert "matches the database" in out.getvalue()
    assert titles("water rates") == ["Water rates"]


def test_reindex_of_one_kind_tombstones_what_is_gone(search_backend_name):
    meeting = meeting_create(body_create(), "Library hours")
    changed(meeting)
    index_work_run()
    Meeting.objects.filter(pk=meeting.pk).delete()

    call_command("search_reindex", kind=["meeting"], stdout=io.StringIO())
    _refresh(search_backend())

    assert titles("library") == []
    assert search_backend().versions(kind="meeting")[str(meeting.pk)].audience == Audience.HIDDEN


def _refresh(backend) -> None:
    refresh = getattr(backend, "refresh", None)
    if refresh is not None:
        refresh()
