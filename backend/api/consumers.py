"""GraphQL over WebSocket (graphql-transport-ws) on /graphql."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from graphql import GraphQLError, parse
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType
from strawberry.utils.operation import get_operation_type

from backend.api.auth import AccessTokenRefused, user_from_access_token, user_from_session_token
from backend.api.subscription_leases import subscription_leases
from backend.common.graphql import Context
from backend.common.models import prefetched_released

SUBSCRIPTION_LIMIT = "SUBSCRIPTION_LIMIT"


@functools.lru_cache(maxsize=256)
def _is_subscription(query: str, operation_name: str | None) -> bool:
    try:
        document = parse(query)
        return get_operation_type(document, operation_name) == OperationType.SUBSCRIPTION
    except Exception:  # strawberry answers a malformed operation itself
        return False


def _signed_in_user_id(context: Context) -> int | None:
    user = context.user
    return user.pk if user.is_authenticated else None


class TransportHandler(BaseGraphQLTransportWSHandler):
    """graphql-transport-ws, with each signed-in user's live subscriptions capped.

    The cap (GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER) counts the user's subscriptions on every socket
    and server process; one over it is refused with an ``error`` message whose code is
    SUBSCRIPTION_LIMIT, and the user's other subscriptions go on. Anonymous subscriptions are
    capped per socket only (GRAPHQL_MAX_SUBSCRIPTIONS_PER_SOCKET), like every operation.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._user_id: int | UnsetType | None = UNSET
        self._leases: dict[str, str] = {}  # operation id -> lease
        self._renewal: asyncio.Task | None = None

    async def _viewer_id(self) -> int | None:
        if isinstance(self._user_id, UnsetType):
            # A cookie session's user is loaded lazily, from the database.
            self._user_id = await sync_to_async(_signed_in_user_id)(self.context)
        return self._user_id

    async def run_operation(self, operation: Operation) -> None:
        if not _is_subscription(operation.query, operation.operation_name):
            await super().run_operation(operation)
            return
        user_id = await self._viewer_id()
        if user_id is None:
            await super().run_operation(operation)
            return
        limit = settings.GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER
        store = subscription_leases()
        lease = await store.acquire(user_id=user_id, limit=limit)
        if lease is None:
            error = GraphQLError(
                f"You have {limit} live subscriptions open; close one to start another.",
                extensions={"code": SUBSCRIPTION_LIMIT},
            )
            await operation.send_operation_message(
                {"id": operation.id, "type": "error", "payload": [error.formatted]}
            )
            return
        self._leases[operation.id] = lease
        if self._renewal is None:
            self._renewal = asyncio.create_task(self._renew_leases(user_id))
        try:
            await super().run_operation(operation)
        finally:
            if self._leases.get(operation.id) == lease:
                del self._leases[operation.id]
            await store.release(user_id=user_id, lease=lease)

    async def _send_result_stream(self, operation: Operation, result_source: Any) -> None:
        # Each result's rows are freed once it has been sent, as an HTTP response's are: the one
        # result of a query or mutation, and each of a subscription's in turn while it runs.
        results = released_each(result_source)
        async with contextlib.aclosing(results):
            await super()._send_result_stream(operation, results)

    async def _renew_leases(self, user_id: int) -> None:
        store = subscription_leases()
        while True:
            await asyncio.sleep(store.lease_seconds / 3)
            await store.renew(user_id=user_id, leases=list(self._leases.values()))

    async def shutdown(self) -> None:
        await super().shutdown()
        if self._renewal is not None:
            self._renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewal


async def released_each(results: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The results, each one's rows let go of once the next is asked for (it has been sent)."""
    with prefetched_released() as release:
        async for result in results:
            yield result
            release()


class GraphQLConsumer(GraphQLWSConsumer):
    """Authenticates with ``connectionParams.sessionToken`` or ``connectionParams.accessToken``
    (a third-party app's OpenID Connect access token; never the URL), else the cookie.

    A token that does not resolve to an active session closes the socket with 4403: a client
    that meant to be someone must not silently become anonymous.
    """

    graphql_transport_ws_handler_class = TransportHandler

    async def get_context(self, request: Any, response: Any) -> Context:
        return Context(request=request, response=response)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        if not isinstance(params, dict):
            raise ConnectionRejectionError({"message": "connectionParams must be an object."})
        if "accessToken" in params:
            if "sessionToken" in params:
                raise ConnectionRejectionError(
                    {"message": "Send either accessToken or sessionToken, not both."}
                )
            try:
                user, delegation = await sync_to_async(user_from_access_token)(
                    params["accessToken"], resource=_http_url(self.scope)
                )
            except AccessTokenRefused as refusal:
                raise ConnectionRejectionError(
                    {"message": refusal.message, "code": refusal.code}
                ) from None
            self.scope["user"] = user
            self.scope["delegation"] = delegation
        elif "sessionToken" in params:
            user = await sync_to_async(user_from_session_token)(params["sessionToken"])
            if user is None:
                raise ConnectionRejectionError(
                    {"message": "The session token is invalid or has expired."}
                )
            self.scope["user"] = user
        return UNSET


def _http_url(scope: dict[str, Any]) -> str:
    """The socket's URL as the HTTP resource an access token may be issued for."""
    headers = dict(scope.get("headers") or ())
    host = headers.get(b"host", b"").decode("latin-1")
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    return f"{scheme}://{host}{scope.get('path', '')}"


def graphql_consumer() -> Any:
    from backend.api.schema import schema

    return GraphQLConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=settings.GRAPHQL_MAX_SUBSCRIPTIONS_PER_SOCKET,
        allowed_origins=settings.CORS_ALLOWED_ORIGINS,
    )
