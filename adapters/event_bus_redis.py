"""The ``EventBus`` port over a Redis stream: production, shared by every process.

Positions are stream entry ids ("1718000000000-0"). Needs Redis 6.2 or newer
(exclusive XRANGE). Entries leave only by MAXLEN trimming, oldest first: an XDEL
by hand would go unnoticed by readers. On Redis Cluster, give the stream a
hash tag (``{frontdesk}:events``) so it and its dedupe keys share a slot. Run Redis
with ``maxmemory-policy noeviction``: an evicted stream or dedupe key loses events.
"""

import asyncio
import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Self, TypeVar

import orjson
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from domain.ports import Delivered, DomainEvent, ResumeTooOld

log = logging.getLogger("frontdesk.event_bus")
T = TypeVar("T")

StreamId = tuple[int, int]
_FIELDS_PER_EVENT = 10
_ID = re.compile(r"([0-9]{1,20})-([0-9]{1,20})")
_MAX_PART = 2**64 - 1

# KEYS: stream, then one "seen" key per event; ARGV: maxlen, "~" or "=", ttl, then
# ten fields per event (``_encode``; "" stands for None). Dedupe and append happen
# together or not at all. Each entry also records "prev", the id before it: the
# first entry kept then names the newest one trimming removed, which tells a reader
# exactly whether it missed anything.
_PUBLISH = """
local maxlen, mode, ttl = ARGV[1], ARGV[2], ARGV[3]
local prev = '0-0'
if redis.call('EXISTS', KEYS[1]) == 1 then
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then prev = info[i + 1] end
  end
end
local added = 0
for i = 2, #KEYS do
  local a = 3 + (i - 2) * 10
  if redis.call('EXISTS', KEYS[i]) == 0 then
    prev = redis.call('XADD', KEYS[1], 'MAXLEN', mode, maxlen, '*',
      'event_id', ARGV[a + 1], 'ticket_id', ARGV[a + 2], 'kind', ARGV[a + 3],
      'data', ARGV[a + 4], 'actor_role', ARGV[a + 5], 'actor_id', ARGV[a + 6],
      'created_at', ARGV[a + 7], 'scope', ARGV[a + 8], 'client_id', ARGV[a + 9],
      'agent_id', ARGV[a + 10], 'prev', prev)
    -- marked seen only once appended: a failed XADD (e.g. out of memory) leaves the
    -- event to the relay's retry instead of swallowing it
    redis.call('SET', KEYS[i], '1', 'EX', ttl)
    added = added + 1
  end
end
return added
"""

# KEYS: stream; ARGV: cursor ('' for none), count. Returns the last generated id, the
# newest id trimming removed ('0-0' if none), and up to count entries after the cursor,
# all at one instant.
_RANGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {'0-0', '0-0', {}} end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, trimmed = '0-0', '0-0'
for i = 1, #info, 2 do
  if info[i] == 'last-generated-id' then last = info[i + 1]
  elseif info[i] == 'first-entry' and info[i + 1] then
    local fields = info[i + 1][2]
    for j = 1, #fields, 2 do
      if fields[j] == 'prev' then trimmed = fields[j + 1] end
    end
  end
