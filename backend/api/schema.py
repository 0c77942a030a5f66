"""The one GraphQL schema: every app's queries, mutations and subscriptions assembled here."""

from __future__ import annotations

import strawberry
import strawberry_django
from django.conf import settings
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry_django.optimizer import DjangoOptimizerExtension
from strawberry_django.relay import resolve_model_id_attr

from backend.accounts.graphql.mutations import AccountMutation
from backend.accounts.graphql.queries import AccountQuery
from backend.notifications.graphql.mutations import NotificationsMutation
from backend.notifications.graphql.queries import NotificationsQuery
from backend.notifications.graphql.subscriptions import NotificationsSubscription
from backend.records.graphql.mutations import RecordsMutation
from backend.records.graphql.queries import RecordsQuery
from backend.records.graphql.subscriptions import RecordsSubscription
from backend.search.graphql.queries import SearchQuery


@strawberry.type
class NodeQuery:
    node: relay.Node | None = strawberry_django.node(
        description="Fetch any object by its global ID; null when it does not exist or is hidden."
    )


Query = merge_types(
    "Query", (NodeQuery, AccountQuery, RecordsQuery, SearchQuery, NotificationsQuery)
)
Mutation = merge_types("Mutation", (AccountMutation, RecordsMutation, NotificationsMutation))
Subscription = merge_types("Subscription", (NotificationsSubscription, RecordsSubscription))


def should_mask_error(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; keep the errors a client can act on (syntax, validation)."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def build_extensions() -> list:
    extensions = [
        lambda: QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        DjangoOptimizerExtension,
    ]
    if not settings.DEBUG:
        extensions.append(
            lambda: MaskErrors(
                should_mask_error=should_mask_error, error_message="Internal server error."
            )
        )
    return extensions


schema = strawberry.Schema(
    query=Query, mutation=Mutation, subscription=Subscription, extensions=build_extensions()
)


def _cache_model_node_id_attributes() -> None:
    """Settle once which model attribute holds each Node's id.

    Types without a ``NodeID`` annotation fall back to the primary key, but that fallback is not
    remembered, so every ``id`` field would scan and evaluate the type's annotations again.
    """
    for definition in schema.schema_converter.type_map.values():
        origin = getattr(definition.definition, "origin", None)
        if (
            isinstance(origin, type)
            and issubclass(origin, relay.Node)
            and origin._id_attr is None
            and getattr(origin, "__strawberry_django_definition__", None) is not None
        ):
            origin._id_attr = resolve_model_id_attr(origin)


_cache_model_node_id_attributes()
