"""The event outbox relay: committed events, onto the event bus, once.

Every change writes its events in its own transaction (``ticket_event``: ticket
events and an agent's own ``agent.*`` events, one table and one id sequence), so an
event exists exactly when its change committed. The relay publishes events not
yet published, oldest first, and records how far it got in the same transaction.

How far is kept by transaction, not by event (migration 0012): each event row
carries the id of the transaction that wrote it (``txid``), and
``outbox_progress`` holds the relay's last snapshot: the transactions running then
(``running``) and the first one that had not started (``next_xid``). Every event written
by any other transaction was visible to that snapshot, so it has been published;
the next round publishes exactly the visible events of those running
transactions and of later ones, then records its own snapshot. Nothing is
written per event, and a transaction that commits late is still published.

- One relay at a time publishes (a transaction-scoped advisory lock; other
  processes' relays find it taken and wait for the next wake-up), so the bus
  sees events in the order they became visible.
- A round lists the pending events and reads its snapshot in one statement, after
  taking the lock, so what it publishes and what it records agree.
- If the bus is down, publishing raises, the transaction rolls back and the
  events stay unpublished until it is back: nothing is lost.
- If the process dies after publishing but before committing, the events are
  published again; the bus skips event ids it has seen, so no subscriber gets
  one twice.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson
from tortoise.transactions import in_transaction

from domain.ports import DomainEvent, EventBus

RELAY_LOCK = 0x46_44_4F_42  # "FDOB": one publishing relay per database
WRITERS_LOCK = 0x46_44_4F_57  # "FDOW": held shared by every event writer (migration 0011)
BATCH = 500

# Where the last round stopped, where this one will, and the ids of the events in
# between: written by a transaction running at the last round's snapshot, or by a
# later one (and visible now). No ORDER BY: an ordered plan would walk the primary
# key through every event ever written; this one reads the txid index.
PROGRESS = """
SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS now_xmax,
       ARRAY(SELECT pg_snapshot_xip(pg_current_snapshot()))::text[] AS now_xip,
       ARRAY(SELECT e.id FROM ticket_event e
             WHERE e.txid >= p.next_xid OR e.txid = ANY(p.running)) AS pending
FROM outbox_progress p WHERE p.id = 1
"""
ADVANCE = (
    "UPDATE outbox_progress SET next_xid = $1::text::xid8, running = $2::text[]::xid8[] "
    "WHERE id = 1"
)

# $1 event ids. With the ticket's scope as it is now, so each subscriber's
# permission is checked against who owns and handles the ticket. An agent's own
# event (no ticket) is scoped to the agent's team as it is now.
PENDING = """
SELECT e.id, e.ticket_id, e.agent_id, e.kind, e.data, e.actor_role, e.actor_id, e.created_at,
       e.client_id, t.customer_id, t.assignee_id, t.category_id,
       CASE WHEN e.ticket_id IS NULL
            THEN (SELECT a.team_id FROM agent a WHERE a.id = e.agent_id)
            ELSE t.team_id END AS team_id
FROM ticket_event e
LEFT JOIN ticket t ON t.id = e.ticket_id
WHERE e.id = ANY($1::bigint[])
ORDER BY e.id
"""
# The database's own clock, which the trigger compares with (not the domain clock).
LISTEN_FOR = (
    "UPDATE outbox_wake SET listen_until = clock_timestamp() + $1 * interval '1 second' "
    "WHERE id = 1 RETURNING listen_until"
)
STOP_LISTENING = "UPDATE outbox_wake SET listen_until = NULL WHERE id = 1 AND listen_until = $1"


@dataclass
class RelayReport:
    published: int = 0
    busy: bool = False
    """Another relay held the lock: it is publishing, this one need not."""


def _event(row: dict[str, Any]) -> DomainEvent:
    data = row["data"]
    return DomainEvent(
        event_id=row["id"],
        ticket_id=row["ticket_id"],
        kind=row["kind"],
        data=orjson.loads(data) if isinstance(data, (str, bytes)) else dict(data or {}),
        actor_role=row["actor_role"],
        actor_id=row["actor_id"],
        created_at=row["created_at"],
        customer_id=row["customer_id"],
        team_id=row["team_id"],
        assignee_id=row["assignee_id"],
        category_id=row["category_id"],
        client_id=row["client_id"],
        agent_id=row["agent_id"],
    )


async def relay_once(bus: EventBus, batch: int = BATCH) -> RelayReport:
    """Publish every event written since the last round, ``batch`` at a time;
    raises when the bus is unavailable (and nothing is recorded)."""
    async with in_transaction() as conn:
        # The txid index whatever the statistics say (with none yet, the planner
        # scanned every event): set for this transaction in the same round trip as
        # the lock. PROGRESS is one statement, taken after the lock: the ids it lists
        # and the snapshot it reports are the same snapshot's.
        _, locked = await conn.execute_query(
            "SELECT pg_try_advisory_xact_lock($1), set_config('enable_seqscan', 'off', true)",
            [RELAY_LOCK],
        )
        if not locked[0][0]:
            return RelayReport(busy=True)
        _, rows = await conn.execute_query(PROGRESS)
        progress = rows[0]
        pending = sorted(progress["pending"])
        for start in range(0, len(pending), batch):
            _, rows = await conn.execute_query(PENDING, [pending[start : start + batch]])
            await bus.publish([_event(dict(r)) for r in rows])
        if pending:  # else the last snapshot still says what is left
            await conn.execute_query(ADVANCE, [progress["now_xmax"], progress["now_xip"]])
    return RelayReport(published=len(pending))


class Session(Protocol):
    """A database session of the relay's own, outside any transaction (asyncpg's
    connection is one): a request must commit at once, a lock be let go at once."""

    async def execute(self, query: str, *args: Any) -> str: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...


async def listen_for(session: Session, seconds: float) -> datetime:
    """Writers notify (waking a sleeping relay) for ``seconds``; returns until when.

    A NOTIFY makes PostgreSQL serialise commits, so writers notify only while a
    relay sleeps (migration 0011); a relay that is busy publishing needs no call.
    """
    until: datetime = await session.fetchval(LISTEN_FOR, seconds)
    return until


async def stop_listening(session: Session, until: datetime) -> None:
    """Withdraw this relay's request (``until`` from ``listen_for``), not one another
    relay has made since: that one may be asleep on it."""
    await session.execute(STOP_LISTENING, until)


async def writers_settled(session: Session) -> bool:
    """True if no transaction that wrote events is still open: each holds the
    writers' lock (shared) from its check of ``listen_for``'s request to its
    commit, so after a request every writer that may have missed it has
    committed, and one more look sees its events. False: look again soon."""
    return bool(await session.fetchval("SELECT pg_try_advisory_xact_lock($1)", WRITERS_LOCK))


async def relay_all(bus: EventBus, batch: int = BATCH) -> int:
    """Publish everything there is (unless another relay has the lock)."""
    return (await relay_once(bus, batch)).published
