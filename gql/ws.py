"""WebSocket protocol behaviour Strawberry leaves out: keep-alive and init timeouts.

- graphql-transport-ws: the server sends ``ping`` every ``ping_seconds`` once the
  connection is acknowledged (Strawberry only answers pings), so proxies keep the
  connection and a dead client is noticed; ``connection_init`` must arrive within
  the view's ``connection_init_wait_timeout`` (closed with 4408 otherwise).
- graphql-ws (legacy): Strawberry's own ``ka`` messages keep it alive; this adds the
  same init timeout (closed with 4408), which Strawberry does not apply there.
"""

import asyncio
import contextlib
from typing import Any

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from gql.context import Context


class PingingTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    ping_seconds: float = 15.0
    _pinging: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and self._pinging is None:
            self._pinging = asyncio.create_task(self._ping())

    async def _ping(self) -> None:
        seconds = getattr(self.view, "ping_seconds", self.ping_seconds)
        with contextlib.suppress(Exception):  # the connection went: shutdown cancels us
            while True:
                await asyncio.sleep(seconds)
                await self.send_message({"type": "ping"})

    async def shutdown(self) -> None:
        if self._pinging is not None:
            self._pinging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinging
        await super().shutdown()


class TimedGraphQLWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def handle(self) -> None:
        timeout = asyncio.create_task(self._close_unless_initialised())
        try:
            await super().handle()
        finally:
            timeout.cancel()

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            await self.websocket.close(code=4408, reason="Connection initialisation timeout")
