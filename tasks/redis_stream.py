"""The Redis stream broker, tuned for intake: reclaiming and one long-lived client.

- taskiq-redis reclaims unacknowledged messages (XAUTOCLAIM) only after a read
  that returned new ones, so a task whose worker died waited for the next
  message. Here every read, empty or not, is followed by a reclaim of messages
  idle longer than ``idle_timeout``: a killed worker's ticket is finished by
  another worker within about that time.
- taskiq-redis builds a new ``Redis`` client (a ~170-entry callback table) for
  every enqueue, acknowledgement and result; at hundreds of tickets a second
  that was a measurable share of a worker's CPU. One client per broker (and per
  result backend) shares the same connection pool instead.
"""

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage, BrokerMessage, TaskiqResult
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker


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

    def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            await self._redis().xack(queue_name, self.consumer_group_name, id)

        return ack

    def _ackable(self, stream: Any, msg_id: Any, fields: Any) -> AckableMessage:
        return AckableMessage(
            data=fields[b"data"], ack=self._ack_generator(id=msg_id, queue_name=stream)
        )

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
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
                claimed: Any = await redis.xautoclaim(
                    self.queue_name,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.unacknowledged_batch_size,
                )
                for msg_id, fields in claimed[1]:
                    if fields:  # an entry trimmed from the stream comes back empty
                        yield self._ackable(self.queue_name, msg_id, fields)


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
