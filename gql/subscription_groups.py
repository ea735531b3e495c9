"""Identical subscriptions share one execution and one serialised payload per event.

Strawberry runs a subscription's resolver and executes its selection once per
subscriber per event, so the cost grows with subscribers. Here every subscription
joins a *group*; subscriptions with the same operation, variables and audience
(what the token may see: ``access.audience``) join the same one. A group runs the
operation once, serialises each result once, and hands the same bytes to every
member: the cost grows with distinct subscriptions, not subscribers.

A subscription that cannot join others (it resumes ``after`` a position, so its
first updates are its own) still goes through a group, of one, so every
subscription is delivered the same way:

- each member has a bounded queue of pending results; a member whose queue is full
  (its client reads slower than updates come) is dropped with a reason, and
  neither the group nor the other members wait for it;
- a group whose last member leaves stops its execution.

Some subscriptions begin with a message built for their subscriber: a queue's
first update lists the whole queue, and later ones are diffs against it. A late
joiner of such a group waits until the execution, asked through ``Greetings``,
yields a fresh listing consistent with the diffs that follow; that listing goes
only to the members waiting for it.
"""

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    FieldNode,
    GraphQLError,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    parse,
)
from graphql.utilities import get_operation_ast
from strawberry.types.execution import ExecutionResult, PreExecutionError

log = logging.getLogger("frontdesk.subscriptions")

RESUME_ARGUMENT = "after"
GREETED_FIELDS = frozenset({"queueUpdates"})
"""Subscriptions whose first message is a listing later messages build on."""


class Greetings:
    """Between a group and its execution: members wait for a first message (a
    greeting); the execution listens for requests and marks what it yields as one."""

    def __init__(self) -> None:
        self._listener: Callable[[], None] | None = None
        self._pending = False
        self._marked = False

    def listen(self, callback: Callable[[], None]) -> None:
        """The execution's way to hear of new members (at once if some already wait)."""
        self._listener = callback
        if self._pending:
            callback()

    def request(self) -> None:
        self._pending = True
        if self._listener is not None:
            self._listener()

    def mark(self) -> None:
        """Called by the execution just before it yields a greeting."""
        self._marked = True
        self._pending = False

    def take(self) -> bool:
        """Whether the result just produced is a greeting."""
        marked, self._marked = self._marked, False
        return marked


@dataclass(frozen=True, slots=True)
class Result:
    """One result of a group's execution: what Strawberry produced, and its payload
    serialised once for everyone (None for a pre-execution error, sent per protocol)."""

    result: Any
    payload: str | None


END: Result = Result(None, None)
"""The group's execution finished: each member completes its subscription."""


def _payload(result: ExecutionResult) -> str:
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        body["extensions"] = result.extensions
    return orjson.dumps(body).decode()


class Member:
    """One subscriber's place in a group: a bounded queue it drains at its own pace.

    Kept small (a list, and a future only while waiting): a process holds one per
    subscriber, thousands of them idle."""

    __slots__ = ("_limit", "_on_overflow", "_pending", "_waiter", "greeted", "overflowed")

    def __init__(self, limit: int, on_overflow: Callable[[int], None]) -> None:
        self._limit = limit
        self._on_overflow = on_overflow
        self._pending: list[Result] = []
        self._waiter: asyncio.Future[None] | None = None
        self.overflowed = False
        self.greeted = False
        """Whether it has had its first message (groups with greetings only)."""

    def offer(self, item: Result) -> None:
        if self.overflowed:
            return
        if len(self._pending) >= self._limit and item is not END:
            self.overflowed = True
            self._pending.clear()
            self._wake()
            self._on_overflow(self._limit)
            return
        self._pending.append(item)
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def results(self) -> AsyncIterator[Result]:
        """Pending results in order, until the group ends or this member overflowed."""
        while not self.overflowed:
            if not self._pending:
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
                continue
            item = self._pending.pop(0)  # at most ``limit`` long: a short move
            if item is END:
                return
            yield item


