"""Bearer tokens to principals, with a short cache in front of the database.

Dashboards and integrations send the same token many times a second; looking
it up each time cost an SQL round trip and an ORM row per request. Principals
are cached by the token's digest for ``ttl`` seconds, so a revoked token stops
working within that time (0 disables the cache: every request asks the database).
Concurrent lookups of one token share one query: thousands of subscriptions on
one token re-check it together when its entry expires.
"""

import asyncio
import dataclasses
import re
import time
from collections import OrderedDict
from collections.abc import Callable

from domain import tokens
from domain.access import Principal

MAX_ENTRIES = 10_000


class PrincipalCache:
    def __init__(self, ttl: float, now: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._now = now
        self._entries: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._lookups: dict[str, asyncio.Future[Principal | None]] = {}

    async def principal_for(self, token: str) -> Principal | None:
        if self.ttl <= 0:
            return await tokens.principal_for(token)
        key = tokens.digest(token)
        now = self._now()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        pending = self._lookups.get(key)
        if pending is None:  # one lookup per token at a time, however many ask at once
            pending = asyncio.ensure_future(tokens.principal_for(token))
            self._lookups[key] = pending
            pending.add_done_callback(lambda _: self._lookups.pop(key, None))
        principal = await asyncio.shield(pending)
        if principal is None:  # unknown tokens are not cached: they cannot fill memory
            self._entries.pop(key, None)
            return None
        self._entries[key] = (now + self.ttl, principal)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)
        return principal


async def authenticate(
    header: str | None, cache: PrincipalCache
) -> tuple[Principal | None, str | None]:
    """(principal, error): no header is anonymous; a bad one is an error, never anonymous."""
    if not header:
        return None, None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None, "The Authorization header must be 'Bearer <token>'."
    principal = await cache.principal_for(token.strip())
    if principal is None:
        return None, "The token is unknown or has been revoked."
    return principal, None


_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
CLIENT_ID_RULE = "X-Client-Id must be 1 to 64 letters, digits, '.', '_', ':' or '-'."


def with_client(principal: Principal | None, client_id: str | None) -> Principal | None:
    """The principal acting for the client that named itself; ValueError if the name
    is malformed (it is stored on events and compared, so it must be plain)."""
    if client_id is None:
        return principal
    if _CLIENT_ID.fullmatch(client_id) is None:
        raise ValueError(CLIENT_ID_RULE)
    return dataclasses.replace(principal, client_id=client_id) if principal else None
