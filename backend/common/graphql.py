"""What every app's GraphQL layer shares: the request context and the shape of errors as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from django.contrib.auth.models import AnonymousUser
from graphql import GraphQLError
from strawberry import relay
from strawberry.relay import from_base64
from strawberry.relay.utils import SliceMetadata
from strawberry.types import Info
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
