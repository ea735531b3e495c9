"""Triage tasks that arrive together in a worker run together, in one transaction.

A worker reads up to a hundred messages per XREADGROUP and starts a task for
each; those tasks reach ``submit`` in the same turn of the event loop. The
batcher gives them to ``domain.triage.triage_many`` as one batch (one lock
query, one flush, one commit), so a ticket costs about one round trip instead of
five. Each task still returns only when its ticket is committed, so the message
is acknowledged after the work is done. If a batch fails, its tickets are
triaged one by one, so one bad ticket does not hold up the others.
"""

import asyncio
import logging
from collections.abc import Callable

from domain.triage import Intake, triage_many, triage_ticket

log = logging.getLogger("frontdesk.intake")


class TriageBatcher:
    def __init__(self, intake: Callable[[], Intake], max_batch: int) -> None:
        self._intake = intake
        self._max_batch = max_batch
        self._waiting: list[tuple[int, asyncio.Future[bool]]] = []
        self._flush_scheduled = False

    async def submit(self, ticket_id: int) -> bool:
        """Triage ``ticket_id`` with whatever else arrives now; True if it did the work."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((ticket_id, future))
        if len(self._waiting) >= self._max_batch:
            self._start_batch()
        elif not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._start_batch)
        return await future

    def _start_batch(self) -> None:
        self._flush_scheduled = False
        batch, self._waiting = self._waiting, []
        if batch:
            task = asyncio.create_task(self._run(batch))
            task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    async def _run(self, batch: list[tuple[int, asyncio.Future[bool]]]) -> None:
        intake = self._intake()
        try:
            done = await triage_many(intake, [ticket_id for ticket_id, _ in batch])
        except Exception:
            log.exception("A triage batch of %s failed; triaging them one by one", len(batch))
            await self._one_by_one(intake, batch)
            return
        for ticket_id, future in batch:
            if not future.done():
                future.set_result(ticket_id in done)

    @staticmethod
    async def _one_by_one(intake: Intake, batch: list[tuple[int, asyncio.Future[bool]]]) -> None:
        for ticket_id, future in batch:
            try:
                result = await triage_ticket(intake, ticket_id)
            except Exception as exc:  # noqa: BLE001  (handed to the waiting task, which fails)
                if not future.done():
                    future.set_exception(exc)
                continue
            if not future.done():
                future.set_result(result)
