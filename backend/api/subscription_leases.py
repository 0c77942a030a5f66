"""How many live subscriptions each signed-in user holds, across sockets and server processes.

Every subscription of a signed-in user holds a lease in a store all server processes share: Redis
when REDIS_URL is set, this process's memory otherwise (a single process). A lease lasts
``LEASE_SECONDS``; the socket renews the leases of its subscriptions while it lives and returns
each one when its subscription ends, so a server process that dies without cleaning up frees its
users' slots within ``LEASE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Iterable
from typing import Protocol

from django.conf import settings
from redis.asyncio import BlockingConnectionPool, Redis

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60


class SubscriptionLeases(Protocol):
    lease_seconds: float

    async def acquire(self, *, user_id: int, limit: int) -> str | None:
        """A new lease for one subscription of the user, or None when ``limit`` are held."""

    async def renew(self, *, user_id: int, leases: Iterable[str]) -> None:
        """Extend leases that are still held by another ``lease_seconds``."""

    async def release(self, *, user_id: int, lease: str) -> None:
        """Return a lease; returning one that expired already is not an error."""

    async def held(self, *, user_id: int) -> int:
        """How many unexpired leases the user holds."""


class MemorySubscriptionLeases:
    """Leases in this process's memory: enough when one server process serves every socket."""

    def __init__(self, *, lease_seconds: float = LEASE_SECONDS) -> None:
        self.lease_seconds = lease_seconds
        self._expiries: dict[int, dict[str, float]] = {}
        self._lock = threading.Lock()  # tests and servers may run several event loops

    def _live(self, user_id: int, now: float) -> dict[str, float]:
        leases = self._expiries.setdefault(user_id, {})
        for lease in [lease for lease, expiry in leases.items() if expiry <= now]:
            del leases[lease]
        return leases

    async def acquire(self, *, user_id: int, limit: int) -> str | None:
        now = time.monotonic()
        with self._lock:
            leases = self._live(user_id, now)
            if len(leases) >= limit:
                return None
            lease = uuid.uuid4().hex
            leases[lease] = now + self.lease_seconds
            return lease

    async def renew(self, *, user_id: int, leases: Iterable[str]) -> None:
        now = time.monotonic()
        with self._lock:
            held = self._live(user_id, now)
            for lease in leases:
                if lease in held:
                    held[lease] = now + self.lease_seconds

    async def release(self, *, user_id: int, lease: str) -> None:
        with self._lock:
            leases = self._expiries.get(user_id, {})
            leases.pop(lease, None)
            if not leases:
                self._expiries.pop(user_id, None)

    async def held(self, *, user_id: int) -> int:
        now = time.monotonic()
        with self._lock:
            return sum(expiry > now for expiry in self._expiries.get(user_id, {}).values())


# One sorted set per user: member = lease, score = expiry in Redis's own clock (so the clocks of
# the server machines do not matter). Expired leases are dropped before counting.
_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])))
return 1
"""

_RENEW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
for i = 2, #ARGV do
  redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1])))
return 1
"""


class RedisSubscriptionLeases:
    """Leases in Redis, shared by every server process.

    When Redis cannot be reached the subscription is let through (and logged): the cap protects
    the servers, it must not take live updates down with it.
    """

    def __init__(self, *, url: str, prefix: str, lease_seconds: float = LEASE_SECONDS) -> None:
        self.url = url
        self.prefix = prefix
        self.lease_seconds = lease_seconds
        # redis.asyncio connections belong to the event loop that opened them.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Redis] = (
            weakref.WeakKeyDictionary()
        )

    def _client(self) -> Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # Waits for a free connection rather than failing when many subscribe at once.
            pool = BlockingConnectionPool.from_url(
                self.url, max_connections=settings.REDIS_MAX_CONNECTIONS, timeout=10
            )
            client = Redis(connection_pool=pool)
            self._clients[loop] = client
        return client

    def key(self, user_id: int) -> str:
        return f"{self.prefix}:subscriptions:user:{user_id}"

    async def acquire(self, *, user_id: int, limit: int) -> str | None:
        lease = uuid.uuid4().hex
        try:
            granted = await self._client().eval(
                _ACQUIRE, 1, self.key(user_id), limit, self.lease_seconds, lease
            )
        except Exception:
            logger.warning("subscription leases unavailable; not counting", exc_info=True)
            return lease
        return lease if granted else None

    async def renew(self, *, user_id: int, leases: Iterable[str]) -> None:
        leases = list(leases)
        if not leases:
            return
        try:
            await self._client().eval(_RENEW, 1, self.key(user_id), self.lease_seconds, *leases)
        except Exception:
            logger.warning("subscription leases unavailable; not renewed", exc_info=True)

    async def release(self, *, user_id: int, lease: str) -> None:
        try:
            await self._client().zrem(self.key(user_id), lease)
        except Exception:
            logger.warning("subscription lease not returned; it expires", exc_info=True)

    async def held(self, *, user_id: int) -> int:
        seconds, microseconds = await self._client().time()
        return await self._client().zcount(
            self.key(user_id), f"({seconds + microseconds / 1_000_000}", "+inf"
        )


@functools.cache
def _leases(url: str, prefix: str) -> SubscriptionLeases:
    if url:
        return RedisSubscriptionLeases(url=url, prefix=prefix)
    return MemorySubscriptionLeases()


def subscription_leases() -> SubscriptionLeases:
    """The lease store of this process: Redis when REDIS_URL is set, else memory."""
    return _leases(settings.REDIS_URL, settings.REDIS_PREFIX)
