"""What a third-party app's access token may run through GraphQL.

The rule, checked before anything runs: an operation sent with an access token needs the
``town.read`` scope (a token is only ever needed for the resident's own data; public records
need no token at all), and a mutation needs ``town.write`` as well (its payload reads what it
changed). Anything else is refused with a GraphQL error whose code is INSUFFICIENT_SCOPE, and
the HTTP view answers it with 403. Staff powers never travel with a token: see
``backend.accounts.delegation``.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from backend.accounts.oidc import TOWN_READ, TOWN_WRITE

INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE"


def scopes_required(operation_type: OperationType) -> tuple[str, ...]:
    if operation_type == OperationType.MUTATION:
        return (TOWN_READ, TOWN_WRITE)
    return (TOWN_READ,)


class ScopeGuard(SchemaExtension):
    """Refuses, as a request error, an operation the access token's scopes do not cover.

    Runs after the (cached) validation, so the refusal is never cached for other callers, and
    before execution, so a refused mutation or subscription changes and starts nothing.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        delegation = getattr(context.context, "delegation", None)
        if delegation is not None and not context.pre_execution_errors:
            required = scopes_required(context.operation_type)
            missing = [scope for scope in required if scope not in delegation.scopes]
            if missing:
                kind = context.operation_type.value
                context.pre_execution_errors = [
                    GraphQLError(
                        f"This access token may not run a {kind}: it needs the scopes "
                        f"{' and '.join(required)}, and {', '.join(missing)} was not granted.",
                        extensions={
                            "code": INSUFFICIENT_SCOPE,
                            "requiredScopes": list(required),
                            "missingScopes": missing,
                        },
                    )
                ]
        yield
