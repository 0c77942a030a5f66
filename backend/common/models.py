"""The base of the project's models: rows loaded from the database without ``Model.__init__``,
and querysets whose prefetched relations a request lets go of when it ends."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Self

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

# Descriptors whose assignment is a plain write of the value into the instance's __dict__.
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)


@functools.cache
def _loads_plainly(model: type[models.Model]) -> bool:
    """Whether ``Model.__init__`` would do nothing for a loaded row but store its values.

    True when the model keeps Django's ``__init__`` and every column's attribute is one of
    Django's own plain descriptors (an ImageField's, say, also updates dimensions: not plain).
    """
    if model.__init__ is not models.Model.__init__:
        return False
    for field in model._meta.concrete_fields:
        descriptor = None
        for klass in model.__mro__:
            if field.attname in klass.__dict__:
                descriptor = klass.__dict__[field.attname]
                break
        if type(descriptor) not in _PLAIN_DESCRIPTORS:
            return False
    return True


# The rows whose relations were prefetched in the current scope, batch by batch; None outside one.
_prefetched_rows: ContextVar[list[list[models.Model]] | None] = ContextVar(
    "prefetched_rows", default=None
)


# Where a row keeps the related rows a load plan fetched for it, by relation name.
LOADED_RELATIONS = "_loaded_relations"


def loaded_rows_record(rows: list[models.Model]) -> None:
    """Have the current ``prefetched_released`` scope release these rows' loaded relations."""
    batches = _prefetched_rows.get()
    if batches is not None and rows:
        batches.append(rows)


def _builds_plainly(model: type[models.Model]) -> bool:
    """Whether ``BaseModel.from_db`` builds this model's rows itself (see there)."""
    return not (
        (pre_init.receivers or post_init.receivers)
        and (pre_init.has_listeners(model) or post_init.has_listeners(model))
    ) and _loads_plainly(model)


@functools.cache
def _annotations_plain(model: type[models.Model], names: tuple[str, ...]) -> bool:
    """Whether setting these annotations on a row is a plain write into its ``__dict__``: no
    class in the model's hierarchy defines an attribute of that name."""
    return not any(name in klass.__dict__ for name in names for klass in model.__mro__)


class RowIterable(ModelIterable):
    """Django's ``ModelIterable``, building the rows of a plain model (``BaseModel.from_db``)
    and their annotations without a call and a loop per row.

    Each row gets the same ``__dict__`` (columns, then annotations) and ``_state`` that
    ``ModelIterable`` gives it through ``from_db`` and ``setattr``; a model, annotation or
    queryset that needs more (signals, custom construction, known related objects, annotations
    out of column order or shadowing an attribute) goes through ``ModelIterable`` itself.
    """

    def __iter__(self) -> Iterator[models.Model]:
        prepared = self._executed()
        if prepared is None:
            yield from super().__iter__()
            return
        compiler, results, names = prepared
        db = compiler.using
        model = compiler.klass_info["model"]
        related_populators = get_related_populators(compiler.klass_info, compiler.select, db)
        new = model.__new__
        for row in compiler.results_iter(results):
            instance = new(model)
            # What ``from_db`` stores, then what ``setattr`` stores for each annotation.
            # The joined relations' columns follow; zip stops before them. (No ``strict=``:
            # zip parses a keyword argument into a dict on every call.)
            instance.__dict__.update(zip(names, row))  # noqa: B905
            state = ModelState()
            state.adding = False
            state.db = db
            # What ``ModelState.fields_cache`` makes on first use: most rows read here get a
            # related row cached (a joined one, or the parent a load plan attaches).
            state.fields_cache = {}
            instance._state = state
            for populator in related_populators:
                populator.populate(row, instance)
            yield instance

    def _executed(self) -> tuple[Any, Any, list[str]] | None:
        """The query run, with the names of a row's first values (its columns, then its
        annotations); None where a row needs more than those (see the class)."""
        queryset = self.queryset
        model = queryset.model
        query = queryset.query
        # Without a chosen order of values or extra columns, a row's values are the model's
        # columns, then its annotations in order (``SQLCompiler.get_select``), then the joined
        # relations' columns.
        if (
            queryset._known_related_objects
            or query.selected is not None
            or query.extra_select
            or not _builds_plainly(model)
            or not _annotations_plain(model, tuple(query.annotation_select))
        ):
            return None
        compiler = query.get_compiler(using=queryset.db)
        results = compiler.execute_sql(chunked_fetch=self.chunked_fetch, chunk_size=self.chunk_size)
        select, klass_info = compiler.select, compiler.klass_info
        names = [select[index][0].target.attname for index in klass_info["select_fields"]]
        names.extend(compiler.annotation_col_map)
        return compiler, results, names


class RowDictIterable(RowIterable):
    """Each row as a plain dict of what ``RowIterable`` would put in its ``__dict__`` (its
    columns and annotations), for a reader that needs nothing more; where a row would need more
    (a joined relation, or anything ``RowIterable`` leaves to Django), its model instance."""

    def __iter__(self) -> Iterator[Any]:
        prepared = None if self.queryset.query.select_related else self._executed()
        if prepared is None:
            yield from RowIterable.__iter__(self)
            return
        compiler, results, names = prepared
        for row in compiler.results_iter(results):
            yield dict(zip(names, row))  # noqa: B905 (see RowIterable)


