"""WebSocket protocol behaviour Strawberry leaves out: keep-alive, init timeouts, and
subscriptions delivered through shared groups (``gql.subscription_groups``).

- graphql-transport-ws: the server sends ``ping`` every ``ping_seconds`` once the
  connection is acknowledged (Strawberry only answers pings), so proxies keep the
  connection and a dead client is noticed; ``connection_init`` must arrive within
  the view's ``connection_init_wait_timeout`` (closed with 4408 otherwise).
- graphql-ws (legacy): Strawberry's own ``ka`` messages keep it alive; this adds the
  same init timeout (closed with 4408), which Strawberry does not apply there.
- both: every subscription is delivered through a group, identical ones sharing one
  execution; its payload goes out pre-serialised. Before each update the token is
  checked again (through the token cache): a revoked token ends the subscription,
  and so does a change in what it may see (the group's updates were computed for
  the old access; subscribing again follows the new). A connection too slow to take
  its updates is closed with 1013 and a reason, and may resume with ``after``.
"""

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from domain.access import Principal, audience
from domain.errors import DomainError, Forbidden, Unauthenticated
from gql.context import Context, Loaders
from gql.errors import query_error
from gql.subscription_groups import (
    Greetings,
    Member,
    SubscriptionGroups,
    is_greeted,
    is_subscription,
    share_key,
)

log = logging.getLogger("frontdesk.subscriptions")
RECHECK_SECONDS = 1.0
"""How often a connection's token is re-checked while updates flow (through the
token cache): thousands of subscribers per event need not each ask every time."""
SLOW_CONSUMER = 1013
"""Close code for a client that reads slower than its updates come ("try again later":
clients such as graphql-ws reconnect, and may resume with ``after``)."""


class GroupedSubscriptions:
    """What both protocol handlers share: joining a group, per-member access checks,
    and dropping a connection too slow for its updates."""

    view: Any
    schema: Any
    context: Context
    root_value: Any
    websocket: Any
    _closing: asyncio.Task[None] | None = None
    _rechecked_at: float = float("-inf")

    @contextlib.asynccontextmanager
    async def _joined(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None
    ) -> AsyncIterator[Member]:
        groups: SubscriptionGroups = self.view.groups
        principal = self.context.principal
        key = share_key(query, operation_name, variables, audience(principal) if principal else ())

        async def source(greetings: Greetings | None) -> Any:
            """The group's execution (run by its first member only)."""
            shared_context = dataclasses.replace(
                self.context,
                recheck=None,  # each member checks its own token (``_refusal``)
                greetings=greetings,
                loaders=Loaders(
                    include_internal=principal is not None and principal.sees_internal_notes,
                    clock=self.context.clock,
                ),
            )
            return await self.schema.subscribe(
                query,
                variable_values=variables,
                context_value=shared_context,
                root_value=self.root_value,
                operation_name=operation_name,
            )

        greeted = is_greeted(query, operation_name)
        async with groups.join(key, source, self._too_slow, greeted=greeted) as member:
            yield member

    async def _forward(
        self,
        member: Member,
        frame: str,
        *,
        refused: Callable[[Any], Awaitable[None]],
        stopped: Callable[[], bool] = lambda: False,
    ) -> bool:
        """Sends the group's updates to this subscriber: True when the subscription
        ran its course (say ``complete``), False when it was refused at start (told by
        ``refused``), stopped by the client, or dropped as too slow."""
        async for item in member.results():
            if item.payload is None:
                await refused(item.result)
                return False
            if stopped():
                return False
            refusal = await self._refusal()
            await self.websocket.send_text(frame + (refusal or item.payload) + "}")
            if refusal is not None:
                return True
        return not member.overflowed

    async def _refusal(self) -> str | None:
        """Why this connection may no longer receive the updates it subscribed to: a
        final payload (no data, the error), after which the subscription completes.
        Asked at most once a second per connection (``RECHECK_SECONDS``)."""
        recheck = self.context.recheck
        now_s = asyncio.get_running_loop().time()
        if recheck is None or now_s < self._rechecked_at + RECHECK_SECONDS:
            return None
        self._rechecked_at = now_s
        was: Principal | None = self.context.principal
        now = await recheck()
        error: DomainError | None = None
        if now is None:
            error = Unauthenticated("The token was revoked; sign in again.")
        elif was is not None and audience(now) != audience(was):
            error = Forbidden("Your access changed; subscribe again.")
        if error is None:
            return None
        return orjson.dumps({"data": None, "errors": [query_error(error).formatted]}).decode()

    def _too_slow(self, limit: int) -> None:
        if self._closing is None:
            reason = f"Too slow: over {limit} updates waited; reconnect, resume with after"
            log.warning("closing a WebSocket that fell %s updates behind", limit)
            self._closing = asyncio.create_task(self._close(SLOW_CONSUMER, reason))

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code=code, reason=reason)


