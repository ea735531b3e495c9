"""Triage tasks that arrive together in a worker run together, in one transaction.

A worker reads up to a hundred messages per XREADGROUP and starts a task for
each; those tasks reach ``submit`` in the same turn of the event loop. The
batcher gives them to ``domain.triage.triage_many`` as one batch (one lock
query, one flush, one commit), so a ticket costs about one round trip instead of
five. Each task still returns only when its ticket is committed, so the message
is acknowledged after the work is done. If a batch fails, its tickets are
triaged one by one, so one bad ticket does not hold up the others.

At most ``max_in_flight`` batches run at once (one by default), and while busy
they start at least ``spacing`` seconds apart; tickets arriving meanwhile wait
for the next one. Under load, tickets trickle in one or two per stream read, and
starting a transaction for each spent most of a worker on round trips and most
of PostgreSQL on per-statement work: a batch costs about 1.3 ms of worker CPU
and a flush statement's fixed cost whatever its size, a ticket about 0.25 ms
more. Waiting makes the batches as large as the load (group commit); an idle
worker (no batch started within ``spacing``) starts a ticket's batch at once,
and a full batch never waits. Measured at 600 tickets/s on two cores
(docs/benchmarks.md): two batches in flight per worker made batches of about
five and ran out of CPU (p99 0.3-0.7 s); one in flight, p99 near 150 ms; one
in flight started 30 ms apart, p99 75-135 ms.
"""

import asyncio
import logging
from collections.abc import Callable

from domain.triage import triage_many, triage_ticket
from domain.triage_inputs import Intake

log = logging.getLogger("frontdesk.intake")


class TriageBatcher:
    def __init__(
        self,
        intake: Callable[[], Intake],
        max_batch: int,
        *,
        spacing: float = 0.0,
        max_in_flight: int = 1,
    ) -> None:
        self._intake = intake
        self._max_batch = max_batch
        self._spacing = spacing
        self._max_in_flight = max_in_flight
        self._in_flight = 0
        self._waiting: list[tuple[int, asyncio.Future[bool]]] = []
        self._start_scheduled = False
        self._last_start = float("-inf")
        self._timer: asyncio.TimerHandle | None = None

    async def submit(self, ticket_id: int) -> bool:
        """Triage ``ticket_id`` with whatever else arrives now; True if it did the work."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((ticket_id, future))
        if not self._start_scheduled:  # after this turn of the loop: whoever else came
            self._start_scheduled = True
            asyncio.get_running_loop().call_soon(self._start_batches)
        return await future

    def _start_batches(self) -> None:
        self._start_scheduled = False
        while self._waiting and self._in_flight < self._max_in_flight:
            early = self._too_soon()
            if early > 0:
                if self._timer is None:
                    self._timer = asyncio.get_running_loop().call_later(early, self._on_time)
                return
            self._last_start = asyncio.get_running_loop().time()
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            self._in_flight += 1
            task = asyncio.create_task(self._run(batch))
            task.add_done_callback(self._finished)

    def _too_soon(self) -> float:
        """Seconds until the next batch may start (0: now)."""
        if len(self._waiting) >= self._max_batch:
            return 0.0
        return self._last_start + self._spacing - asyncio.get_running_loop().time()

    def _on_time(self) -> None:
        self._timer = None
        self._start_batches()

    def _finished(self, task: "asyncio.Task[None]") -> None:
        self._in_flight -= 1
        if not task.cancelled():
            task.exception()  # retrieved: _run hands every failure to its tasks
        self._start_batches()

    async def _run(self, batch: list[tuple[int, asyncio.Future[bool]]]) -> None:
        try:
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
        finally:  # whatever stopped this (even cancellation), no task waits forever
            for _, future in batch:
                if not future.done():
                    future.set_exception(RuntimeError("The triage batch was stopped"))

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
