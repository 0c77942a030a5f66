"""How the schema executes: its extensions, and the work settled once when the schema is built.

Three things keep a request's cost close to that of a hand-written view:

- The query limits are validation rules built once per limit value, so the validation cache
  (keyed by the rules) hits across requests instead of validating every document again.
- The Django optimizer runs without its per-field hook: every list and connection in this schema
  goes through strawberry-django's own fields, which already apply it to their querysets, so the
  hook (a middleware wrapped around each of the hundreds of fields of a page) adds only cost.
- Plain model columns (a title, a date, a status) are read straight from the loaded row by the
  executor, without a resolver call or a resolve-info object each, and each model Node's id
  attribute is settled once instead of on every ``id``. The plain objects around them (a
  connection's edges, a search hit, a payload) are read the same way, attribute by attribute,
  where strawberry itself would only have read the attribute. Anything else (a resolver, a
  permission, an argument, a deferred column, a null where the type forbids one, a value not
  of the type's class) takes the standard path. How each field of a selection is produced is
  worked out once per execution and shared by every object the selection is read on.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.files import FileField
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.optimizer import DjangoOptimizerExtension, is_optimized_by_prefetching
from strawberry_django.relay import resolve_model_id_attr
from strawberry_django.relay.utils import resolve_model_id

from backend.api.delegation import ScopeGuard

CACHE_SIZE = 512


class QueryOptimizer(DjangoOptimizerExtension):
    """strawberry-django's optimizer, applied by its fields to their querysets only."""

    resolve = SchemaExtension.resolve


@functools.cache
def _limit_rules(max_depth: int, max_aliases: int) -> tuple[Any, ...]:
    return (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    )


def _query_limits() -> AddValidationRules:
    return AddValidationRules(
        list(_limit_rules(settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_ALIASES))
    )


def should_mask_error(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; keep the errors a client can act on (syntax, validation)."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def build_extensions() -> list[Callable[[], SchemaExtension] | type[SchemaExtension]]:
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        _query_limits,
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        # After the validation cache: what a third-party app's token may run is never cached.
        ScopeGuard,
        QueryOptimizer,
    ]
    if not settings.DEBUG:
        extensions.append(
            lambda: MaskErrors(
                should_mask_error=should_mask_error, error_message="Internal server error."
            )
        )
    return extensions


def _django_model(origin: type) -> type[models.Model] | None:
    return getattr(getattr(origin, "__strawberry_django_definition__", None), "model", None)


def _plain_field(field: Any) -> bool:
    """A strawberry-django field read straight off the row: no resolver, permission or argument."""
    return (
        isinstance(field, StrawberryDjangoField)
        and field.base_resolver is None
        and not field.extensions
        and not field.arguments
    )


def _model_field(field: Any, origin: type) -> Any:
    model = _django_model(origin)
    if model is None:
        return None
    try:
        return model._meta.get_field(field.django_name or field.python_name)
    except FieldDoesNotExist:  # a property or a method, not a model field
        return None


@dataclass(frozen=True, slots=True)
class _Column:
    """A plain column, read from the row's ``__dict__`` when it was loaded."""

    attname: str
    coerce: Callable[[Any], Any]
    nullable: bool


@dataclass(frozen=True, slots=True)
class _NodeId:
    """A model Node's global id, built from its id column like relay's own resolver does."""

    attname: str


@dataclass(frozen=True, slots=True)
class _Computed:
    """A synchronous resolver of a scalar that needs nothing but the row (and ``info``)."""

    field: Any
    function: Callable[..., Any]
    passes_self: bool
    root_names: tuple[str, ...]
    info_name: str | None
    coerce: Callable[[Any], Any]
    nullable: bool


@dataclass(frozen=True, slots=True)
class _Objects:
    """What a field holds when it holds objects: one, or a list of them, of a planned type."""

    many: bool
    object_type: GraphQLObjectType
    cls: type
    nullable: bool
    items_nullable: bool


@dataclass(frozen=True, slots=True)
class _Related:
    """A relation the optimizer loaded with the row (select_related) or after it (prefetch)."""

    cache_name: str
    objects: _Objects