class RowDicts(list):
    """A parent row's related rows loaded as dicts (``RowDictIterable``), with what their
    model instances need: ``instance`` builds the one ``RowIterable`` would have built."""

    __slots__ = ("back", "db", "model", "parent")

    def __init__(self, model: type[models.Model], db: str, back: str, parent: Any) -> None:
        super().__init__()
        self.model, self.db, self.back, self.parent = model, db, back, parent

    def instance(self, row: dict[str, Any]) -> models.Model:
        """The model instance of ``row``, its parent attached as a load plan attaches it."""
        model = self.model
        instance = model.__new__(model)
        instance.__dict__.update(row)
        state = ModelState()
        state.adding = False
        state.db = self.db
        state.fields_cache = {self.back: self.parent}
        instance._state = state
        return instance

    def instances(self) -> list[models.Model]:
        return [self.instance(row) for row in self]


class QuerySet(models.QuerySet):
    """Records, within ``prefetched_released``, the rows it prefetched relations for; runs the
    load plan it was given (``backend.api.loading``) once its rows are fetched. Its rows are
    built by ``RowIterable``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._iterable_class = RowIterable

    # (the plan, the resolve info it runs with) or None
    _planned_loads: tuple[Any, Any] | None = None
    # (start, stop, kept): of the rows [start:stop], the plan loads for the first ``kept`` only
    _page_kept: tuple[int, int, int] | None = None

    def _clone(self) -> Self:
        clone = super()._clone()
        clone._planned_loads = self._planned_loads
        clone._page_kept = self._page_kept
        return clone

    @property
    def planned(self) -> bool:
        """Whether a load plan loads relations for the rows once they are fetched."""
        return self._planned_loads is not None

    def row_dicts(self) -> Self:
        """This queryset, whose rows are plain dicts where they can be (``RowDictIterable``)."""
        clone = self._chain()
        clone._iterable_class = RowDictIterable
        return clone

    def page_kept(self, start: int, stop: int, kept: int) -> Self:
        """This queryset, whose slice ``[start:stop]`` is a page that returns only its first
        ``kept`` rows: a connection fetches one row more, to tell whether another page follows,
        and the load plan has no relations to load for it."""
        clone = self._chain()
        clone._page_kept = (start, stop, kept)
        return clone

    def _fetch_all(self) -> None:
        loads = self._planned_loads
        fetching = self._result_cache is None and self._iterable_class is RowIterable
        super()._fetch_all()
        if loads is not None and fetching and self._result_cache:
            plan, info = loads
            rows = self._result_cache
            page = self._page_kept
            if page is not None and (self.query.low_mark, self.query.high_mark) == page[:2]:
                rows = rows[: page[2]]
            if rows:
                plan.load(rows, info)

    def _prefetch_related_objects(self) -> None:
        super()._prefetch_related_objects()
        loaded_rows_record(self._result_cache)


@contextmanager
def prefetched_released() -> Iterator[Callable[[], None]]:
    """Drop, when the scope ends, the relations prefetched (or loaded by a load plan) for the
    rows loaded in it. The scope gives a function that drops them at once, for what was loaded
    so far: a scope that outlives one result (a subscription's) lets go of each in turn.

    A prefetch ties each row to its related rows and each of them back to it (Django caches
    the reverse relation on the related rows, and the row's related queryset knows the row).
    Those cycles outlive the request: its rows, their related rows and the querysets holding
    them, about a thousand objects for a page of meetings with their agenda items, wait for the
    garbage collector instead of being freed when the response is sent, and the collector's
    passes over them cost more than the rest of the request's memory management. Dropping the
    cache breaks the cycles; a row used again afterwards fetches its relations anew.
    """
    batches: list[list[models.Model]] = []

    def release() -> None:
        # The list is shared with the threads the scope's work ran on; it is emptied in place.
        while batches:
            _release(batches.pop())

    token = _prefetched_rows.set(batches)
    try:
        yield release
    finally:
        _prefetched_rows.reset(token)
        release()


def _release(rows: Iterable[Any]) -> None:
    """Drop the rows' prefetched and loaded relations, and the prefetched relations of the
    prefetched rows in turn.

    Django's nested prefetches (``a__b``) fill the related rows' caches without the queryset
    of those rows knowing it, so they are followed down. Rows a load plan loaded are not: each
    level it loads relations for records its own rows (``LoadPlan.load``), and any other
    prefetch on them was recorded by the queryset that made it.
    """
    for row in rows:
        attributes = getattr(row, "__dict__", None)
        if not attributes:
            continue
        if "_prefetched_objects_cache" in attributes:
            for related in (attributes.pop("_prefetched_objects_cache") or {}).values():
                if getattr(related, "_result_cache", None):
                    _release(related._result_cache)
        attributes.pop(LOADED_RELATIONS, None)


class BaseModel(models.Model):
    """A model whose rows are built from the database directly, as Django's docs allow.

    ``Model.from_db`` calls ``__init__``, which walks every field, fills deferred ones with a
    marker, and sends ``pre_init``/``post_init``. For a page of a few hundred rows that walk is
    a sizeable share of a request. A row read here gets the same ``__dict__`` and ``_state`` as
    Django would give it; with a receiver of either signal, or a model or field that customises
    construction, loading goes through Django's own path.
    """

    objects = models.Manager.from_queryset(QuerySet)()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: list[str], values: Any) -> Self:
        if not _builds_plainly(cls):
            return super().from_db(db, field_names, values)
        instance = cls.__new__(cls)
        # ``field_names`` are the loaded columns' attribute names, in the order of ``values``.
        if len(field_names) != len(values):
            msg = f"{len(values)} values for {len(field_names)} columns of {cls.__name__}"
            raise ValueError(msg)
        # zip's ``strict=`` would be parsed into a dict on every call.
        instance.__dict__.update(zip(field_names, values))  # noqa: B905
        state = ModelState()
        state.adding = False
        state.db = db
        instance._state = state
        return instance
