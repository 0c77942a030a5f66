"""The base of the project's models: rows loaded from the database without ``Model.__init__``."""

from __future__ import annotations

import functools
from typing import Any, Self

from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
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


class BaseModel(models.Model):
    """A model whose rows are built from the database directly, as Django's docs allow.

    ``Model.from_db`` calls ``__init__``, which walks every field, fills deferred ones with a
    marker, and sends ``pre_init``/``post_init``. For a page of a few hundred rows that walk is
    a sizeable share of a request. A row read here gets the same ``__dict__`` and ``_state`` as
    Django would give it; with a receiver of either signal, or a model or field that customises
    construction, loading goes through Django's own path.
    """

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: list[str], values: Any) -> Self:
        if (
            (pre_init.receivers or post_init.receivers)
            and (pre_init.has_listeners(cls) or post_init.has_listeners(cls))
        ) or not _loads_plainly(cls):
            return super().from_db(db, field_names, values)
        instance = cls.__new__(cls)
        # ``field_names`` are the loaded columns' attribute names, in the order of ``values``.
        instance.__dict__.update(zip(field_names, values, strict=True))
        state = ModelState()
        state.adding = False
        state.db = db
        instance._state = state
        return instance