@dataclass(frozen=True, slots=True)
class _Attribute(_Column):
    """A scalar of a plain object (a search hit, an edge), which strawberry reads with getattr."""


@dataclass(frozen=True, slots=True)
class _Nested:
    """A plain object's attribute holding objects of a planned type."""

    name: str
    objects: _Objects


_Plan = _Column | _NodeId | _Computed | _Related | _Attribute | _Nested

# The kinds of step a field can take in an execution.
_STANDARD, _COLUMN, _ATTRIBUTE, _NODE_ID, _COMPUTED, _RELATED, _NESTED = range(7)
_KINDS: dict[type, int] = {
    _Column: _COLUMN,
    _Attribute: _ATTRIBUTE,
    _NodeId: _NODE_ID,
    _Computed: _COMPUTED,
    _Related: _RELATED,
    _Nested: _NESTED,
}
_SYNCHRONOUS_ONLY = frozenset({_COMPUTED, _RELATED, _NESTED})

# (object type name, field name) -> how to produce the field without the resolver chain
_PLANS: dict[tuple[str, str], _Plan] = {}
# object type name -> the class of the plain objects (not models) its planned fields read
_PLAIN_CLASSES: dict[str, type] = {}
_MISSING = object()


def _leaf(output_type: Any) -> tuple[Callable[[Any], Any], bool] | None:
    nullable = not isinstance(output_type, GraphQLNonNull)
    leaf = output_type if nullable else output_type.of_type
    coerce = getattr(leaf, "coerce_output_value", None)
    if coerce is None or not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    return coerce, nullable


def _computed_plan(field: Any, graphql_field: Any) -> _Computed | None:
    resolver = field.base_resolver
    if (
        not isinstance(field, StrawberryDjangoField)
        or resolver is None
        or resolver.is_async
        or field.extensions
        or field.arguments
        or graphql_field.args
        or isinstance(resolver.wrapped_func, staticmethod | classmethod)
    ):
        return None
    leaf = _leaf(graphql_field.type)
    if leaf is None:
        return None
    root_names = tuple(
        parameter.name
        for parameter in (resolver.root_parameter, resolver.parent_parameter)
        if parameter is not None
    )
    info = resolver.info_parameter
    return _Computed(
        field=field,
        function=resolver.wrapped_func,
        passes_self=resolver.self_parameter is not None,
        root_names=root_names,
        info_name=info.name if info is not None else None,
        coerce=leaf[0],
        nullable=leaf[1],
    )


def _objects(output_type: Any, classes_by_type: dict[str, type]) -> _Objects | None:
    """The shape of a field's objects, when their type is one the executor completes."""
    nullable = not isinstance(output_type, GraphQLNonNull)
    inner = output_type if nullable else output_type.of_type
    many = isinstance(inner, GraphQLList)
    items_nullable = False
    if many:
        items_nullable = not isinstance(inner.of_type, GraphQLNonNull)
        inner = inner.of_type if items_nullable else inner.of_type.of_type
    if not isinstance(inner, GraphQLObjectType) or inner.name not in classes_by_type:
        return None
    return _Objects(many, inner, classes_by_type[inner.name], nullable, items_nullable)


def _related_plan(model_field: Any, graphql_field: Any, models_by_type: dict) -> _Related | None:
    if model_field.many_to_one or (model_field.one_to_one and model_field.concrete):
        many = False
    elif model_field.one_to_many and not model_field.concrete:
        many = True
    else:
        return None
    objects = _objects(graphql_field.type, models_by_type)
    if objects is None or objects.many != many:
        return None
    return _Related(cache_name=model_field.cache_name, objects=objects)


def _node_id_plan(origin: type) -> _NodeId | None:
    """The id column of a model Node whose id is resolved the default way."""
    model = _django_model(origin)
    if (
        model is None
        or origin._id_attr is None
        or origin.resolve_id.__func__ not in (relay.Node.resolve_id.__func__, resolve_model_id)
        or origin.resolve_typename.__func__ is not relay.Node.resolve_typename.__func__
    ):
        return None
    if origin._id_attr == "pk":
        return _NodeId(model._meta.pk.attname)
    try:
        column = model._meta.get_field(origin._id_attr)
    except FieldDoesNotExist:
        return None
    return _NodeId(column.attname) if column.concrete and not column.is_relation else None


