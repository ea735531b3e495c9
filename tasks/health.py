"""A task that proves the queue works end to end: a worker answers ``ping``."""

from taskiq import AsyncBroker


async def ping(payload: str) -> str:
    return f"pong:{payload}"


def register(broker: AsyncBroker) -> None:
    broker.register_task(ping, task_name="frontdesk.ping")
