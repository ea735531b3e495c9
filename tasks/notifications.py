"""The notification delivery task: drains the outbox on a schedule.

A thin wrapper: the sending, retries and backoff live in ``domain.notifications``;
the composition root decides which notifiers and clock ``deliver`` uses.
"""

from collections.abc import Awaitable, Callable
from dataclasses import asdict

from taskiq import AsyncBroker

from domain.notifications import DeliveryReport

DELIVER_TASK = "frontdesk.deliver_notifications"


def register(
    broker: AsyncBroker, deliver: Callable[[], Awaitable[DeliveryReport]], *, seconds: int
) -> None:
    """Run ``deliver`` every ``seconds``; a retried run finds sent rows done and skips them."""

    @broker.task(task_name=DELIVER_TASK, schedule=[{"interval": seconds}])
    async def deliver_notifications() -> dict[str, int]:
        return asdict(await deliver())
