"""What every app's GraphQL layer shares: the request context and the shape of errors as data."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import strawberry
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import FieldExtension
from strawberry.relay import GlobalID, from_base64
from strawberry.relay.utils import SliceMetadata
from strawberry.types import Info
from strawberry.types.base import StrawberryContainer, StrawberryObjectDefinition
from strawberry.utils.inspect import in_async_context
from strawberry_django.fields.field import StrawberryDjangoField
from strawberry_django.relay import DjangoListConnection

from backend.common.errors import ActionError
from backend.common.models import QuerySet


@dataclass
class Context:
    """Per-operation context. ``request`` is the Django request, or the consumer on a WebSocket."""

    request: Any
    response: Any = None
    connection_params: dict[str, Any] | None = None
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> Any:
        user = getattr(self.request, "user", None)
        if user is None:
            scope = getattr(self.request, "scope", None) or {}
            user = scope.get("user")
        return user if user is not None else AnonymousUser()

    @property
    def delegation(self) -> Any:
        """The third-party app acting for the user, and its scopes; None for the user themself.

        Set by the HTTP view and the WebSocket consumer when an OpenID Connect access token
        authenticated the request (``backend.accounts.delegation.Delegation``).
        """
        delegation = getattr(self.request, "delegation", None)
        if delegation is None:
            scope = getattr(self.request, "scope", None) or {}
            delegation = scope.get("delegation")
        return delegation


@dataclass(frozen=True, slots=True)
class Withheld:
    """What a resolver answers when its row says whether its content is withheld.

    Where the row's ``flag`` is ``True`` the answer is ``shown``; where it is ``False``, the
    row's ``column``. The resolver stays the authority for anything else (the flag missing or
    not a bool, the column not loaded); the executor reads the row itself in the two cases
    declared, without calling the resolver.
    """

    flag: str
    column: str
    shown: Any


def withheld_by(flag: str, *, column: str, shown: Any) -> Any:
    """Declare on a resolver that it answers as ``Withheld`` says (see there)."""

    def declare(resolver: Any) -> Any:
        resolver.withheld = Withheld(flag, column, shown)
        return resolver

    return declare


def django_model(origin: Any) -> type[models.Model] | None:
    """The model a strawberry-django type stands for; None for any other type."""
    return getattr(getattr(origin, "__strawberry_django_definition__", None), "model", None)


def viewer(info: Info) -> Any:
    """The user on whose behalf this operation runs (AnonymousUser when nobody is signed in)."""
    return info.context.user


def errors_from(error: ActionError, error_type: type, code_enum: type) -> list[Any]:
    """Turn an action's failure into the app's typed GraphQL errors."""
    return [
        error_type(field=item.field, message=item.message, code=code_enum(item.code))
        for item in error.errors
    ]


@strawberry.interface(description="An expected failure of a mutation: nothing was changed.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault, as a dotted path; null when no single field is."
    )
    message: str = strawberry.field(description="A sentence a person can read.")


# The code of a top-level error a client caused with an argument it can correct.
INVALID_ARGUMENT = "INVALID"


class DjangoField(StrawberryDjangoField):
    """strawberry-django's field, which runs its queryset hook in place where nothing can be
    awaited.

    Elsewhere it wraps the hook, for every call, in a resolver that can leave the event loop
    for a thread (``django_resolver``, with asgiref's ``sync_to_async``): where no loop runs
    (the HTTP view), that resolver only calls the hook, and building it costs more than the
    rest of the hook's plumbing.
    """

    def _can_run_qs_hook_inline(self, queryset: models.QuerySet) -> bool:
        return not in_async_context() or super()._can_run_qs_hook_inline(queryset)


@strawberry.type(name="Connection", description="A connection to a list of items.")
class ListConnection(DjangoListConnection[relay.NodeType]):
    """strawberry-django's connection, which refuses wrong paging arguments clearly and tells a
    load plan which rows its page returns.

    strawberry reads ``first``, ``last``, ``before`` and ``after`` with errors a production
    server masks as internal ones (a cursor that is not one is a base64 error), or does not
    catch (a negative position). Here they are checked first, each refused with an error that
    names the argument.

    A page fetches one row more than it returns, to tell whether another page follows. A load
    plan (``backend.api.loading``) would load that row's relations as well, for nothing.
    """

    @classmethod
    def resolve_connection(
        cls,
        nodes: Any,
        *,
        info: Info,
        before: str | None = None,
        after: str | None = None,
        first: int | None = None,
        last: int | None = None,
        max_results: int | None = None,
        **kwargs: Any,
    ) -> Any:
        for name, cursor in (("after", after), ("before", before)):
            if cursor and not _is_position(cursor):
                raise GraphQLError(
                    f"Argument '{name}' is not a cursor of this list.",
                    extensions={"code": INVALID_ARGUMENT},
                )
        try:
            # The slice strawberry takes below: the same arguments give the same page.
            page = SliceMetadata.from_arguments(
                info,
                before=before,
                after=after,
                first=first,
                last=last,
                max_results=max_results,
                prefix=relay.Edge.CURSOR_PREFIX,
            )
        except ValueError as error:  # "Argument 'first' cannot be higher than 100.", ...
            raise GraphQLError(str(error), extensions={"code": INVALID_ARGUMENT}) from None
        if isinstance(nodes, QuerySet) and nodes.planned and page.expected is not None:
            nodes = nodes.page_kept(page.start, page.overfetch, page.expected)
        return super().resolve_connection(
            nodes,
            info=info,
            before=before,
            after=after,
            first=first,
            last=last,
            max_results=max_results,
            **kwargs,
        )


def _is_position(cursor: str) -> bool:
    """Whether ``cursor`` is one a list connection hands out: a position in the list."""
    try:
        prefix, position = from_base64(cursor)
    except ValueError:
        return False
    return prefix == relay.Edge.CURSOR_PREFIX and position.isascii() and position.isdigit()


class NodeLookup(FieldExtension):
    """A node field's ``id`` that can name no object of the field's type finds nothing: null.

    strawberry resolves the type an ID names and asks that type for the row. An ID naming a
    type that is no node (``Query:1``), a node of another type than the field's (a body's ID
    given to ``meeting``), or a key the model's own cannot hold (``Meeting:abc``) otherwise
    fails there, as an internal error or a type mismatch: none of them exists, as the field's
    description promises for what does not.
    """

    def apply(self, field: Any) -> None:
        self.node_type = _node_type(field.type)

    def resolve(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        if not self._may_exist(kwargs.get("id"), info):
            return None
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        if not self._may_exist(kwargs.get("id"), info):
            return None
        result = next_(source, info, **kwargs)
        return await result if inspect.isawaitable(result) else result

    def _may_exist(self, node_id: Any, info: Info) -> bool:
        if not isinstance(node_id, GlobalID):
            return True
        definition = info.schema.get_type_by_name(node_id.type_name)
        origin = getattr(definition, "origin", None)
        if not (
            isinstance(definition, StrawberryObjectDefinition)
            and isinstance(origin, type)
            and issubclass(origin, self.node_type)
        ):
            return False
        model = django_model(origin)
        if model is None:
            return True
        id_attr = origin.resolve_id_attr()
        try:
            key = model._meta.pk if id_attr == "pk" else model._meta.get_field(id_attr)
            key.to_python(node_id.node_id)
        except (FieldDoesNotExist, ValidationError):
            return False
        return True


def _node_type(field_type: Any) -> type:
    """The node type a field returns (``relay.Node`` for any node)."""
    while isinstance(field_type, StrawberryContainer):
        field_type = field_type.of_type
    return field_type if isinstance(field_type, type) else relay.Node