end
if ARGV[1] == '' then return {last, trimmed, {}} end
return {last, trimmed, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])}
"""


def parse_stream_id(position: str) -> StreamId:
    """A stream position, or ValueError saying what one looks like."""
    match = _ID.fullmatch(position)
    if match is None or max(int(match[1]), int(match[2])) > _MAX_PART:
        raise ValueError(
            f"Invalid event position {position!r}: expected a stream id like '1718000000000-0'"
        )
    return int(match[1]), int(match[2])


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _format(stream_id: StreamId) -> str:
    return f"{stream_id[0]}-{stream_id[1]}"


def _encode(event: DomainEvent) -> list[str | bytes]:
    return [
        str(event.event_id),
        _optional(event.ticket_id),
        event.kind,
        orjson.dumps(event.data),
        event.actor_role,
        _optional(event.actor_id),
        event.created_at.isoformat(),
        orjson.dumps([event.customer_id, event.team_id, event.assignee_id, event.category_id]),
        event.client_id or "",
        _optional(event.agent_id),
    ]


def _optional(number: int | None) -> str:
    return "" if number is None else str(number)


def _number(value: Any) -> int | None:
    """An optional number as ``_encode`` wrote it (absent from older entries: None)."""
    text = "" if value is None else _text(value)
    return int(text) if text else None


def _decode(raw: Sequence[Any]) -> DomainEvent:
    fields = {_text(raw[i]): raw[i + 1] for i in range(0, len(raw), 2)}
    scope = orjson.loads(fields["scope"]) if "scope" in fields else [None] * 4
    return DomainEvent(
        event_id=int(_text(fields["event_id"])),
        ticket_id=_number(fields["ticket_id"]),
        kind=_text(fields["kind"]),
        data=orjson.loads(fields["data"]),
        actor_role=_text(fields["actor_role"]),
        actor_id=_number(fields["actor_id"]),
        created_at=datetime.fromisoformat(_text(fields["created_at"])),
        customer_id=scope[0],
        team_id=scope[1],
        assignee_id=scope[2],
        category_id=scope[3],
        client_id=_text(fields.get("client_id", b"")) or None,
        agent_id=_number(fields.get("agent_id")),
    )


def _raise_if_cancelling() -> None:
    """Honours a cancellation that redis-py lost. On Python 3.11 ``asyncio.wait_for``
    (which redis-py sends commands through when a socket timeout is set) drops a
    cancellation arriving as the send completes; the reader would then go on forever.
    A task still marked as cancelling stops here instead, within one ``block_ms``."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class RedisStreamEventBus:
    """Publishes with one Lua script per batch (dedupe by ``event_id`` for ``seen_ttl``
    seconds, then XADD with MAXLEN trimming); reads with XRANGE, waiting with XREAD BLOCK.

    ``block_ms`` must stay below the client's socket timeout (redis-py 8 defaults to
    5 s), or an idle XREAD times out and reconnects. The client stays the caller's
    unless the bus was made with ``from_url``.
    """

    def __init__(
        self,
        client: Redis,
        stream: str = "frontdesk:events",
        maxlen: int = 1_000_000,
        block_ms: int = 2000,
        *,
        approximate: bool = True,
        count: int = 500,
        seen_ttl: int = 86_400,
    ) -> None:
        self._client = client
        self._stream = stream
        self._maxlen = maxlen
        self._block_ms = block_ms
        self._trim = "~" if approximate else "="
        self._count = count
        self._seen_ttl = seen_ttl
        self._publish = client.register_script(_PUBLISH)
        self._range = client.register_script(_RANGE)
        self._owns_client = False
        self._closed = False

    @classmethod
    def from_url(cls, url: str, max_connections: int | None = None, **kw: Any) -> Self:
        """A bus with a client of its own, which ``close`` closes; ``kw`` as for the bus.
        Each waiting reader holds one pooled connection: ``max_connections`` bounds them."""
        bus = cls(Redis.from_url(url, max_connections=max_connections), **kw)
        bus._owns_client = True
        return bus

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Raises redis' ConnectionError/TimeoutError when Redis is unreachable."""
        if self._closed:
            raise RuntimeError("the event bus is closed")
        if not events:
            return
        keys = [self._stream] + [f"{self._stream}:seen:{e.event_id}" for e in events]
        args: list[str | bytes | int] = [self._maxlen, self._trim, self._seen_ttl]
        for event in events:
            args.extend(_encode(event))
        await self._publish(keys=keys, args=args)

    def read(self, after: str | None) -> AsyncIterator[Delivered]:
        """A malformed ``after`` raises ValueError here; ``ResumeTooOld`` and "now"
        (for None) are settled when iteration starts."""
        start = None if after is None else parse_stream_id(after)
        return self._follow(start)

    async def _follow(self, start: StreamId | None) -> AsyncIterator[Delivered]:
        last, _, _ = await self._retrying(functools.partial(self._snapshot, None))
        cursor = last if start is None else min(start, last)
        caught_up = start is None
        while not self._closed:
            if caught_up:
                caught_up = not await self._retrying(functools.partial(self._wait, cursor))
                continue
            entries = await self._retrying(functools.partial(self._entries_after, cursor))
            for entry_id, delivered in entries:
                cursor = entry_id
                yield delivered
            caught_up = len(entries) < self._count

    async def _snapshot(self, cursor: StreamId | None) -> tuple[StreamId, StreamId, list[Any]]:
        arg = "" if cursor is None else _format(cursor)
        last, trimmed, entries = await self._range(keys=[self._stream], args=[arg, self._count])
        return parse_stream_id(_text(last)), parse_stream_id(_text(trimmed)), entries

    async def _entries_after(self, cursor: StreamId) -> list[tuple[StreamId, Delivered]]:
        _, trimmed, entries = await self._snapshot(cursor)
        if trimmed > cursor:
            raise ResumeTooOld(
                f"events after position {_format(cursor)} were trimmed from the stream "
                f"(up to {_format(trimmed)})"
            )
        out = []
        for raw_id, raw_fields in entries:
            position = _text(raw_id)
            delivered = Delivered(position=position, event=_decode(raw_fields))
            out.append((parse_stream_id(position), delivered))
        return out

    async def _wait(self, cursor: StreamId) -> bool:
        """Whether an entry after ``cursor`` arrived within ``block_ms``. Only a signal:
        the entries are then read by ``_entries_after``, which sees any trimming."""
        reply = await self._client.xread(
            {self._stream: _format(cursor)}, count=1, block=self._block_ms
        )
        return bool(reply)

    @staticmethod
    async def _retrying(operation: Callable[[], Awaitable[T]]) -> T:
        """Runs ``operation()`` until it gets through a connection error, waiting
        0.1 s, doubling up to 2 s. The cursor only moves on delivery, so a retry
        neither loses nor repeats an event."""
        delay = 0.1
        while True:
            try:
                result = await operation()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                log.warning("event bus read failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            else:
                _raise_if_cancelling()
                return result

    async def close(self) -> None:
        """Readers stop at their next wake-up (within ``block_ms``)."""
        self._closed = True
        if self._owns_client:
            await self._client.aclose()