def _plan(field: Any, origin: type, graphql_field: Any, models_by_type: dict) -> _Plan | None:
    if field is None:
        return None
    if field.base_resolver is not None:
        if field.python_name == "_id" and issubclass(origin, relay.Node):
            return _node_id_plan(origin)
        return _computed_plan(field, graphql_field)
    if not _plain_field(field) or graphql_field.args:
        return None
    model_field = _model_field(field, origin)
    if model_field is None:
        return None
    if model_field.is_relation:
        return _related_plan(model_field, graphql_field, models_by_type)
    if not getattr(model_field, "concrete", False) or isinstance(model_field, FileField):
        return None
    leaf = _leaf(graphql_field.type)
    return _Column(model_field.attname, *leaf) if leaf is not None else None


def _plain_plan(graphql_field: Any, classes_by_type: dict[str, type]) -> _Plan | None:
    """A field strawberry resolves by reading the attribute of its name, and nothing else."""
    field = graphql_field.extensions.get("strawberry-definition")
    if (
        field is None
        or isinstance(field, StrawberryDjangoField)
        or graphql_field.args
        or not getattr(graphql_field.resolve, "_is_default", False)
    ):
        return None
    leaf = _leaf(graphql_field.type)
    if leaf is not None:
        return _Attribute(field.python_name, *leaf)
    objects = _objects(graphql_field.type, classes_by_type)
    return None if objects is None else _Nested(field.python_name, objects)


def _loaded_relation(source: models.Model, plan: _Related) -> Any:
    """The related object(s) already in memory, or ``_MISSING`` when they must be fetched."""
    if not plan.objects.many:
        return source._state.fields_cache.get(plan.cache_name, _MISSING)
    prefetched = getattr(source, "_prefetched_objects_cache", None)
    queryset = prefetched.get(plan.cache_name) if prefetched else None
    # Only what the optimizer prefetched has been through the related type's visibility rules.
    if (
        queryset is None
        or queryset._result_cache is None
        or not is_optimized_by_prefetching(queryset)
    ):
        return _MISSING
    return queryset._result_cache


