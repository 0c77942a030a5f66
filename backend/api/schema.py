"""The one GraphQL schema: every app's queries, mutations and subscriptions assembled here."""

from __future__ import annotations

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.tools import merge_types

from backend.accounts.graphql.mutations import AccountMutation
from backend.accounts.graphql.queries import AccountQuery
from backend.api.execution import Executor, build_extensions, settle
from backend.api.extension_hooks import Schema
from backend.common.graphql import NodeLookup
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
        description="Fetch any object by its global ID; null when it does not exist or is hidden.",
        extensions=[NodeLookup()],
    )


Query = merge_types(
    "Query", (NodeQuery, AccountQuery, RecordsQuery, SearchQuery, NotificationsQuery)
)
Mutation = merge_types("Mutation", (AccountMutation, RecordsMutation, NotificationsMutation))
Subscription = merge_types("Subscription", (NotificationsSubscription, RecordsSubscription))


schema = Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=build_extensions(),
    execution_context_class=Executor,
)


settle(schema)
