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

import logging
from collections.abc import Callable

from domain.batching import Batcher
from domain.triage import triage_many, triage_ticket
from domain.triage_inputs import Intake

log = logging.getLogger("frontdesk.intake")


class TriageBatcher:
    """A worker's triage tasks, batched (``domain.batching`` decides when)."""

    def __init__(
        self,
        intake: Callable[[], Intake],
        max_batch: int,
        *,
        spacing: float = 0.0,
        max_in_flight: int = 1,
    ) -> None:
        self._intake = intake
        self._batcher = Batcher(
            self._run, max_batch=max_batch, max_in_flight=max_in_flight, spacing=spacing
        )

    async def submit(self, ticket_id: int) -> bool:
        """Triage ``ticket_id`` with whatever else arrives now; True if it did the work."""
        return await self._batcher.submit(ticket_id)

    async def _run(self, ticket_ids: list[int]) -> list[bool | BaseException]:
        intake = self._intake()
        try:
            done = await triage_many(intake, ticket_ids)
        except Exception:
            log.exception("A triage batch of %s failed; triaging them one by one", len(ticket_ids))
            return await self._one_by_one(intake, ticket_ids)
        return [ticket_id in done for ticket_id in ticket_ids]

    @staticmethod
    async def _one_by_one(intake: Intake, ticket_ids: list[int]) -> list[bool | BaseException]:
        outcomes: list[bool | BaseException] = []
        for ticket_id in ticket_ids:
            try:
                outcomes.append(await triage_ticket(intake, ticket_id))
            except Exception as exc:  # noqa: BLE001  (handed to the waiting task, which fails)
                outcomes.append(exc)
        return outcomes