class Group:
    def __init__(
        self,
        key: Hashable | None,
        on_empty: Callable[["Group"], None],
        greetings: Greetings | None = None,
    ) -> None:
        self.key = key
        self.members: list[Member] = []
        self.greetings = greetings
        self._on_empty = on_empty
        self._task: asyncio.Task[None] | None = None

    def add(self, member: Member) -> None:
        self.members.append(member)
        if self.greetings is not None:
            self.greetings.request()

    def start(self, source: Callable[[], Awaitable[Any]]) -> None:
        self._task = asyncio.create_task(self._run(source), name="frontdesk-subscription-group")

    async def _run(self, source: Callable[[], Awaitable[Any]]) -> None:
        stream = None
        try:
            stream = await source()
            async for result in stream:
                if isinstance(result, PreExecutionError):  # refused: each protocol says so
                    self._deliver(Result(result, None))
                elif isinstance(result, ExecutionResult):
                    greeting = self.greetings is not None and self.greetings.take()
                    if result.data is None and result.errors:
                        self._on_empty(self)  # the end: a later subscriber gets its own answer
                    self._deliver(Result(result, _payload(result)), greeting=greeting)
        except Exception:  # one operation failing must not go unnoticed or take others down
            log.exception("a shared subscription failed")
        finally:
            self._on_empty(self)  # no one may join a finished group
            if stream is not None:
                with contextlib.suppress(Exception):
                    await stream.aclose()
            self._deliver(END)

    def _deliver(self, item: Result, *, greeting: bool = False) -> None:
        """A greeting goes to the members waiting for one; anything else to the
        greeted (or, in groups without greetings, to all); an error to everyone."""
        to_all = self.greetings is None or item is END or item.payload is None
        for member in list(self.members):
            if to_all or item.result.errors or member.greeted != greeting:
                member.greeted = member.greeted or greeting
                member.offer(item)

    def leave(self, member: Member) -> None:
        with contextlib.suppress(ValueError):
            self.members.remove(member)
        if not self.members:
            self._on_empty(self)
            if self._task is not None and not self._task.done():
                self._task.cancel()


class SubscriptionGroups:
    """The process's groups, by key; ``limit`` is each member's queue bound."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self._groups: dict[Hashable, Group] = {}

    def __len__(self) -> int:
        return len(self._groups)

    def _forget(self, group: Group) -> None:
        if group.key is not None and self._groups.get(group.key) is group:
            del self._groups[group.key]

    @contextlib.asynccontextmanager
    async def join(
        self,
        key: Hashable | None,
        source: Callable[[Greetings | None], Awaitable[Any]],
        on_overflow: Callable[[int], None],
        *,
        greeted: bool = False,
    ) -> AsyncIterator[Member]:
        """Membership of the group for ``key`` (a new one, running ``source()``, if
        there is none; ``key`` None: always a group of one) for the life of the block.
        ``greeted``: the subscription begins with a greeting (``GREETED_FIELDS``)."""
        member = Member(self.limit, on_overflow)
        group = self._groups.get(key) if key is not None else None
        if group is None:
            group = Group(key, self._forget, Greetings() if greeted else None)
            if key is not None:
                self._groups[key] = group
            group.add(member)
            group.start(functools.partial(source, group.greetings))
        else:
            group.add(member)
        try:
            yield member
        finally:
            group.leave(member)


def is_subscription(query: str, operation_name: str | None) -> bool:
    return _operation(query, operation_name) is not None


def is_greeted(query: str, operation_name: str | None) -> bool:
    """Whether the subscription begins with a greeting its later messages build on."""
    operation = _operation(query, operation_name)
    return operation is not None and any(
        isinstance(s, FieldNode) and s.name.value in GREETED_FIELDS
        for s in operation.selection_set.selections
    )


def share_key(
    query: str, operation_name: str | None, variables: dict[str, Any] | None, audience: Hashable
) -> Hashable | None:
    """The group a subscription may share, or None when it must run alone: it is not
    a well-formed subscription (Strawberry reports why), it resumes ``after`` a
    position."""
    operation = _operation(query, operation_name)
    if operation is None or _alone(operation, variables or {}):
        return None
    try:  # the json module's text is exactly as long as it needs (a key per member)
        frozen = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return (query, operation_name, frozen, audience)


@functools.lru_cache(maxsize=512)
def _operation(query: str, operation_name: str | None) -> OperationDefinitionNode | None:
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return None
    if operation is None or operation.operation != OperationType.SUBSCRIPTION:
        return None
    return operation


def _alone(operation: OperationDefinitionNode, variables: dict[str, Any]) -> bool:
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode):
            return True  # a fragment at the root could hide `after`: don't guess
        for argument in selection.arguments or ():
            if argument.name.value != RESUME_ARGUMENT:
                continue
            value = argument.value
            if not isinstance(value, VariableNode) or _given(operation, value, variables):
                return True
    return False


def _given(
    operation: OperationDefinitionNode, variable: VariableNode, values: dict[str, Any]
) -> bool:
    """Whether the variable has a value: sent, or left out with a default."""
    name = variable.name.value
    if name in values:
        return values[name] is not None
    return any(
        d.variable.name.value == name
        and d.default_value is not None
        and not isinstance(d.default_value, NullValueNode)
        for d in operation.variable_definitions or ()
    )
