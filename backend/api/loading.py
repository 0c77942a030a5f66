"""Loading a query's rows by a plan worked out once per document.

strawberry-django's optimizer walks a field's selection on every request to decide which columns
to load, which relations to join and which to prefetch, and Django's prefetch then builds a
related manager and a filtered queryset for every row it fills. For a selection made only of
what the executor completes straight from the rows (columns, ids, resolvers that declare the
columns they read, relations without arguments), this module works out the same loading once
per document and applies it on each request:

- the columns each level needs (``only``), including the keys that tie the levels together;
- the to-one relations joined in the same query (``select_related``), when the related type has
  no visibility rules of its own;
- the reverse foreign keys, loaded after the rows in one query per relation, through the related
  type's ``get_queryset`` (its visibility rules, for this viewer, on every request), grouped by
  row into plain lists the executor reads; where the executor reads every selected field of the
  related rows from the row itself, with nothing below them, the related rows are plain dicts
  (``LoadPlan.rows``, ``RowDicts``), made model instances only where something needs one.

Anything else (arguments below the root, fragments on other types, directives, a field the
executor does not complete itself, an asynchronous execution such as a subscription) is left to
the optimizer, which is always right and only slower. A row's loaded lists are dropped with its
prefetched relations when the request's ``prefetched_released`` scope ends.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationType,
)
from strawberry import relay
from strawberry.types import Info
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.queryset import get_queryset_config, run_type_get_queryset

from backend.common.graphql import django_model
from backend.common.models import (
    LOADED_RELATIONS,
    QuerySet,
    RowDictIterable,
    RowDicts,
    loaded_rows_record,
)

PLAN_CACHE_SIZE = 512

# Set by the executor while it runs an operation synchronously (the HTTP view), where it
# completes loaded relations itself; an asynchronous execution reads relations through their
# fields, which find only what the optimizer prefetched.
synchronous_execution: ContextVar[bool] = ContextVar("synchronous_execution", default=False)

# Off only to compare the two ways of loading (tests); the optimizer then does all the work.
planning_enabled: ContextVar[bool] = ContextVar("planning_enabled", default=True)


@dataclass(frozen=True, slots=True)
class _Many:
    """A reverse foreign key, loaded for every row of a batch in one query."""

    name: str  # the relation's name on the parent row
    model: type[models.Model]
    origin: type  # the related strawberry type, whose get_queryset applies
    field: Any  # the related type's strawberry field on the parent, for ``info``
    key_name: str  # the foreign key on the related rows
    key_attname: str  # its column
    target_attname: str  # the parent's column it points to
    back_cache_name: str  # where Django caches the parent on a related row
    plan: LoadPlan


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """What to load for a selection on a model type."""

    model: type[models.Model]
    only: tuple[str, ...]
    select_related: tuple[str, ...]
    many: tuple[_Many, ...]
    # Whether a connection over the rows counts its total in the page's query (as it does for
    # what the optimizer optimized) or pages back from the end (``last``); else it need not
    # look at its selection for that.
    counted: bool = True
    # Whether the executor reads every field of the selection from the row itself (columns,
    # ids, resolvers that declare what they answer from it: see ``Withheld``), with nothing
    # joined or loaded below: rows loaded for a parent's relation are then plain dicts
    # (``RowDicts``), not model instances.
    rows: bool = False

    def apply(self, queryset: models.QuerySet, info: Any) -> models.QuerySet:
        queryset = queryset.only(*self.only)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.many:
            # ``only`` gave a queryset of its own to mark; its clones carry the plan.
            queryset._planned_loads = (self, _raw(info))
        if self.counted:
            # As the optimizer marks what it optimized: a connection then counts its total in
            # the same query as its page.
            get_queryset_config(queryset).optimized = True
        return queryset

    def load(self, rows: list[models.Model], raw_info: Any) -> None:
        """Load this level's reverse foreign keys for ``rows``, each in one query."""
        for many in self.many:
            target = many.target_attname
            # The row each related row points to (the last, should two rows share a key).
            parents = {row.__dict__[target]: row for row in rows}
            parents.pop(None, None)
            groups: dict[Any, list[Any]] = {}
            if parents:
                related = run_type_get_queryset(
                    QuerySet(model=many.model, using=rows[0]._state.db),
                    many.origin,
                    Info(_raw_info=raw_info, _field=many.field),
                )
                related = many.plan.apply(
                    _within_parent_order(
                        related.filter(**{f"{many.key_attname}__in": parents.keys()}),
                        (many.key_name, many.key_attname),
                    ),
                    raw_info,
                )
                if many.plan.rows:
                    # ``row_dicts()`` without its clone: the queryset was made here, for this.
                    related._iterable_class = RowDictIterable
                groups = _grouped(list(related), parents, many)
            for row in rows:
                key = row.__dict__[target]
                row.__dict__.setdefault(LOADED_RELATIONS, {})[many.name] = (
                    groups[key] if key is not None else []
                )
        loaded_rows_record(rows)


