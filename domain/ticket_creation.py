"""Writing new tickets: concurrent createTicket calls share one statement and one commit.

Every createTicket must be durable before it is acknowledged, so each one used to
wait for its own commit and WAL flush: at hundreds of tickets a second that was
most of PostgreSQL's work (and a round trip each for the customer check and the
insert). Calls that arrive while a write is in flight now wait for the next one,
which writes them all with one INSERT of arrays, tickets and ``ticket.created``
events together (group commit): each caller still returns only after its ticket
has committed, and a batch is as large as the load, so an idle desk writes each
ticket at once.

A ticket whose customer does not exist is not written and its caller gets
NotFound; if the statement fails for any other reason, the batch's tickets are
written one at a time, so one bad ticket fails only its own call. After the
commit, the batch's tickets are handed to triage together (one round trip to the
broker).
"""

import asyncio
import logging
import operator
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import orjson
from tortoise import connections

from domain import ticket_sql
from domain.errors import NotFound
from domain.models import Ticket
from domain.ports import TriageQueue

log = logging.getLogger("frontdesk.tickets")

MAX_BATCH = 100
MAX_IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A validated new ticket and who created it, as ``CREATE_TICKETS`` takes it."""

    customer_id: int
    subject: str
    description: str
    priority: str
    priority_set_by_agent: bool
    category_id: int | None
    category_source: str | None
    channel: str
    tags: str
    """JSON array of the tags (arrays of arrays do not pass as one parameter)."""
    team_id: int | None
    created_at: datetime
    actor_role: str
    actor_id: int | None
    actor_token_id: int | None
    client_id: str | None


# A row's values in column order (``dataclasses.astuple`` deep-copies every value).
_values = operator.attrgetter(*(f.name for f in fields(TicketRow)))


async def write(row: TicketRow, triage: TriageQueue | None) -> Ticket:
    """Commit the ticket (with whatever else is being created now), hand it to triage
    and return it."""
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        writer = _writers[loop] = _Writer()
    return await writer.write(row, triage)


async def hand_to_triage(triage: TriageQueue | None, ticket_ids: Sequence[int]) -> None:
    """After commit: enqueue triage. Without a queue, or if the broker is down, the
    tickets stay PENDING and the intake sweep hands them over; the caller never fails."""
    if triage is None or not ticket_ids:
        return
    try:
        await triage.triage(ticket_ids)
    except Exception:
        log.exception("Could not enqueue triage for tickets %s; the sweep will retry", ticket_ids)


_Entry = tuple[TicketRow, TriageQueue | None, "asyncio.Future[Ticket]"]


class _Writer:
    """One per event loop: the batching described in the module docstring."""

    def __init__(self) -> None:
        self._waiting: list[_Entry] = []
        self._in_flight = 0
        self._start_scheduled = False

    async def write(self, row: TicketRow, triage: TriageQueue | None) -> Ticket:
        future: asyncio.Future[Ticket] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, triage, future))
        if not self._start_scheduled:  # after this turn of the loop: whoever else came
            self._start_scheduled = True
            asyncio.get_running_loop().call_soon(self._start)
        return await future

    def _start(self) -> None:
        self._start_scheduled = False
        while self._waiting and self._in_flight < MAX_IN_FLIGHT:
            batch = self._waiting[:MAX_BATCH]
            del self._waiting[:MAX_BATCH]
            self._in_flight += 1
            asyncio.create_task(self._run(batch)).add_done_callback(self._finished)

    def _finished(self, task: "asyncio.Task[None]") -> None:
        self._in_flight -= 1
        if not task.cancelled():
            task.exception()  # retrieved: _run hands every failure to its callers
        self._start()

    async def _run(self, batch: list[_Entry]) -> None:
        try:
            try:
                written = await _insert([row for row, _, _ in batch])
            except Exception:  # noqa: BLE001  (each ticket is tried on its own below)
                written = await _one_by_one(batch)
            await _hand_over(batch, written)
            for n, (_, _, future) in enumerate(batch):
                if future.done():
                    continue
                ticket = written.get(n)
                if ticket is None:
                    future.set_exception(NotFound("No such customer.", field="customerId"))
                else:
                    future.set_result(ticket)
        finally:  # whatever stopped this (even cancellation), no caller waits forever
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(RuntimeError("The ticket write was stopped"))


async def _insert(rows: list[TicketRow]) -> dict[int, Ticket]:
    """Write the rows in one statement; the tickets written, by the row's position."""
    columns = list(zip(*(_values(row) for row in rows), strict=True))
    _, found = await connections.get("default").execute_query(
        ticket_sql.CREATE_TICKETS, [list(column) for column in columns]
    )
    written: dict[int, Ticket] = {}
    for record in found:
        values = dict(record)
        written[values.pop("position_") - 1] = Ticket._init_from_db(**values)
    return written


async def _one_by_one(batch: list[_Entry]) -> dict[int, Ticket]:
    written: dict[int, Ticket] = {}
    for n, (row, _, future) in enumerate(batch):
        try:
            alone = await _insert([row])
        except Exception as exc:  # noqa: BLE001  (handed to its caller, which fails)
            if not future.done():  # a caller that went away has nobody to tell
                future.set_exception(exc)
            continue
        if 0 in alone:
            written[n] = alone[0]
    return written


async def _hand_over(batch: list[_Entry], written: dict[int, Ticket]) -> None:
    by_queue: dict[TriageQueue, list[int]] = defaultdict(list)
    for n, (_, triage, _) in enumerate(batch):
        if triage is not None and n in written:
            by_queue[triage].append(written[n].id)
    for triage, ids in by_queue.items():
        await hand_to_triage(triage, ids)


def tags_json(tags: list[str]) -> str:
    return orjson.dumps(tags).decode()


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Writer]" = (
    weakref.WeakKeyDictionary()
)
