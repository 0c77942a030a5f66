"""The records a search hit carries, as one union (``SearchRecord = Meeting | AgendaItem | ...``).

The search app knows every searchable kind but no domain: each domain registers its kinds with
it (``backend.search.registry.SearchKind``), saying how a kind's hits load (``visible_to``, from
the domain's own selectors, so a hit carries only what its viewer may see) and which GraphQL type
represents them (``graphql_type``, a dotted path, so registering imports no GraphQL module).
``SearchHit.record`` refers to ``SearchRecord`` by name, lazily. This module, in the one app
that assembles every app's GraphQL layer, resolves the registered paths into the union when the
schema is built. A new domain's kind joins the union by registering; nothing here changes.
"""

from __future__ import annotations

import functools
import operator
from typing import Annotated

import strawberry
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from backend.search.registry import kinds_all


def record_types() -> tuple[type, ...]:
    """The GraphQL types the searchable kinds name, in their order of registration."""
    types: dict[type, None] = {}
    for kind in kinds_all():
        if not kind.graphql_type:
            continue
        if kind.visible_to is None:
            raise ImproperlyConfigured(
                f"Searchable kind {kind.name!r} names a GraphQL type but not how its records "
                "load (visible_to)."
            )
        types[import_string(kind.graphql_type)] = None
    if not types:
        raise ImproperlyConfigured(
            "No searchable kind names a GraphQL type: the schema was built before the apps "
            "registered their kinds."
        )
    return tuple(types)


SearchRecord = Annotated[
    functools.reduce(operator.or_, record_types()),
    strawberry.union(
        "SearchRecord",
        description="A record a search found: a meeting, agenda item, document, body or person.",
    ),
]
