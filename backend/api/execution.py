"""How the schema executes: its extensions, and the work settled once when the schema is built.

These keep a request's cost close to that of a hand-written view:

- One extension (``OperationDocument``) sets the query limits, parses a text once and
  validates a document once: the limits are validation rules built once per limit value, and
  the validation cache is keyed by the parsed document's identity and the rules, never by a
  hash that walks the document.
- The extensions' hooks are inspected once per extension class
  (``backend.api.extension_hooks``); a connection decides whether its edges are wanted from the
  document's nodes (``edges_requested``), not from strawberry's conversion of its selection.
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
  worked out once for the executions of a document and shared by every object the selection
  is read on, as a function generated once for those steps (``_completer``), which completes a
  list of objects in one loop; a String or an enum name is taken as it is where its coercion
  would give it back unchanged (``_leaf``), and a resolver that declares what it answers from
  the row (``withheld_by``) is answered from the row without a call.
- Where a field's whole selection is made of such fields, its rows are loaded by a plan worked
  out once per document (``backend.api.loading``) instead of the optimizer's walk and Django's
  prefetch; elsewhere the optimizer does the work. What graphql-core collects of a field's
  subfields is likewise shared by the executions of a document.
"""

from __future__ import annotations

import asyncio
import binascii
import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.fields.files import FileField
from graphql import (
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    Undefined,
)
from graphql.execution.executor import to_nodes
from graphql.language.parser import parse
from graphql.pyutils import Path
from graphql.type.scalars import serialize_string
from strawberry import relay
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.relay import types as relay_types
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.optimizer import DjangoOptimizerExtension, is_optimized_by_prefetching
from strawberry_django.relay import resolve_model_id_attr
from strawberry_django.relay.utils import resolve_model_id

from backend.api.delegation import ScopeGuard
from backend.api.loading import load_plan, synchronous_execution
from backend.common.graphql import Withheld, django_model
from backend.common.models import LOADED_RELATIONS, RowDicts

CACHE_SIZE = 512


class QueryOptimizer(DjangoOptimizerExtension):
    """strawberry-django's optimizer, applied by its fields to their querysets only, and
    replaced by a load plan (``backend.api.loading``) where the whole selection has one."""

    resolve = SchemaExtension.resolve

    def optimize(self, qs: Any, info: Any, *, store: Any = None) -> Any:
        if store is None and self.enabled.get():
            plan = load_plan(qs, info)
            if plan is not None:
                return plan.apply(qs, info)
        return super().optimize(qs, info, store=store)


@functools.cache
def _limit_rules(max_depth: int, max_aliases: int) -> tuple[Any, ...]:
    return (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    )


