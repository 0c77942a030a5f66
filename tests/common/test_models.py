"""Rows loaded by ``BaseModel.from_db`` are the instances Django's own loading would build."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import models
from django.db.models import Count, F, Value
from django.db.models.functions import Length, Upper
from django.db.models.signals import post_init

from backend.common.models import (
    BaseModel,
    RowDictIterable,
    RowDicts,
    _annotations_plain,
    _loads_plainly,
)
from backend.records.models import AgendaItem, Document, Meeting
from tests.records.factories import document_row, records_world

pytestmark = pytest.mark.django_db


@contextmanager
def django_loading(model: type[models.Model]) -> Iterator[list[Any]]:
    """Load ``model`` through ``Model.__init__``: a ``post_init`` receiver forces that path."""
    seen: list[Any] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=model)
    try:
        yield seen
    finally:
        post_init.disconnect(receiver, sender=model)


def snapshot(instance: models.Model) -> dict[str, Any]:
    row = {key: value for key, value in instance.__dict__.items() if key != "_state"}
    return {
        "class": type(instance),
        "row": row,
        "adding": instance._state.adding,
        "db": instance._state.db,
        "deferred": instance.get_deferred_fields(),
        "cached": dict(instance._state.fields_cache),
    }


def both_ways(load: Any, model: type[models.Model]) -> tuple[list[Any], list[Any]]:
    fast = load()
    with django_loading(model) as seen:
        slow = load()
    assert seen, "the comparison must really go through Model.__init__"
    return fast, slow


def test_every_project_model_loads_plainly() -> None:
    from django.apps import apps

    ours = [model for model in apps.get_models() if issubclass(model, BaseModel)]
    assert AgendaItem in ours and Document in ours
    assert all(_loads_plainly(model) for model in ours)


@pytest.mark.parametrize(
    "load",
    [
        pytest.param(lambda: list(Meeting.objects.order_by("pk")), id="all columns"),
        pytest.param(
            lambda: list(Meeting.objects.only("title", "body_id").order_by("pk")), id="only"
        ),
        pytest.param(
            lambda: list(Meeting.objects.defer("title", "location").order_by("pk")), id="defer"
        ),
        pytest.param(
            lambda: list(Meeting.objects.select_related("body").order_by("pk")),
            id="select_related",
        ),
        pytest.param(
            lambda: list(Meeting.objects.raw("SELECT id, title FROM records_meeting ORDER BY id")),
            id="raw",
        ),
        pytest.param(
            lambda: list(
                Meeting.objects.annotate(items=Count("agenda_items"), shout=Upper("title"))
                .only("title")
                .order_by("pk")
            ),
            id="annotations",
        ),
        pytest.param(
            lambda: list(
                Meeting.objects.select_related("body")
                .annotate(length=Length("title"))
                .order_by("pk")
            ),
            id="annotation and select_related",
        ),
        pytest.param(
            lambda: list(
                Meeting.objects.alias(length=Length("title"))
                .annotate(longer=F("length") + Value(1))
                .order_by("pk")
            ),
            id="alias",
        ),
        pytest.param(
            lambda: list(Meeting.objects.extra(select={"one": "1"}).only("title").order_by("pk")),
            id="extra",
        ),
    ],
)
def test_loaded_rows_equal_djangos(load: Any) -> None:
    records_world()
    fast, slow = both_ways(load, Meeting)
    assert [snapshot(row) for row in fast] == [snapshot(row) for row in slow]
    assert len(fast) == 3


def test_rows_from_a_related_manager_equal_djangos() -> None:
    """A related manager's rows know their parent (``_known_related_objects``)."""
    world = records_world()
    fast, slow = both_ways(lambda: list(world.published.agenda_items.order_by("pk")), AgendaItem)
    assert [snapshot(row) for row in fast] == [snapshot(row) for row in slow]
    assert all(row._state.fields_cache["meeting"] is world.published for row in fast)


def test_an_annotation_named_as_a_class_attribute_is_set_through_it() -> None:
    assert _annotations_plain(Meeting, ("items", "length"))
    assert not _annotations_plain(Meeting, ("is_published",))  # a property
    assert not _annotations_plain(Meeting, ("items", "save"))


def test_related_rows_from_select_related_equal_djangos() -> None:
    records_world()
    fast, slow = both_ways(
        lambda: [meeting.body for meeting in Meeting.objects.select_related("body")],
        Meeting.body.field.related_model,
    )
    assert [snapshot(row) for row in fast] == [snapshot(row) for row in slow]


def test_a_loaded_row_behaves_as_a_model() -> None:
    world = records_world()
    meeting = Meeting.objects.only("title").get(pk=world.published.pk)
    assert meeting.get_deferred_fields() >= {"location", "starts_at"}
    assert meeting.starts_at == world.published.starts_at  # a deferred column loads on access
    meeting.title = "Renamed"
    meeting.save(update_fields=["title"])
    assert Meeting.objects.count() == 3  # an update, not an insert
    assert Meeting.objects.get(pk=meeting.pk).title == "Renamed"
    assert meeting.body == world.council  # a foreign key follows its id column
    item = AgendaItem.objects.get(pk=world.open_item.pk)
    item.meeting_id = world.cancelled.pk
    assert item.meeting == world.cancelled


def test_file_columns_load_as_files() -> None:
    world = records_world()
    document = document_row(world.published)
    loaded = Document.objects.get(pk=document.pk)
    assert loaded.file.name == document.file.name
    assert loaded.file.instance is loaded


def test_a_model_with_an_init_receiver_loads_through_django() -> None:
    records_world()
    with django_loading(Meeting) as seen:
        meetings = list(Meeting.objects.all())
    assert seen == meetings


def test_rows_read_as_dicts_hold_what_a_model_row_holds() -> None:
    world = records_world()
    items = AgendaItem.objects.annotate(length=Length("title")).only("title", "meeting_id")
    rows = list(items.order_by("pk"))
    dicts = list(items.row_dicts().order_by("pk"))
    assert dicts == [{k: v for k, v in row.__dict__.items() if k != "_state"} for row in rows]
    assert "length" in dicts[0]
    # Built back into a model instance: the row Django would have loaded, its parent attached.
    parent = world.published
    related = RowDicts(AgendaItem, "default", "meeting", parent)
    related.extend(dicts)
    built = related.instances()
    for instance, row in zip(built, rows, strict=True):
        expected = snapshot(row)
        expected["cached"] = {"meeting": parent}
        assert snapshot(instance) == expected


@pytest.mark.parametrize(
    "load",
    [
        pytest.param(lambda: Meeting.objects.select_related("body").row_dicts(), id="joined"),
        pytest.param(lambda: Meeting.objects.extra(select={"one": "1"}).row_dicts(), id="extra"),
    ],
)
def test_rows_that_need_more_than_a_dict_are_model_instances(load: Any) -> None:
    records_world()
    queryset = load()
    assert queryset._iterable_class is RowDictIterable
    rows = list(queryset.order_by("pk"))
    assert rows and all(isinstance(row, Meeting) for row in rows)
