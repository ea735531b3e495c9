"""Intake tasks: ``triage(ticket_id)`` for every new ticket, and the intake sweep.

Thin wrappers: the work and its idempotence live in ``domain.triage`` and
``domain.intake_sweep``. Tasks take ids, never objects.
"""

import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict
from typing import Any

from taskiq import AsyncBroker, AsyncTaskiqDecoratedTask

from domain.intake_sweep import sweep
from domain.triage_inputs import Intake
from tasks.triage_batch import TriageBatcher

TRIAGE_TASK = "frontdesk.triage"
log = logging.getLogger("frontdesk.intake")
SWEEP_TASK = "frontdesk.intake_sweep"


class BrokerTriageQueue:
    """The ``TriageQueue`` port over a Taskiq task: enqueue and return.

    Tickets created together are sent together where the broker can
    (``kick_many``: one round trip to Redis instead of one per ticket); each is
    still its own task message, so workers and redelivery see no difference.
    """

    def __init__(self, task: AsyncTaskiqDecoratedTask[[int], Coroutine[Any, Any, None]]) -> None:
        self._task = task

    async def triage(self, ticket_ids: Sequence[int]) -> None:
        broker = self._task.broker
        kick_many = getattr(broker, "kick_many", None)
        if kick_many is None or broker.middlewares:  # middlewares want kiq's hooks
            for ticket_id in ticket_ids:
                await self._task.kiq(ticket_id)
            return
        kicker = self._task.kicker()
        # the message kiq would send (taskiq's own builder; the version is locked)
        messages = [broker.formatter.dumps(kicker._prepare_message(i)) for i in ticket_ids]
        await kick_many(messages)


def register(
    broker: AsyncBroker,
    intake: Callable[[], Intake],
    *,
    sweep_seconds: int,
    pending_grace_seconds: float,
    batch_size: int,
    batch_spacing_seconds: float = 0.0,
) -> BrokerTriageQueue:
    """``intake`` is called per task so a worker builds its models lazily, once."""
    batcher = TriageBatcher(intake, batch_size, spacing=batch_spacing_seconds)

    @broker.task(task_name=TRIAGE_TASK)
    async def triage(ticket_id: int) -> None:
        """Returns nothing, so no result is stored per ticket (the ticket is the result)."""
        if not await batcher.submit(ticket_id):
            log.debug("Ticket %s: already triaged or gone; nothing to do", ticket_id)

    queue = BrokerTriageQueue(triage)

    @broker.task(task_name=SWEEP_TASK, schedule=[{"interval": sweep_seconds}])
    async def intake_sweep() -> dict[str, int]:
        return asdict(await sweep(intake(), queue, pending_grace_seconds))

    return queue