def _grouped(loaded: list[Any], parents: dict[Any, Any], many: _Many) -> dict[Any, list[Any]]:
    """The related rows by the key of their parent: dicts in a ``RowDicts`` each, or model
    instances, each attached to its parent as Django's prefetch attaches it."""
    key_attname, back = many.key_attname, many.back_cache_name
    if loaded and type(loaded[0]) is dict:
        db = next(iter(parents.values()))._state.db
        groups = {key: RowDicts(many.model, db, back, parent) for key, parent in parents.items()}
        for item in loaded:
            groups[item[key_attname]].append(item)
        return groups
    groups = {key: [] for key in parents}
    for item in loaded:
        key = item.__dict__[key_attname]
        item._state.fields_cache[back] = parents[key]
        groups[key].append(item)
    return groups


def _within_parent_order(queryset: models.QuerySet, key: tuple[str, str]) -> models.QuerySet:
    """The related rows in the order they have within each parent row.

    Ordering terms on the foreign key itself (a model ordered by its parent first, say) are the
    same for all the rows of one parent, so they change nothing in the lists handed out; they
    only cost a join to the parent and the parent's own ordering. Expressions and random
    ordering are left as they are.
    """
    query = queryset.query
    if query.extra_order_by:
        return queryset
    ordering = query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
    kept = []
    for term in ordering:
        if not isinstance(term, str) or term == "?":
            return queryset
        name = term.removeprefix("-")
        if name in key or name.startswith(f"{key[0]}__"):
            continue
        kept.append(term)
    if len(kept) == len(ordering):
        return queryset
    return queryset.order_by(*(kept or ["pk"]))


def _raw(info: Any) -> Any:
    return getattr(info, "_raw_info", info)


def _named(output_type: Any) -> Any:
    while isinstance(output_type, GraphQLNonNull | GraphQLList):
        output_type = output_type.of_type
    return output_type


def _origin(graphql_type: Any) -> Any:
    definition = graphql_type.extensions.get("strawberry-definition")
    return getattr(definition, "origin", None)


def _fields(
    selection_sets: Iterable[Any], type_name: str, fragments: dict[str, Any]
) -> list[FieldNode] | None:
    """The fields selected on ``type_name``, through fragments on that type; None if any
    selection has a directive or a fragment on another type (the optimizer handles those)."""
    found: list[FieldNode] = []
    pending = [selection for selection_set in selection_sets for selection in selection_set]
    while pending:
        selection = pending.pop()
        if selection.directives:
            return None
        if isinstance(selection, FieldNode):
            found.append(selection)
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None or fragment.directives:
                return None
            condition = fragment.type_condition
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            fragment = selection
        else:
            return None
        if condition is not None and condition.name.value != type_name:
            return None
        pending.extend(fragment.selection_set.selections)
    return found


def _computed_columns(field: Any, model: type[models.Model]) -> tuple[str, ...] | None:
    """The columns a resolver declares it reads; None when it declares anything else."""
    store = field.store
    if store.select_related or store.prefetch_related or store.annotate:
        return None
    columns = []
    for name in store.only:
        if "__" in name:
            return None
        try:
            columns.append(model._meta.get_field(name).attname)
        except FieldDoesNotExist:
            return None
    return tuple(columns)


