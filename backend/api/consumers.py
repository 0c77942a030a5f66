"""GraphQL over WebSocket (graphql-transport-ws) on /graphql."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from backend.api.auth import user_from_session_token
from backend.common.graphql import Context


class GraphQLConsumer(GraphQLWSConsumer):
    """Authenticates with ``connectionParams.sessionToken`` (never the URL), else the cookie.

    A token that does not resolve to an active session closes the socket with 4403: a client
    that meant to be someone must not silently become anonymous.
    """

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(request=request, response=response)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        if not isinstance(params, dict):
            raise ConnectionRejectionError({"message": "connectionParams must be an object."})
        if "sessionToken" in params:
            user = await sync_to_async(user_from_session_token)(params["sessionToken"])
            if user is None:
                raise ConnectionRejectionError(
                    {"message": "The session token is invalid or has expired."}
                )
            self.scope["user"] = user
        return UNSET


def graphql_consumer() -> Any:
    from backend.api.schema import schema

    return GraphQLConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=settings.GRAPHQL_MAX_SUBSCRIPTIONS_PER_SOCKET,
        allowed_origins=settings.CORS_ALLOWED_ORIGINS,
    )
