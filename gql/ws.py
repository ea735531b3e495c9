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
from graphql import GraphQLError
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
    _revoked: bool = False

    @contextlib.asynccontextmanager
    async def _joined(
        self,
        principal: Principal | None,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
    ) -> AsyncIterator[Member]:
        """This subscription's membership of its group, for ``principal`` (the
        connection's, checked as the subscription starts)."""
        groups: SubscriptionGroups = self.view.groups
        key = share_key(query, operation_name, variables, audience(principal) if principal else ())

        async def source(greetings: Greetings | None) -> Any:
            """The group's execution (run by its first member only)."""
            shared_context = dataclasses.replace(
                self.context,
                principal=principal,
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

    async def _subscription(
        self,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        frame: str,
        *,
        refuse: Callable[[GraphQLError], Awaitable[None]],
        refused: Callable[[Any], Awaitable[None]],
        complete: Callable[[], Awaitable[None]],
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        """One subscription, start to end, the same on both protocols: the token is
        checked as it starts; it joins its group and forwards updates; it completes
        when the group ends, and any failure is logged and completes it too."""
        try:
            principal = await self._principal_now(force=True)
            if principal is None:
                await refuse(query_error(Unauthenticated("The token was revoked; sign in again.")))
                return
            async with self._joined(principal, query, operation_name, variables) as member:
                ended = await self._forward(
                    member, frame, principal, refused=refused, stopped=stopped
                )
            if ended:
                await complete()
        except (_OperationStreamClosed, WebSocketDisconnected):
            return
        except Exception:  # never a silent end: log it, and tell the client it is over
            log.exception("a subscription failed")
            with contextlib.suppress(Exception):
                await complete()

    async def _forward(
        self,
        member: Member,
        frame: str,
        subscribed_as: Principal | None,
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
            refusal = await self._refusal(subscribed_as)
            await self.websocket.send_text(frame + (refusal or item.payload) + "}")
            if refusal is not None:
                return True
        return not member.overflowed

    async def _principal_now(self, *, force: bool = False) -> Principal | None:
        """Who the connection's token stands for now; None once revoked (for good:
        a revoked token never reads again on this connection). Asked through the
        token cache at most once a second unless ``force``; a lookup that fails keeps
        the last answer and is asked again next time."""
        if self._revoked:
            return None
        recheck = self.context.recheck
        now_s = asyncio.get_running_loop().time()
        every = getattr(self.view, "recheck_seconds", RECHECK_SECONDS)
        if recheck is None or (not force and now_s < self._rechecked_at + every):
            return self.context.principal
        try:
            now = await recheck()
        except Exception:  # the token store is down a moment: keep the last answer
            log.warning("re-checking a WebSocket's token failed", exc_info=True)
            return self.context.principal
        self._rechecked_at = now_s
        if now is None:
            self._revoked = True
            return None
        self.context.principal = now  # later subscriptions follow the new access
        return now

    async def _refusal(self, subscribed_as: Principal | None) -> str | None:
        """Why this subscription may no longer receive its updates: a final payload
        (no data, the error), after which it completes."""
        error = _access_error(subscribed_as, await self._principal_now())
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


def _access_error(subscribed_as: Principal | None, now: Principal | None) -> DomainError | None:
    """A revoked token, or access no longer what the subscription was computed for."""
    if now is None and subscribed_as is not None:
        return Unauthenticated("The token was revoked; sign in again.")
    if now is not None and subscribed_as is not None and audience(now) != audience(subscribed_as):
        return Forbidden("Your access changed; subscribe again.")
    return None


def _frame(operation_id: str, kind: str) -> str:
    """The start of a message whose pre-serialised payload follows (then ``}``)."""
    return f'{{"id":{orjson.dumps(operation_id).decode()},"type":"{kind}","payload":'


class PingingTransportWSHandler(GroupedSubscriptions, BaseGraphQLTransportWSHandler[Context, None]):
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        if not is_subscription(operation.query, operation.operation_name):
            await super().run_operation(operation)  # queries and mutations over WebSocket
            return
        await self._subscription(
            operation.query,
            operation.operation_name,
            operation.variables,
            _frame(operation.id, "next"),
            refuse=lambda error: operation.send_initial_errors([error]),
            refused=lambda result: self._handle_pre_execution_error(operation, result),
            stopped=lambda: operation.completed,
            complete=lambda: operation.send_operation_message(
                {"id": operation.id, "type": "complete"}
            ),
        )

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

        async def refuse(error: GraphQLError) -> None:
            await self.send_message(
                {"type": "error", "id": operation_id, "payload": error.formatted}
            )

        completed = False

        async def complete() -> None:
            nonlocal completed
            if not completed:
                completed = True
                await self.send_message({"type": "complete", "id": operation_id})

        try:
            await self._subscription(
                query,
                operation_name,
                variables,
                _frame(operation_id, "data"),
                refuse=refuse,
                refused=lambda result: refuse(result.errors[0]),
                complete=complete,
            )
        except asyncio.CancelledError:  # stopped by the client: Strawberry says complete
            with contextlib.suppress(Exception):
                await complete()
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