def should_mask_error(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; keep the errors a client can act on (syntax, validation)."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class _MaskErrors(MaskErrors):
    """strawberry's MaskErrors, which asks a result without errors nothing more.

    Its check that a result carries errors is an ``isinstance`` against a runtime-checkable
    protocol, which costs more than the rest of the extension; a result with none needs none.
    """

    def _process_result(self, result: object) -> None:
        if getattr(result, "errors", None):
            super()._process_result(result)


# (id of the schema, id of the document, validation rules) -> (schema, document, errors)
_VALIDATED: dict[tuple[int, int, tuple], tuple[Any, Any, list[GraphQLError]]] = {}
# The text of a document, and the parser's options -> the document
_parsed = functools.lru_cache(maxsize=CACHE_SIZE)(parse)


class OperationDocument(SchemaExtension):
    """An operation's document: its limits set, its text parsed once, the document validated
    once.

    What strawberry's ``AddValidationRules`` (with the depth and alias limits),
    ``MaxTokensLimiter``, ``ParserCache`` and ``ValidationCache`` would do, in that order, as
    one extension rather than four, whose hooks every operation enters and leaves.

    The validation cache differs from strawberry's: that one is an ``lru_cache`` over (schema,
    document, rules), and finding an entry hashes the document, which walks every node of it
    (about 10 µs for the meetings page's query), on every request. The parse cache hands out
    the same document object for the same text, so the document's identity is key enough;
    each entry keeps its document alive, so that identity cannot be reused while the entry
    stands.
    """

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = context.validation_rules + _limit_rules(
            settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_ALIASES
        )
        context.parse_options["max_tokens"] = settings.GRAPHQL_MAX_TOKENS
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = _parsed(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        from strawberry.schema.schema import validate_document  # circular at import time

        execution_context = self.execution_context
        schema = execution_context.schema._schema
        document = execution_context.graphql_document
        rules = tuple(execution_context.validation_rules)
        key = (id(schema), id(document), rules)
        known = _VALIDATED.get(key)
        if known is not None and known[0] is schema and known[1] is document:
            errors = known[2]
        else:
            errors = validate_document(schema, document, rules)
            if len(_VALIDATED) >= CACHE_SIZE:
                _VALIDATED.clear()
            _VALIDATED[key] = (schema, document, errors)
        execution_context.pre_execution_errors = errors
        yield


def build_extensions() -> list[Callable[[], SchemaExtension] | type[SchemaExtension]]:
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        OperationDocument,
        # After the validation cache: what a third-party app's token may run is never cached.
        ScopeGuard,
        QueryOptimizer,
    ]
    if not settings.DEBUG:
        extensions.append(
            lambda: _MaskErrors(
                should_mask_error=should_mask_error, error_message="Internal server error."
            )
        )
    return extensions


def _plain_field(field: Any) -> bool:
    """A strawberry-django field read straight off the row: no resolver, permission or argument."""
    return (
        isinstance(field, StrawberryDjangoField)
        and field.base_resolver is None
        and not field.extensions
        and not field.arguments
    )


def _model_field(field: Any, origin: type) -> Any:
    model = django_model(origin)
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
    # What the completer does without calling ``coerce``: see ``_leaf``.
    shortcut: Any = None


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
    # How the function is called: with the row alone, with the row and info, or by keywords.
    call: int
    shortcut: Any = None
    # What the resolver declares it answers from the row (``Withheld``), where the completer
    # reads the row itself; None to always call it.
    withheld: Withheld | None = None


_CALL_ROW, _CALL_ROW_INFO, _CALL_KEYWORDS = range(3)


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
# A path's own constructor: ``Path`` is a namedtuple, whose ``__new__`` is a Python function.
_new_path = tuple.__new__


def _leaf(output_type: Any) -> tuple[Callable[[Any], Any], bool, Any] | None:
    """A scalar or enum's output coercion, whether it may be null, and its shortcut.

    The shortcut is what a completer does for the commonest values without calling the
    coercion: ``str`` for a String, whose coercion gives back a ``str`` as it is; for an enum,
    its names by the plain strings a row holds (what ``_enum_names`` looks up first).
    """
    nullable = not isinstance(output_type, GraphQLNonNull)
    leaf = output_type if nullable else output_type.of_type
    coerce = getattr(leaf, "coerce_output_value", None)
    if coerce is None or not isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
        return None
    shortcut: Any = None
    if isinstance(leaf, GraphQLEnumType):
        names = _enum_names(leaf)
        coerce = _enum_coercion(names, coerce)
        shortcut = names
    elif coerce is serialize_string:
        shortcut = str
    return coerce, nullable, shortcut


def _enum_names(enum_type: GraphQLEnumType) -> dict[str, str]:
    """An enum's names, by the plain string a row holds for each (a choice as stored)."""
    return {
        value.value: name
        for name, value in enum_type.values.items()
        if type(value.value) is str  # as the row holds it, not an Enum member
    }


def _enum_coercion(names: dict[str, str], coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An enum's output coercion, with a row's plain string looked up directly: what
    graphql-core's own lookup gives it, without the calls around it."""

    def coerce_name(value: Any) -> Any:
        if type(value) is str:
            name = names.get(value)
            if name is not None:
                return name
        return coerce(value)

    return coerce_name


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
    passes_self = resolver.self_parameter is not None
    call = _CALL_KEYWORDS
    if passes_self and not root_names:
        positional = [
            parameter.name
            for parameter in inspect.signature(resolver.wrapped_func).parameters.values()
            if parameter.kind
            in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ]
        if info is None:
            call = _CALL_ROW
        elif positional[1:2] == [info.name]:
            call = _CALL_ROW_INFO
    withheld = getattr(resolver.wrapped_func, "withheld", None)
    if not isinstance(withheld, Withheld) or not _withheld_readable(withheld, call, *leaf):
        withheld = None
    return _Computed(
        field=field,
        function=resolver.wrapped_func,
        passes_self=passes_self,
        root_names=root_names,
        info_name=info.name if info is not None else None,
        coerce=leaf[0],
        nullable=leaf[1],
        call=call,
        shortcut=leaf[2],
        withheld=withheld,
    )


def _withheld_readable(
    withheld: Withheld, call: int, coerce: Callable[[Any], Any], nullable: bool, shortcut: Any
) -> bool:
    """Whether a completer can answer as the declaration says without coercing anything: a
    String read from a row's plain ``str``, shown as a ``str`` or, where null is allowed, null."""
    if call == _CALL_KEYWORDS or shortcut is not str:
        return False
    return type(withheld.shown) is str or (withheld.shown is None and nullable)


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
    model = django_model(origin)
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
    # Loaded by a load plan, through the related type's visibility rules.
    loaded = source.__dict__.get(LOADED_RELATIONS)
    if loaded is not None and plan.cache_name in loaded:
        return loaded[plan.cache_name]
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

    __slots__ = ("_built", "_details", "_executor", "_parent_type", "_path", "_response_name")

    def __init__(
        self,
        executor: Executor,
        parent_type: GraphQLObjectType,
        details: Any,
        path: Path | None,
        response_name: str,
        field: Any,
    ) -> None:
        self._executor = executor
        self._parent_type = parent_type
        self._details = details
        self._path = path
        self._response_name = response_name
        self._field = field
        self._built: Any = None

    @property
    def _raw_info(self) -> Any:
        if self._built is None:
            parent_type = self._parent_type
            self._built = self._executor._info(
                parent_type,
                self._details,
                Path(self._path, self._response_name, parent_type.name),
            )
        return self._built


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, completing loaded model data without the per-field machinery.

    Columns and ids are read in every execution. Resolvers and loaded relations are completed
    directly only in synchronous executions (the HTTP view), where nothing can be awaited;
    subscriptions and anything unplanned take graphql-core's standard path, field by field.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._selection_completers: dict[tuple[GraphQLObjectType, int], tuple[Any, tuple]] = {}
        self._children: dict[tuple[GraphQLObjectType, int], tuple[Any, Any]] = {}
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.synchronous = True
        else:
            self.synchronous = False

    def execute_operation(self, *args: Any, **kwargs: Any) -> Any:
        if not self.synchronous:
            return super().execute_operation(*args, **kwargs)
        token = synchronous_execution.set(True)
        try:
            return super().execute_operation(*args, **kwargs)
        finally:
            synchronous_execution.reset(token)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        middleware = self.middleware_manager
        if (
            not isinstance(source_value, models.Model)
            and not isinstance(source_value, _PLAIN_CLASSES.get(parent_type.name, ()))
        ) or (middleware is not None and middleware._middleware_resolvers):
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        completer, details = self._completer(parent_type, grouped_field_set)
        return completer(self, source_value, path, position_context, details, grouped_field_set)

    def _complete_rest(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
        names: tuple[str, ...],
        values: tuple[Any, ...],
        details: tuple[Any, ...],
    ) -> Any:
        """The fields a completer left to the standard path (``_MISSING``), merged with those
        it produced."""
        results: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for name, value, field_details in zip(names, values, details, strict=True):
            if value is _MISSING:
                rest[name] = field_details
            else:
                results[name] = value
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(others):

            async def merged() -> dict[str, Any]:
                return _in_request_order(grouped_field_set, results, await others)

            return merged()
        return _in_request_order(grouped_field_set, results, others)

    def _completer(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple:
        """How to produce each field of a selection on a type, worked out once per execution,
        or once for all the executions that share the selection.

        graphql-core collects a selection's fields once per execution and hands the same
        grouped field set to every object of a list, so the objects of a page share their
        completer; what ``collect_subfields`` shares between executions (a selection that
        depends on the document alone) keeps its completers with it.
        """
        key = (parent_type, id(grouped_field_set))
        cached = self._selection_completers.get(key)
        if cached is not None:
            return cached[1]
        shared = _SHARED_SELECTIONS.get(id(grouped_field_set))
        if shared is not None and shared[0] is grouped_field_set:
            made = shared[1].get((parent_type, self.synchronous))
            if made is None:
                made = shared[1][(parent_type, self.synchronous)] = self._completer_made(
                    parent_type, grouped_field_set
                )
        else:
            made = self._completer_made(parent_type, grouped_field_set)
        # The grouped field set is kept alive with its completer, so its id cannot be reused.
        self._selection_completers[key] = (grouped_field_set, made)
        return made

    def _completer_made(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple:
        steps = tuple(
            (response_name, *self._step(parent_type.name, details))
            for response_name, details in grouped_field_set.items()
        )
        return _completer(parent_type, steps), tuple(grouped_field_set.values())

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

    def collect_subfields(self, return_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """graphql-core's subfield collection, shared by the executions of the same document.

        graphql-core collects a field's subfields once per execution; what it collects depends
        only on the document, unless a directive, a deferred fragment or fragment variables take
        part, which are collected again in every execution.
        """
        cached = self._relevant_sub_fields.get((return_type, id(field_details_list)))
        if cached is not None:
            return cached[1]
        # Keyed by identity (a node's own hash walks the node); the nodes are kept with what
        # was collected for them, so their ids cannot be reused by another document.
        nodes = (self.operation, *(field_details.node for field_details in field_details_list))
        key = (return_type, *map(id, nodes))
        shared = _SUBFIELDS.get(key)
        if shared is not None and shared[0] == nodes:
            collected = shared[1]
            self._relevant_sub_fields[(return_type, id(field_details_list))] = (
                field_details_list,
                collected,
            )
            return collected
        collected = super().collect_subfields(return_type, field_details_list)
        if _document_only(field_details_list, collected, self.fragments):
            if len(_SUBFIELDS) >= SUBFIELDS_SIZE:
                _SUBFIELDS.clear()
                _SHARED_SELECTIONS.clear()
                _SHARED_CHILDREN.clear()
            _SUBFIELDS[key] = (nodes, collected)
            grouped = collected[0]
            _SHARED_SELECTIONS[id(grouped)] = (grouped, {})
        return collected

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
        """Call the resolver by keywords and coerce its scalar, as ``execute_field`` would.

        Completers call resolvers that take the row (and ``info``) themselves, the same way.
        """
        try:
            kwargs = dict.fromkeys(plan.root_names, source)
            if plan.info_name is not None:
                kwargs[plan.info_name] = _DeferredInfo(
                    self, parent_type, field_details_list, path, response_name, plan.field
                )
            result = (
                plan.function(source, **kwargs) if plan.passes_self else plan.function(**kwargs)
            )
            if result is None and plan.nullable:
                return None
            coerced = None if result is None else plan.coerce(result)
            if coerced is None or coerced is Undefined:
                return self._computed_reported(
                    parent_type, field_details_list, path, response_name, result
                )
            return coerced
        except Exception as raw_error:
            return self._computed_failed(
                parent_type, field_details_list, path, response_name, raw_error
            )

    def _computed_reported(
        self,
        parent_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path | None,
        response_name: str,
        result: Any,
    ) -> Any:
        """A resolver's result its scalar refuses (or a forbidden null), completed the standard
        way, which reports it."""
        field_path = Path(path, response_name, parent_type.name)
        raw_info = self._info(parent_type, field_details_list, field_path)
        return self.complete_value(
            raw_info.return_type, field_details_list, raw_info, field_path, result, None
        )

    def _computed_failed(
        self,
        parent_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path | None,
        response_name: str,
        raw_error: Exception,
    ) -> None:
        """A resolver's error, reported as ``execute_field`` reports it."""
        field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        field_path = Path(path, response_name, parent_type.name)
        self.handle_field_error(raw_error, field_def.type, field_details_list, field_path)

    def _child(self, object_type: GraphQLObjectType, field_details_list: Any) -> Any:
        """How the objects of a field are completed in this execution: their grouped fields,
        completer and its details, or None where a deferred fragment needs the standard path."""
        key = (object_type, id(field_details_list))
        child = self._children.get(key)
        if child is None:
            shared_key = (object_type, id(field_details_list), self.synchronous)
            child = _SHARED_CHILDREN.get(shared_key)
            if child is None or child[0] is not field_details_list:
                child = self._child_made(object_type, field_details_list, shared_key)
            # The field's details are kept with it, so their id cannot be reused.
            self._children[key] = child
        return child[1]

    def _child_made(
        self, object_type: GraphQLObjectType, field_details_list: Any, shared_key: tuple
    ) -> tuple:
        grouped, new_defer_usages, *_ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return (field_details_list, None)
        completer, details = self._completer(object_type, grouped)
        child = (field_details_list, (grouped, completer, details))
        shared = _SHARED_SELECTIONS.get(id(grouped))
        if shared is not None and shared[0] is grouped:
            # Collected from the document alone: the same for every execution of it.
            if len(_SHARED_CHILDREN) >= SUBFIELDS_SIZE:
                _SHARED_CHILDREN.clear()
            _SHARED_CHILDREN[shared_key] = child
        return child

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
        """Complete one object already loaded, as ``execute_field`` would. (Completers
        complete lists of them themselves: see ``_many_source``.)"""
        field_path = _new_path(Path, (path, response_name, parent_type.name))
        try:
            known = self._children.get((plan.object_type, id(field_details_list)))
            child = self._child(plan.object_type, field_details_list) if known is None else known[1]
            shaped = isinstance(value, plan.cls) or (value is None and plan.nullable)
            if child is None or not shaped:
                return self._complete_standard(
                    parent_type, field_details_list, field_path, value, position_context
                )
            if value is None:
                return None
            grouped, completer, details = child
            result = completer(self, value, field_path, position_context, details, grouped)
            return result if type(result) is dict else self._sync(result)
        except Exception as raw_error:
            return self._related_failed(parent_type, field_details_list, field_path, raw_error)

    def _related_failed(
        self,
        parent_type: GraphQLObjectType,
        field_details_list: Any,
        field_path: Path,
        raw_error: Exception,
    ) -> None:
        """An error completing loaded objects, reported as ``execute_field`` reports it."""
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
        if type(result) is dict:  # what execute_fields returns when nothing was awaited
            return result
        if self.is_awaitable(result):
            result.close()
            msg = "A field below a loaded relation needs awaiting in a synchronous execution."
            raise RuntimeError(msg)
        return result


# (return type, ids of the operation and the field nodes) -> (those nodes, their subfields)
_SUBFIELDS: dict[tuple, tuple[tuple, Any]] = {}
SUBFIELDS_SIZE = 4096
# id of a grouped field set in _SUBFIELDS -> (that set, {(type, synchronous): its completer})
_SHARED_SELECTIONS: dict[int, tuple[Any, dict[tuple, tuple]]] = {}
# (type, id of a field's details, synchronous) -> (those details, what ``_child`` gives), for
# a field whose subfields are in _SUBFIELDS
_SHARED_CHILDREN: dict[tuple, tuple[Any, Any]] = {}


def _document_only(field_details_list: Any, collected: Any, fragments: dict[str, Any]) -> bool:
    """Whether collecting these subfields depended on nothing but the document."""
    if collected.new_defer_usages or collected.forbidden_directive_instances:
        return False
    if any(
        details.defer_usage is not None or details.fragment_variable_values is not None
        for details in field_details_list
    ):
        return False
    pending = [
        selection
        for details in field_details_list
        if details.node.selection_set is not None
        for selection in details.node.selection_set.selections
    ]
    while pending:
        selection = pending.pop()
        if selection.directives:
            return False
        if isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            definition = getattr(fragment, "definition", fragment)
            if definition is None or definition.directives:
                return False
            pending.extend(definition.selection_set.selections)
        elif isinstance(selection, InlineFragmentNode):
            pending.extend(selection.selection_set.selections)
    return True


# (the type, the steps' kinds and plans) -> the function completing an object with those steps
_COMPLETERS: dict[tuple, Callable[..., Any]] = {}
COMPLETERS_SIZE = 2048


def _completer(parent_type: GraphQLObjectType, steps: tuple) -> Callable[..., Any]:
    """A function producing the planned fields of an object, generated once for these steps.

    It does for each field what its kind of step says (read a column, build an id, call a
    resolver, complete loaded objects), in the selection's order, each into a local of its own,
    with each step's constants bound into the code instead of looked up and dispatched on for
    every field of every object; then it returns them as one dict. A field whose value cannot be
    produced that way (missing, null where the type forbids it, not coercible) is ``MISSING``:
    the fields are then handed to ``Executor._complete_rest``, which leaves those to the
    standard path, which reports them.

    Its ``many`` does the same for each object of a list, in one loop, as graphql-core's list
    completion would: an object that fails is null where the list's items may be (its error
    reported), else the list fails. An object's path is built only where something reads it.
    """
    # By identity: the completer holds its type and plans, so their ids cannot be reused.
    key = (id(parent_type), tuple((name, kind, id(plan)) for name, kind, plan in steps))
    completer = _COMPLETERS.get(key)
    if completer is not None:
        return completer
    namespace: dict[str, Any] = {
        "MISSING": _MISSING,
        "Undefined": Undefined,
        "b2a_base64": binascii.b2a_base64,
        "loaded_relation": _loaded_relation,
        "LOADED_RELATIONS": LOADED_RELATIONS,
        "Path": Path,
        "new_path": _new_path,
        "DeferredInfo": _DeferredInfo,
        "parent_type": parent_type,
        "type_name": parent_type.name,
        "names": tuple(name for name, _, _ in steps),
        "repeat": repeat,
        "RowDicts": RowDicts,
    }
    for index, (_, _, plan) in enumerate(steps):
        namespace[f"plan_{index}"] = plan
        namespace[f"coerce_{index}"] = getattr(plan, "coerce", None)
        namespace[f"shortcut_{index}"] = getattr(plan, "shortcut", None)
        namespace[f"function_{index}"] = getattr(plan, "function", None)
        namespace[f"field_{index}"] = getattr(plan, "field", None)
        namespace[f"shown_{index}"] = getattr(getattr(plan, "withheld", None), "shown", None)
        objects = getattr(plan, "objects", None)
        namespace[f"object_type_{index}"] = getattr(objects, "object_type", None)
        namespace[f"class_{index}"] = getattr(objects, "cls", None)
    values = ", ".join(f"v{index}" for index in range(len(steps)))
    # A resolver's value, or its error's null: never left to the standard path.
    missing = " or ".join(
        f"v{i} is MISSING" for i, (_, kind, _) in enumerate(steps) if kind != _COMPUTED
    )
    entries = ", ".join(f"{name!r}: v{index}" for index, (name, _, _) in enumerate(steps))
    reads_row = any(_reads_row(kind, plan) for _, kind, plan in steps)

    def fields(path: str, *, from_dicts: bool = False) -> list[str]:
        # From a dict (``RowDicts``), the model instance is built only where a resolver or the
        # standard path needs it.
        ready = ["if source is None:", "    source = rows.instance(row)"] if from_dicts else []
        lines = ["    row = source.__dict__"] if reads_row and not from_dicts else []
        for index, (name, kind, plan) in enumerate(steps):
            lines.extend(_step_source(index, name, kind, plan, parent_type.name, path, ready))
        return lines

    def rest(path: str) -> str:
        return (
            f"executor._complete_rest(parent_type, source, {path}, grouped_field_set, "
            f"position_context, names, ({values},), details)"
        )

    lines = [
        "def complete(executor, source, path, position_context, details, grouped_field_set):",
        *fields("path"),
    ]
    if missing:
        lines.extend([f"    if {missing}:", f"        return {rest('path')}"])
    lines.append(f"    return {{{entries}}}")
    item_path = "new_path(Path, (field_path, index, None))"

    def list_function(name: str, *, from_dicts: bool) -> list[str]:
        """Each object of a list in one loop: model instances, or dicts (``RowDicts``)."""
        ready = ["if source is None:", "    source = rows.instance(row)"] if from_dicts else []
        lines = [
            f"def {name}(executor, rows, field_path, position_context, details, "
            "grouped_field_set, list_details, items_nullable):",
            "    items = []",
            "    append = items.append",
            *(
                ["    for index, row in enumerate(rows):", "        source = None"]
                if from_dicts
                else ["    for index, source in enumerate(rows):"]
            ),
            "        try:",
            *(f"        {line}" for line in fields(item_path, from_dicts=from_dicts)),
        ]
        if missing:
            lines.extend(
                [
                    f"            if {missing}:",
                    *(f"                {line}" for line in ready),
                    f"                result = {rest(item_path)}",
                    "                append(result if type(result) is dict else "
                    "executor._sync(result))",
                    "                continue",
                ]
            )
        return [
            *lines,
            f"            append({{{entries}}})",
            "        except Exception as error:",
            "            if not items_nullable:",
            "                raise",
            f"            executor.handle_field_error(error, parent_type, list_details, "
            f"{item_path})",
            "            append(None)",
            "    return items",
        ]

    lines.extend([*list_function("many", from_dicts=False), "complete.many = many"])
    if all(_from_dicts(kind, plan) for _, kind, plan in steps):
        lines.extend([*list_function("dicts", from_dicts=True), "complete.dicts = dicts"])
    else:
        lines.append("complete.dicts = None")
    exec(compile("\n".join(lines), f"<completer of {parent_type.name}>", "exec"), namespace)  # noqa: S102
    completer = namespace["complete"]
    if len(_COMPLETERS) >= COMPLETERS_SIZE:
        _COMPLETERS.clear()
    _COMPLETERS[key] = completer
    return completer


def _from_dicts(kind: int, plan: Any) -> bool:
    """Whether a step reads a row given as a dict (``RowDicts``): what a load plan loads that
    way (``LoadPlan.rows``) takes no other step."""
    return kind in (_COLUMN, _NODE_ID) or (
        kind == _COMPUTED and plan.withheld is not None and plan.call != _CALL_KEYWORDS
    )


def _reads_row(kind: int, plan: Any) -> bool:
    return (
        kind in (_COLUMN, _NODE_ID)
        or (kind == _RELATED and plan.objects.many)
        or (kind == _COMPUTED and plan.withheld is not None)
    )


def _step_source(
    index: int, name: str, kind: int, plan: Any, type_name: str, path: str, ready: list[str]
) -> list[str]:
    """The lines setting ``v{index}``: the field's value, or MISSING. ``path`` is the
    expression of the object's path; ``ready`` the lines that make ``source`` the object
    before a resolver is called."""
    value = f"v{index}"
    if kind == _COLUMN:
        return [f"    {value} = row.get({plan.attname!r}, MISSING)", *_leaf_source(index, plan)]
    if kind == _ATTRIBUTE:
        return [
            f"    {value} = getattr(source, {plan.attname!r}, MISSING)",
            *_leaf_source(index, plan),
        ]
    if kind == _NODE_ID:
        # ``to_base64(type_name, str(id))``, without its checks of the type's name.
        prefix = f"{type_name}:"
        return [
            f"    {value} = row.get({plan.attname!r})",
            f"    {value} = MISSING if {value} is None else "
            f"b2a_base64(({prefix!r} + str({value})).encode(), newline=False).decode()",
        ]
    if kind == _COMPUTED:
        return _computed_source(index, name, plan, path, ready)
    if kind in (_RELATED, _NESTED):
        if kind == _NESTED:
            loaded = [f"    {value} = getattr(source, {plan.name!r}, MISSING)"]
        elif not plan.objects.many:
            # What ``_loaded_relation`` reads for an object.
            loaded = [f"    {value} = source._state.fields_cache.get({plan.cache_name!r}, MISSING)"]
        else:
            # What a load plan loaded, else whatever else ``_loaded_relation`` accepts.
            loaded = [
                f"    {value} = row.get(LOADED_RELATIONS)",
                f"    if {value} is not None:",
                f"        {value} = {value}.get({plan.cache_name!r}, MISSING)",
                "    else:",
                f"        {value} = MISSING",
                f"    if {value} is MISSING:",
                f"        {value} = loaded_relation(source, plan_{index})",
            ]
        if plan.objects.many:
            return [*loaded, *_many_source(index, name, plan.objects, path)]
        # One object of the type's own class, whose selection was worked out already in this
        # execution: straight to its completer, as ``_complete_related`` would call it.
        related = (
            f"executor._complete_related(plan_{index}.objects, parent_type, "
            f"details[{index}], child_path.prev, {name!r}, {value}, position_context)"
        )
        return [
            *loaded,
            f"    if {value} is not MISSING:",
            f"        child_path = new_path(Path, ({path}, {name!r}, type_name))",
            f"        child = executor._children.get((object_type_{index}, id(details[{index}])))"
            f" if type({value}) is class_{index} else None",
            "        if child is None or child[1] is None:",
            f"            {value} = {related}",
            "        else:",
            "            child_grouped, child_completer, child_details = child[1]",
            "            try:",
            f"                {value} = child_completer(executor, {value}, child_path, "
            "position_context, child_details, child_grouped)",
            f"                if type({value}) is not dict:",
            f"                    {value} = executor._sync({value})",
            "            except Exception as error:",
            f"                {value} = executor._related_failed(parent_type, details[{index}], "
            "child_path, error)",
        ]
    return [f"    {value} = MISSING"]


def _many_source(index: int, name: str, objects: _Objects, path: str) -> list[str]:
    """A list of loaded objects completed by their type's completer (its ``many``), where
    every item is an object of the type's own class and no deferred fragment takes part; else
    the standard path."""
    value = f"v{index}"
    details = f"details[{index}]"
    return [
        f"    if {value} is not MISSING:",
        f"        field_path = new_path(Path, ({path}, {name!r}, type_name))",
        "        try:",
        f"            child = executor._children.get((object_type_{index}, id({details})))",
        f"            child = executor._child(object_type_{index}, {details}) if child is None "
        "else child[1]",
        f"            if type({value}) is RowDicts and child is not None "
        "and child[1].dicts is not None:",
        "                child_grouped, child_completer, child_details = child",
        f"                {value} = child_completer.dicts(executor, {value}, field_path, "
        f"position_context, child_details, child_grouped, {details}, "
        f"{objects.items_nullable})",
        "            else:",
        f"                if type({value}) is RowDicts:",
        f"                    {value} = {value}.instances()",
        f"                if child is None or type({value}) is not list or not all("
        f"map(isinstance, {value}, repeat(class_{index}))):",
        f"                    {value} = executor._complete_standard(parent_type, {details}, "
        f"field_path, {value}, position_context)",
        "                else:",
        "                    child_grouped, child_completer, child_details = child",
        f"                    {value} = child_completer.many(executor, {value}, field_path, "
        f"position_context, child_details, child_grouped, {details}, "
        f"{objects.items_nullable})",
        "        except Exception as error:",
        f"            {value} = executor._related_failed(parent_type, {details}, field_path, "
        "error)",
    ]


def _computed_source(
    index: int, name: str, plan: _Computed, path: str, ready: list[str]
) -> list[str]:
    """A resolver's call and its scalar's coercion, as ``Executor._complete_computed`` does."""
    value = f"v{index}"
    arguments = f"details[{index}], {path}, {name!r}"
    if plan.call == _CALL_KEYWORDS:
        return [
            *(f"    {line}" for line in ready),
            f"    {value} = executor._complete_computed(plan_{index}, parent_type, source, "
            f"{arguments})",
        ]
    call = (
        f"function_{index}(source)"
        if plan.call == _CALL_ROW
        else f"function_{index}(source, DeferredInfo(executor, parent_type, {arguments}, "
        f"field_{index}))"
    )
    # A result its scalar refuses, or a null the type forbids, is reported the standard way.
    reported = f"executor._computed_reported(parent_type, {arguments}, result)"
    null = "None" if plan.nullable else reported
    coerced = [
        "if result is None:",
        f"    {value} = {null}",
        "else:",
        f"    {value} = coerce_{index}(result)",
        f"    if {value} is None or {value} is Undefined:",
        f"        {value} = {reported}",
    ]
    called = [
        *ready,
        "try:",
        f"    result = {call}",
        *_shortcut_source(index, plan, "result", coerced, indent=4),
        "except Exception as error:",
        f"    {value} = executor._computed_failed(parent_type, {arguments}, error)",
    ]
    withheld = plan.withheld
    if withheld is None:
        return [f"    {line}" for line in called]
    # What the resolver declares it answers for a flag of True or False (``Withheld``): the
    # value shown in the content's place, or the column when it is a plain str. Anything else
    # is the resolver's to answer.
    return [
        f"    hidden = row.get({withheld.flag!r})",
        "    if hidden is True:",
        f"        {value} = shown_{index}",
        "    else:",
        f"        {value} = row.get({withheld.column!r}) if hidden is False else None",
        f"        if type({value}) is not str:",
        *(f"            {line}" for line in called),
    ]


def _leaf_source(index: int, plan: _Column) -> list[str]:
    """The scalar's output value, or MISSING where the standard path must decide (a null where
    the type forbids one, a value the scalar refuses)."""
    value = f"v{index}"
    coerced = [
        f"if {value} is None:",
        f"    {value} = {'None' if plan.nullable else 'MISSING'}",
        f"elif {value} is not MISSING:",
        "    try:",
        f"        {value} = coerce_{index}({value})",
        "    except Exception:",
        f"        {value} = MISSING",
        "    else:",
        f"        if {value} is None or {value} is Undefined:",
        f"            {value} = MISSING",
    ]
    return _shortcut_source(index, plan, value, coerced, indent=4)


def _shortcut_source(
    index: int, plan: _Column | _Computed, variable: str, coerced: list[str], *, indent: int
) -> list[str]:
    """The lines setting ``v{index}`` from ``variable``: by the leaf's shortcut where it
    applies (see ``_leaf``), else by the ``coerced`` lines, which call the coercion."""
    margin = " " * indent
    value = f"v{index}"
    if plan.shortcut is str:
        # A String's coercion gives back a str as it is.
        if variable == value:
            return [
                f"{margin}if type({value}) is not str:",
                *(f"{margin}    {line}" for line in coerced),
            ]
        return [
            f"{margin}if type({variable}) is str:",
            f"{margin}    {value} = {variable}",
            f"{margin}else:",
            *(f"{margin}    {line}" for line in coerced),
        ]
    if isinstance(plan.shortcut, dict):
        # An enum's name, looked up as its coercion looks it up first.
        return [
            f"{margin}short = shortcut_{index}.get({variable}) if type({variable}) is str "
            "else None",
            f"{margin}if short is not None:",
            f"{margin}    {value} = short",
            f"{margin}else:",
            *(f"{margin}    {line}" for line in coerced),
        ]
    return [f"{margin}{line}" for line in coerced]


def _in_request_order(
    grouped_field_set: Any, loaded: dict[str, Any], others: dict[str, Any]
) -> dict[str, Any]:
    if not loaded:
        return others
    merged = {**loaded, **others}
    return {name: merged[name] for name in grouped_field_set if name in merged}


_CONNECTION_PARTS = frozenset({"edges", "pageInfo"})


def edges_requested(info: Info) -> bool:
    """strawberry's ``should_resolve_list_connection_edges``, read off the document itself.

    strawberry decides whether a connection fetches its nodes (or only counts them) by looking
    for ``edges`` or ``pageInfo`` anywhere below it. To look, it converts the connection's
    whole selection into its own objects, arguments and directives included: a few thousand
    steps for a page's query. The answer depends on the names alone, which this reads from the
    document's nodes, with the same rules (a fragment spread counts by its fragment's name,
    directives are not read).
    """
    raw_info = info._raw_info
    fragments = raw_info.fragments
    pending = [
        selection
        for node in raw_info.field_nodes
        if node.selection_set is not None
        for selection in node.selection_set.selections
    ]
    while pending:
        selection = pending.pop()
        if isinstance(selection, InlineFragmentNode):
            selection_set = selection.selection_set
        else:
            if selection.name.value in _CONNECTION_PARTS:
                return True
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                selection_set = getattr(fragment, "definition", fragment).selection_set
            else:
                selection_set = selection.selection_set
        if selection_set is not None:
            pending.extend(selection_set.selections)
    return False


def settle(schema: Any) -> None:
    """Do once, for the built schema, the work strawberry would otherwise repeat per field."""
    # Read by strawberry's connections, by this name, for every connection resolved.
    relay_types.should_resolve_list_connection_edges = edges_requested
    models_by_type: dict[str, type[models.Model]] = {}
    classes_by_type: dict[str, type] = {}
    for graphql_type in schema._schema.type_map.values():
        definition = (
            graphql_type.extensions.get("strawberry-definition")
            if isinstance(graphql_type, GraphQLObjectType)
            else None
        )
        origin = getattr(definition, "origin", None)
        model = django_model(origin)
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