class _DeferredInfo(Info):
    """The ``info`` of a resolver, whose graphql-core part is built only if it is read."""

    def __init__(self, build: Callable[[], Any], field: Any) -> None:
        self._build = build
        self._field = field
        self._built: Any = None

    @property
    def _raw_info(self) -> Any:
        if self._built is None:
            self._built = self._build()
        return self._built


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing loaded model data without the per-field machinery.

    Columns and ids are read in every execution. Resolvers and loaded relations are completed
    directly only in synchronous executions (the HTTP view), where nothing can be awaited;
    subscriptions and anything unplanned take graphql-core's standard path, field by field.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._steps_cache: dict[tuple[GraphQLObjectType, int], tuple[Any, tuple]] = {}
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.synchronous = True
        else:
            self.synchronous = False

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if isinstance(source_value, models.Model):
            row = source_value.__dict__
        elif isinstance(source_value, _PLAIN_CLASSES.get(parent_type.name, ())):
            row = {}  # a plain object's plans read its attributes, never a row
        else:
            row = None
        if row is None or (middleware is not None and middleware._middleware_resolvers):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        rest: dict[str, Any] | None = None
        for response_name, kind, plan, field_details_list in self._steps(
            parent_type, grouped_field_set
        ):
            if kind == _COLUMN:
                value = _leaf_value(row.get(plan.attname, _MISSING), plan)
            elif kind == _ATTRIBUTE:
                value = _leaf_value(getattr(source_value, plan.attname, _MISSING), plan)
            elif kind == _NODE_ID:
                key = row.get(plan.attname)
                value = _MISSING if key is None else to_base64(parent_type.name, str(key))
            elif kind == _COMPUTED:
                value = self._complete_computed(
                    plan, parent_type, source_value, field_details_list, path, response_name
                )
            elif kind == _STANDARD:
                value = _MISSING
            else:
                loaded = (
                    getattr(source_value, plan.name, _MISSING)
                    if kind == _NESTED
                    else _loaded_relation(source_value, plan)
                )
                value = (
                    _MISSING
                    if loaded is _MISSING
                    else self._complete_related(
                        plan.objects,
                        parent_type,
                        field_details_list,
                        path,
                        response_name,
                        loaded,
                        position_context,
                    )
                )
            if value is _MISSING:
                if rest is None:
                    rest = {}
                rest[response_name] = field_details_list
            else:
                results[response_name] = value
        if rest is None:
            return results
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(others):

            async def merged() -> dict[str, Any]:
                return _in_request_order(grouped_field_set, results, await others)

            return merged()
        return _in_request_order(grouped_field_set, results, others)

    def _steps(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple:
        """How to produce each field of a selection on a type, worked out once per execution.

        graphql-core collects a selection's fields once per execution and hands the same
        grouped field set to every object of a list, so the objects of a page share their steps.
        """
        key = (parent_type, id(grouped_field_set))
        cached = self._steps_cache.get(key)
        if cached is not None:
            return cached[1]
        steps = tuple(
            (response_name, *self._step(parent_type.name, details), details)
            for response_name, details in grouped_field_set.items()
        )
        # The grouped field set is kept alive with its steps, so its id cannot be reused.
        self._steps_cache[key] = (grouped_field_set, steps)
        return steps

    def _step(self, type_name: str, field_details_list: Any) -> tuple[int, Any]:
        node = field_details_list[0].node
        plan = _PLANS.get((type_name, node.name.value))
        if plan is None or node.arguments:
            return _STANDARD, None
        kind = _KINDS[type(plan)]
        # Resolvers and relations are completed here only where nothing can be awaited.
        if kind in _SYNCHRONOUS_ONLY and not self.synchronous:
            return _STANDARD, None
        return kind, plan

    def _info(
        self, parent_type: GraphQLObjectType, field_details_list: Any, field_path: Path
    ) -> Any:
        field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        return self.build_resolve_info(
            field_def, to_nodes(field_details_list), parent_type, field_path
        )

    def _complete_computed(
        self,
        plan: _Computed,
        parent_type: GraphQLObjectType,
        source: models.Model,
        field_details_list: Any,
        path: Path | None,
        response_name: str,
    ) -> Any:
        """Call the resolver and coerce its scalar, as ``execute_field`` would."""
        try:
            if plan.passes_self and not plan.root_names and plan.info_name is None:
                result = plan.function(source)
            else:
                kwargs = dict.fromkeys(plan.root_names, source)
                if plan.info_name is not None:
                    kwargs[plan.info_name] = _DeferredInfo(
                        lambda: self._info(
                            parent_type,
                            field_details_list,
                            Path(path, response_name, parent_type.name),
                        ),
                        plan.field,
                    )
                result = (
                    plan.function(source, **kwargs) if plan.passes_self else plan.function(**kwargs)
                )
            if result is None and plan.nullable:
                return None
            coerced = None if result is None else plan.coerce(result)
            if coerced is None or coerced is Undefined:
                field_path = Path(path, response_name, parent_type.name)
                raw_info = self._info(parent_type, field_details_list, field_path)
                return self.complete_value(
                    raw_info.return_type, field_details_list, raw_info, field_path, result, None
                )
            return coerced
        except Exception as raw_error:
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            field_path = Path(path, response_name, parent_type.name)
            self.handle_field_error(raw_error, field_def.type, field_details_list, field_path)
            return None

    def _complete_related(
        self,
        plan: _Objects,
        parent_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path | None,
        response_name: str,
        value: Any,
        position_context: Any,
    ) -> Any:
        """Complete an object or a list of objects already loaded, as ``execute_field`` would."""
        field_path = Path(path, response_name, parent_type.name)
        try:
            grouped, new_defer_usages, *_ = self.collect_subfields(
                plan.object_type, field_details_list
            )
            if new_defer_usages or not _all_instances(value, plan):
                return self._complete_standard(
                    parent_type, field_details_list, field_path, value, position_context
                )
            if not plan.many:
                if value is None:
                    return None
                return self._sync(
                    self.execute_fields(
                        plan.object_type, value, field_path, grouped, position_context
                    )
                )
            completed = []
            for index, item in enumerate(value):
                item_path = field_path.add_key(index, None)
                try:
                    completed.append(
                        self._sync(
                            self.execute_fields(
                                plan.object_type, item, item_path, grouped, position_context
                            )
                        )
                    )
                except Exception as raw_error:
                    if not plan.items_nullable:
                        raise
                    self.handle_field_error(
                        raw_error, plan.object_type, field_details_list, item_path
                    )
                    completed.append(None)
            return completed
        except Exception as raw_error:
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            self.handle_field_error(raw_error, field_def.type, field_details_list, field_path)
            return None

    def _complete_standard(
        self,
        parent_type: GraphQLObjectType,
        field_details_list: Any,
        field_path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        info = self._info(parent_type, field_details_list, field_path)
        return self._sync(
            self.complete_value(
                info.return_type, field_details_list, info, field_path, value, position_context
            )
        )

    def _sync(self, result: Any) -> Any:
        if self.is_awaitable(result):
            result.close()
            msg = "A field below a loaded relation needs awaiting in a synchronous execution."
            raise RuntimeError(msg)
        return result


def _all_instances(value: Any, plan: _Objects) -> bool:
    """Whether the loaded value has the shape the type promises (else the standard path says so)."""
    if not plan.many:
        return isinstance(value, plan.cls) or (value is None and plan.nullable)
    return isinstance(value, list | tuple) and all(isinstance(item, plan.cls) for item in value)


def _leaf_value(value: Any, plan: _Column) -> Any:
    """The scalar's output value, or ``_MISSING`` where the standard path must decide."""
    if value is _MISSING:
        return _MISSING
    if value is None:
        # A null where the type forbids one takes the standard path, which reports it.
        return None if plan.nullable else _MISSING
    try:
        coerced = plan.coerce(value)
    except Exception:
        return _MISSING
    if coerced is None or coerced is Undefined:
        return _MISSING
    return coerced


def _in_request_order(
    grouped_field_set: Any, loaded: dict[str, Any], others: dict[str, Any]
) -> dict[str, Any]:
    if not loaded:
        return others
    merged = {**loaded, **others}
    return {name: merged[name] for name in grouped_field_set if name in merged}


def settle(schema: Any) -> None:
    """Do once, for the built schema, the work strawberry would otherwise repeat per field."""
    models_by_type: dict[str, type[models.Model]] = {}
    classes_by_type: dict[str, type] = {}
    for graphql_type in schema._schema.type_map.values():
        definition = (
            graphql_type.extensions.get("strawberry-definition")
            if isinstance(graphql_type, GraphQLObjectType)
            else None
        )
        origin = getattr(definition, "origin", None)
        model = _django_model(origin)
        if model is not None:
            models_by_type[graphql_type.name] = model
        if isinstance(origin, type):
            classes_by_type[graphql_type.name] = model or origin
    # Plain fields are read as strawberry reads them: with getattr, unless the schema says
    # otherwise or may turn a field's exceptions into results.
    reads_attributes = schema.config.default_resolver is getattr and not getattr(
        schema.schema_converter, "_exception_handler_specs", ()
    )
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        definition = graphql_type.extensions.get("strawberry-definition")
        origin = getattr(definition, "origin", None)
        if not isinstance(origin, type):
            continue
        if (
            issubclass(origin, relay.Node)
            and origin._id_attr is None
            and getattr(origin, "__strawberry_django_definition__", None) is not None
        ):
            origin._id_attr = resolve_model_id_attr(origin)
        model = models_by_type.get(graphql_type.name)
        for name, graphql_field in graphql_type.fields.items():
            strawberry_field = graphql_field.extensions.get("strawberry-definition")
            if model is not None:
                plan = _plan(strawberry_field, origin, graphql_field, models_by_type)
            elif reads_attributes:
                plan = _plain_plan(graphql_field, classes_by_type)
            else:
                plan = None
            if plan is not None:
                _PLANS[(graphql_type.name, name)] = plan
                if model is None:
                    _PLAIN_CLASSES[graphql_type.name] = classes_by_type[graphql_type.name]
