"""The one Taskiq broker, chosen by settings.

No Redis URL: ``InMemoryBroker`` (tasks run inside the API process, the
embedded default and most tests). A Redis URL: the Redis stream broker with
acknowledgements, consumed by ``frontdesk worker`` processes, with results kept
in Redis for an hour so an operator (or a test) can see what a task returned.
"""

from taskiq import AsyncBroker, InMemoryBroker
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

from tasks import health

RESULT_SECONDS = 3600


def build_broker(redis_url: str | None, queue_name: str = "frontdesk:tasks") -> AsyncBroker:
    broker: AsyncBroker
    if redis_url:
        broker = RedisStreamBroker(url=redis_url, queue_name=queue_name).with_result_backend(
            RedisAsyncResultBackend(
                redis_url, result_ex_time=RESULT_SECONDS, prefix_str=f"{queue_name}:result"
            )
        )
    else:
        broker = InMemoryBroker()
    health.register(broker)
    return broker