def _frame(operation_id: str, kind: str) -> str:
    """The start of a message whose pre-serialised payload follows (then ``}``)."""
    return f'{{"id":{orjson.dumps(operation_id).decode()},"type":"{kind}","payload":'


class PingingTransportWSHandler(GroupedSubscriptions, BaseGraphQLTransportWSHandler[Context, None]):
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        if not is_subscription(operation.query, operation.operation_name):
            await super().run_operation(operation)  # queries and mutations over WebSocket
            return
        frame = _frame(operation.id, "next")
        try:
            async with self._joined(
                operation.query, operation.operation_name, operation.variables
            ) as member:
                ended = await self._forward(
                    member,
                    frame,
                    refused=lambda result: self._handle_pre_execution_error(operation, result),
                    stopped=lambda: operation.completed,
                )
            if ended:
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except (_OperationStreamClosed, WebSocketDisconnected):
            return

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self.view.pinger.add(self)

    async def shutdown(self) -> None:
        self.view.pinger.discard(self)
        await super().shutdown()


class Pinger:
    """Pings every acknowledged graphql-transport-ws connection every ``seconds``.

    One task for the process rather than a sleeping task per connection: an idle
    subscriber should cost as little as possible. Each ping is sent by a short task of
    its own, so a connection slow to take it delays no other.
    """

    PING = '{"type":"ping"}'

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._handlers: set[PingingTransportWSHandler] = set()
        self._sending: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, handler: "PingingTransportWSHandler") -> None:
        self._handlers.add(handler)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="frontdesk-ws-pinger")

    def discard(self, handler: "PingingTransportWSHandler") -> None:
        self._handlers.discard(handler)

    async def _run(self) -> None:
        while self._handlers:
            await asyncio.sleep(self.seconds)
            for handler in list(self._handlers):
                task = asyncio.create_task(self._ping(handler))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def _ping(self, handler: "PingingTransportWSHandler") -> None:
        with contextlib.suppress(Exception):  # the connection went: its shutdown discards it
            await handler.websocket.send_text(self.PING)


class TimedGraphQLWSHandler(GroupedSubscriptions, BaseGraphQLWSHandler[Context, None]):
    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        if not is_subscription(query, operation_name):
            await super().handle_async_results(operation_id, query, operation_name, variables)
            return
        frame = _frame(operation_id, "data")
        try:
            async with self._joined(query, operation_name, variables) as member:
                ended = await self._forward(
                    member,
                    frame,
                    refused=lambda result: self.send_message(
                        {"type": "error", "id": operation_id, "payload": result.errors[0].formatted}
                    ),
                )
            if ended:
                await self.send_message({"type": "complete", "id": operation_id})
        except asyncio.CancelledError:  # stopped by the client: Strawberry says complete
            with contextlib.suppress(Exception):
                await self.send_message({"type": "complete", "id": operation_id})
        except WebSocketDisconnected:
            return
        finally:
            self.tasks.pop(operation_id, None)

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
