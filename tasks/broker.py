"""The one Taskiq broker, chosen by settings.

No Redis URL: ``InMemoryBroker`` (tasks run inside the API process, the
embedded default and most tests). A Redis URL: the Redis stream broker with
acknowledgements, consumed by ``frontdesk worker`` processes.
"""

from taskiq import AsyncBroker, InMemoryBroker
from taskiq_redis import RedisStreamBroker

from tasks import health


def build_broker(redis_url: str | None) -> AsyncBroker:
    broker: AsyncBroker
    if redis_url:
        broker = RedisStreamBroker(url=redis_url, queue_name="frontdesk:tasks")
    else:
        broker = InMemoryBroker()
    health.register(broker)
    return broker
