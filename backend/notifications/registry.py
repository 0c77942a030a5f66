"""What can be followed: each domain registers its followable models and who may follow them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet


@dataclass(frozen=True)
class Followable:
    model: type[models.Model]
    type_name: str  # the GraphQL type name used in global IDs
    visible_to: Callable[[Any], QuerySet]  # user -> queryset of objects the user may follow


_FOLLOWABLES: dict[str, Followable] = {}


def followable_register(*, model: type[models.Model], type_name: str, visible_to: Callable) -> None:
    _FOLLOWABLES[type_name] = Followable(model=model, type_name=type_name, visible_to=visible_to)


def followable_by_type_name(type_name: str) -> Followable | None:
    return _FOLLOWABLES.get(type_name)


def followable_by_model(model: type[models.Model]) -> Followable | None:
    for followable in _FOLLOWABLES.values():
        if followable.model is model:
            return followable
    return None
