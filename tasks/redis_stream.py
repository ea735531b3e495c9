"""The Redis stream broker, reclaiming a dead worker's messages even on an idle queue.

taskiq-redis reclaims unacknowledged messages (XAUTOCLAIM) only after a read
that returned new ones, so a task whose worker died waited for the next
message to arrive. Here every read, empty or not, is followed by a reclaim of
messages idle longer than ``idle_timeout``: a killed worker's ticket is
finished by another worker within about that time.
"""

from collections.abc import AsyncGenerator
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker


class ReclaimingStreamBroker(RedisStreamBroker):
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