class _Planner:
    """Works out a selection's plan level by level; None wherever the optimizer must decide."""

    def __init__(self, fragments: dict[str, Any]) -> None:
        self.fragments = fragments

    def plan(self, graphql_type: GraphQLObjectType, selection_sets: list[Any]) -> LoadPlan | None:
        from backend.api.execution import _PLANS, _Column, _Computed, _NodeId, _Related

        model = django_model(_origin(graphql_type))
        fields = _fields(selection_sets, graphql_type.name, self.fragments)
        if model is None or fields is None:
            return None
        only = {model._meta.pk.attname}
        select_related: list[str] = []
        many: dict[str, tuple[Any, Any, list[Any]]] = {}
        to_one: dict[str, tuple[Any, Any, list[Any]]] = {}
        # Whether every field is read from the row (see ``LoadPlan.rows``).
        rows = True
        for node in fields:
            name = node.name.value
            if name == "__typename":
                rows = False
                continue
            step = _PLANS.get((graphql_type.name, name))
            if node.arguments or step is None:
                return None
            if isinstance(step, _Column | _NodeId):
                only.add(step.attname)
            elif isinstance(step, _Computed):
                columns = _computed_columns(step.field, model)
                if columns is None:
                    return None
                only.update(columns)
                rows = rows and step.withheld is not None
            elif isinstance(step, _Related) and node.selection_set is not None:
                rows = False
                groups = many if step.objects.many else to_one
                entry = groups.setdefault(step.cache_name, (step, graphql_type.fields[name], []))
                entry[2].append(node.selection_set.selections)
            else:
                return None
        for name, (step, graphql_field, selection_sets_below) in to_one.items():
            related_type = step.objects.object_type
            # A related type with visibility rules of its own is prefetched through them.
            if getattr(_origin(related_type), "get_queryset", None) is not None:
                return None
            below = self.plan(related_type, selection_sets_below)
            if below is None or below.many:
                return None
            model_field = model._meta.get_field(_model_field_name(graphql_field, name))
            only.add(model_field.attname)
            select_related.append(name)
            select_related.extend(f"{name}__{path}" for path in below.select_related)
            only.update(f"{name}__{column}" for column in below.only)
        loads = []
        for name, (step, graphql_field, selection_sets_below) in many.items():
            below = self.plan(step.objects.object_type, selection_sets_below)
            if below is None:
                return None
            relation = model._meta.get_field(_model_field_name(graphql_field, name))
            # Related rows are read as the optimizer reads them, from the plain base manager;
            # a model that names a base manager of its own is left to the optimizer.
            if relation.related_model._meta.base_manager_name:
                return None
            foreign_key = relation.field
            target_attname = foreign_key.target_field.attname
            only.add(target_attname)
            loads.append(
                _Many(
                    name=name,
                    model=relation.related_model,
                    origin=_origin(step.objects.object_type),
                    field=graphql_field.extensions["strawberry-definition"],
                    key_name=foreign_key.name,
                    key_attname=foreign_key.attname,
                    target_attname=target_attname,
                    back_cache_name=foreign_key.cache_name,
                    plan=LoadPlan(
                        model=below.model,
                        only=tuple(sorted({*below.only, foreign_key.attname})),
                        select_related=below.select_related,
                        many=below.many,
                        rows=below.rows,
                    ),
                )
            )
        return LoadPlan(
            model=model,
            only=tuple(sorted(only)),
            select_related=tuple(select_related),
            many=tuple(loads),
            rows=rows and not select_related and not loads,
        )


def _model_field_name(graphql_field: Any, cache_name: str) -> str:
    field = graphql_field.extensions.get("strawberry-definition")
    if isinstance(field, StrawberryDjangoField):
        return field.django_name or field.python_name
    return cache_name


# (ids of the root field's nodes, its parent type) -> (the nodes, the plan or None)
_plans: dict[tuple[Any, ...], tuple[tuple[FieldNode, ...], LoadPlan | None]] = {}


def load_plan(queryset: models.QuerySet, info: Any) -> LoadPlan | None:
    """The plan for the field being resolved, when its whole selection can be planned."""
    raw = _raw(info)
    if (
        not synchronous_execution.get()
        or not planning_enabled.get()
        or raw.operation.operation != OperationType.QUERY
        or not isinstance(queryset, QuerySet)
    ):
        return None
    nodes = tuple(raw.field_nodes)
    key = (*map(id, nodes), raw.parent_type.name)
    cached = _plans.get(key)
    # The nodes are kept with their plan, so their ids cannot be reused by another document.
    if cached is not None and cached[0] == nodes:
        plan = cached[1]
    else:
        plan = _root_plan(raw, nodes)
        if len(_plans) >= PLAN_CACHE_SIZE:
            _plans.clear()
        _plans[key] = (nodes, plan)
    if plan is None or plan.model is not queryset.model:
        return None
    return plan


def _root_plan(raw: Any, nodes: tuple[FieldNode, ...]) -> LoadPlan | None:
    planner = _Planner(raw.fragments)
    named = _named(raw.return_type)
    origin = _origin(named)
    selection_sets = [node.selection_set.selections for node in nodes if node.selection_set]
    if not (isinstance(origin, type) and issubclass(origin, relay.Connection)):
        return planner.plan(named, selection_sets) if isinstance(named, GraphQLObjectType) else None
    # A connection: its rows are the edges' nodes; the rest (cursors, page info, the total)
    # is the connection's own work.
    edge_type = _named(named.fields["edges"].type)
    node_type = _named(edge_type.fields["node"].type)
    node_selections: list[Any] = []
    connection_fields = _fields(selection_sets, named.name, raw.fragments)
    if connection_fields is None:
        return None
    counted = any(
        argument.name.value == "last" for node in nodes for argument in node.arguments or ()
    )
    for node in connection_fields:
        name = node.name.value
        if node.arguments:
            return None
        if name != "edges":
            if name not in ("pageInfo", "totalCount", "__typename"):
                return None
            counted = counted or name == "totalCount"
            continue
        edge_fields = _fields([node.selection_set.selections], edge_type.name, raw.fragments)
        if edge_fields is None:
            return None
        for edge_field in edge_fields:
            if edge_field.arguments:
                return None
            if edge_field.name.value == "node":
                node_selections.append(edge_field.selection_set.selections)
            elif edge_field.name.value not in ("cursor", "__typename"):
                return None
    plan = planner.plan(node_type, node_selections)
    return None if plan is None else dataclasses.replace(plan, counted=counted)
