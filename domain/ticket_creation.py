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
NotFound; if PostgreSQL refuses the statement for any other reason, the batch's
tickets are written one at a time, so one bad ticket fails only its own call.
After the commit, the batch's tickets are handed to triage together (one round
trip to the broker). The scheduling is ``domain.batching``'s.
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
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.exceptions import IntegrityError, OperationalError

from domain import ticket_sql
from domain.batching import Batcher
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
    and return it. Inside a caller's own transaction the ticket is written there,
    alone: it must commit or roll back with the rest of that transaction."""
    conn = connections.get("default")
    if isinstance(conn, TransactionalDBClient):
        ticket = await _one(conn, row)
        await hand_to_triage(triage, [ticket.id])
        return ticket
    loop = asyncio.get_running_loop()
    batcher = _writers.get(loop)
    if batcher is None:
        batcher = _writers[loop] = Batcher(
            _write_batch, max_batch=MAX_BATCH, max_in_flight=MAX_IN_FLIGHT
        )
    return await batcher.submit((row, triage))


async def hand_to_triage(triage: TriageQueue | None, ticket_ids: Sequence[int]) -> None:
    """After commit: enqueue triage. Without a queue, or if the broker is down, the
    tickets stay PENDING and the intake sweep hands them over; the caller never fails."""
    if triage is None or not ticket_ids:
        return
    try:
        await triage.triage(ticket_ids)
    except Exception:
        log.exception("Could not enqueue triage for tickets %s; the sweep will retry", ticket_ids)


_Request = tuple[TicketRow, TriageQueue | None]


async def _write_batch(batch: list[_Request]) -> list[Ticket | BaseException]:
    """One INSERT for the batch; if PostgreSQL refused it (so nothing was written),
    each ticket on its own. A failure whose outcome is unknown (the connection went
    mid-statement) is every caller's: writing again could duplicate tickets."""
    conn = connections.get("default")
    rows = [row for row, _ in batch]
    try:
        written: dict[int, Ticket | BaseException] = dict(await _insert(conn, rows))
    except (IntegrityError, OperationalError):
        written = {}
        for n, row in enumerate(rows):
            try:
                written[n] = await _one(conn, row)
            except Exception as exc:  # noqa: BLE001  (handed to its caller, which fails)
                written[n] = exc
    await _hand_over(batch, written)
    missing = NotFound("No such customer.", field="customerId")
    return [written.get(n, missing) for n in range(len(batch))]


async def _insert(conn: BaseDBAsyncClient, rows: list[TicketRow]) -> dict[int, Ticket]:
    """Write the rows in one statement; the tickets written, by the row's position."""
    columns = list(zip(*(_values(row) for row in rows), strict=True))
    _, found = await conn.execute_query(
        ticket_sql.CREATE_TICKETS, [list(column) for column in columns]
    )
    written: dict[int, Ticket] = {}
    for record in found:
        values = dict(record)
        written[values.pop("position_") - 1] = Ticket._init_from_db(**values)
    return written


async def _one(conn: BaseDBAsyncClient, row: TicketRow) -> Ticket:
    alone = await _insert(conn, [row])
    if 0 not in alone:
        raise NotFound("No such customer.", field="customerId")
    return alone[0]


async def _hand_over(batch: list[_Request], written: dict[int, Ticket | BaseException]) -> None:
    by_queue: dict[TriageQueue, list[int]] = defaultdict(list)
    for n, (_, triage) in enumerate(batch):
        ticket = written.get(n)
        if triage is not None and isinstance(ticket, Ticket):
            by_queue[triage].append(ticket.id)
    for triage, ids in by_queue.items():
        await hand_to_triage(triage, ids)


def tags_json(tags: list[str]) -> str:
    return orjson.dumps(tags).decode()


_writers: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Batcher[_Request, Ticket]]" = (
    weakref.WeakKeyDictionary()
)
