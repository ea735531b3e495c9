"""The Redis stream broker, tuned for intake: reclaiming and one long-lived client.

- taskiq-redis reclaims unacknowledged messages (XAUTOCLAIM) only after a read
  that returned new ones, so a task whose worker died waited for the next
  message. Here a read, empty or not, is followed by a reclaim of messages idle
  longer than ``idle_timeout`` whenever a quarter of that has passed since the
  last one: a killed worker's ticket is finished by another worker within about
  ``idle_timeout``, and a busy worker does not pay a second round trip per read.
- taskiq-redis builds a new ``Redis`` client (a ~170-entry callback table) for
  every enqueue, acknowledgement and result; at hundreds of tickets a second
  that was a measurable share of a worker's CPU. One client per broker (and per
  result backend) shares the same connection pool instead.
- Acknowledgements that come due in the same turn of the event loop (a triage
  batch's tasks all finish together) go out as one XACK, and enqueues of
  tickets created together as one pipeline: a round trip to Redis costs a
  worker far more than the command.
"""

import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage, BrokerMessage, TaskiqResult
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

from domain.batching import Batcher


class ReclaimingStreamBroker(RedisStreamBroker):
    _client: Redis | None = None

    def _redis(self) -> Redis:
        if self._client is None:
            self._client = Redis(connection_pool=self.connection_pool)
        return self._client

    async def kick(self, message: BrokerMessage) -> None:
        await self._redis().xadd(
            message.labels.get("queue_name") or self.queue_name,
            {b"data": message.message},
            maxlen=self.maxlen,
            approximate=self.approximate,
        )

    async def kick_many(self, messages: Sequence[BrokerMessage]) -> None:
        """Several messages in one round trip (a pipeline, not a transaction)."""
        async with self._redis().pipeline(transaction=False) as pipe:
            for message in messages:
                pipe.xadd(
                    message.labels.get("queue_name") or self.queue_name,
                    {b"data": message.message},
                    maxlen=self.maxlen,
                    approximate=self.approximate,
                )
            await pipe.execute()

    _acks: "Batcher[tuple[str, str], None] | None" = None

    def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            if self._acks is None:
                self._acks = _ack_batcher(self._redis(), self.consumer_group_name)
            await self._acks.submit((queue_name, id))

        return ack

    def _ackable(self, stream: Any, msg_id: Any, fields: Any) -> AckableMessage:
        return AckableMessage(
            data=fields[b"data"], ack=self._ack_generator(id=msg_id, queue_name=stream)
        )

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        every = max(self.idle_timeout / 4000, 0.05)  # idle_timeout is in milliseconds
        claimed_at = float("-inf")
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched: Any = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                for stream, messages in fetched or []:
                    for msg_id, fields in messages:
                        yield self._ackable(stream, msg_id, fields)
                if time.monotonic() - claimed_at < every:
                    continue
                claimed_at = time.monotonic()
                async for message in self._reclaim(redis):
                    yield message

    async def _reclaim(self, redis: Redis) -> AsyncGenerator[AckableMessage, None]:
        """Every message idle past ``idle_timeout``, page by page (a dead worker may
        have left more than one page: its running tasks and a read not yet handed out)."""
        cursor: Any = "0-0"
        while True:
            claimed: Any = await redis.xautoclaim(
                self.queue_name,
                self.consumer_group_name,
                self.consumer_name,
                min_idle_time=self.idle_timeout,
                start_id=cursor,
                count=self.unacknowledged_batch_size,
            )
            for msg_id, fields in claimed[1]:
                if fields:  # an entry trimmed from the stream comes back empty
                    yield self._ackable(self.queue_name, msg_id, fields)
            cursor = claimed[0]
            if cursor in (b"0-0", "0-0") or len(claimed[1]) < self.unacknowledged_batch_size:
                return


def _ack_batcher(redis: Redis, group: str) -> Batcher[tuple[str, str], None]:
    """Acknowledgements asked for in one turn of the loop go as one XACK per stream;
    each ``ack`` returns (or fails) when its XACK has."""

    async def send(acks: list[tuple[str, str]]) -> list[BaseException | None]:
        by_stream: dict[str, list[str]] = {}
        for stream, message_id in acks:
            by_stream.setdefault(stream, []).append(message_id)
        for stream, ids in by_stream.items():
            await redis.xack(stream, group, *ids)
        return [None] * len(acks)

    return Batcher(send, max_batch=100_000, max_in_flight=100_000)


class SharedClientResultBackend(RedisAsyncResultBackend):  # type: ignore[type-arg]
    """Results in Redis for an operator to read; a task that returned nothing and did
    not fail (``triage``, hundreds a second) has nothing to keep, so nothing is written."""

    _client: Redis | None = None

    async def set_result(self, task_id: str, result: TaskiqResult[Any]) -> None:
        if result.return_value is None and not result.is_err:
            return
        if self._client is None:
            self._client = Redis(connection_pool=self.redis_pool)
        value = self.serializer.dumpb(result.model_dump(mode="json"))
        await self._client.set(self._task_name(task_id), value, ex=self.result_ex_time)
