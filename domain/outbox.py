"""The event outbox relay: committed events, onto the event bus, once.

Every change writes its events in its own transaction (``ticket_event``: ticket
events and an agent's own ``agent.*`` events, one table and one id sequence), so an
event exists exactly when its change committed. The relay publishes events not
yet published, oldest first, and stamps them published in one transaction:

- One relay at a time publishes (a transaction-scoped advisory lock; other
  processes' relays find it taken and wait for the next wake-up), so the bus
  sees events in the order they became visible.
- If the bus is down, publishing raises, the transaction rolls back and the
  events stay unpublished until it is back: nothing is lost.
- If the process dies after publishing but before committing, the events are
  published again; the bus skips event ids it has seen, so no subscriber gets
  one twice.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from tortoise import connections
from tortoise.transactions import in_transaction

from domain.ports import DomainEvent, EventBus

RELAY_LOCK = 0x46_44_4F_42  # "FDOB": one publishing relay per database
WRITERS_LOCK = 0x46_44_4F_57  # "FDOW": held shared by every event writer (migration 0011)
BATCH = 500

# With the ticket's scope as it is now, so each subscriber's permission is checked
# against who owns and handles the ticket. An agent's own event (no ticket) is
# scoped to the agent's team as it is now.
UNPUBLISHED = """
SELECT e.id, e.ticket_id, e.agent_id, e.kind, e.data, e.actor_role, e.actor_id, e.created_at,
       e.client_id, t.customer_id, t.assignee_id, t.category_id,
       CASE WHEN e.ticket_id IS NULL THEN a.team_id ELSE t.team_id END AS team_id
FROM ticket_event e
LEFT JOIN ticket t ON t.id = e.ticket_id
LEFT JOIN agent a ON a.id = e.agent_id
WHERE e.published_at IS NULL ORDER BY e.id LIMIT $1
"""
STAMP = "UPDATE ticket_event SET published_at = $2 WHERE id = ANY($1::bigint[])"
# The database's own clock, which the trigger compares with (not the domain clock).
LISTEN_FOR = (
    "UPDATE outbox_wake SET listen_until = clock_timestamp() + $1 * interval '1 second' "
    "WHERE id = 1"
)


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


async def relay_once(bus: EventBus, now: datetime, batch: int = BATCH) -> RelayReport:
    """Publish one batch of unpublished events; raises when the bus is unavailable."""
    async with in_transaction() as conn:
        _, locked = await conn.execute_query("SELECT pg_try_advisory_xact_lock($1)", [RELAY_LOCK])
        if not locked[0][0]:
            return RelayReport(busy=True)
        _, rows = await conn.execute_query(UNPUBLISHED, [batch])
        if not rows:
            return RelayReport()
        await bus.publish([_event(dict(r)) for r in rows])
        await conn.execute_query(STAMP, [[r["id"] for r in rows], now])
    return RelayReport(published=len(rows))


async def listen_for(seconds: float | None) -> None:
    """Writers notify (waking a sleeping relay) for ``seconds``; None: nobody listens.

    A NOTIFY makes PostgreSQL serialise commits, so writers notify only while a
    relay sleeps (migration 0011); a relay that is busy publishing needs no call.
    """
    await connections.get("default").execute_query(LISTEN_FOR, [seconds])


async def writers_settled() -> bool:
    """True if no transaction that wrote events is still open: each holds the
    writers' lock (shared) from when it checked ``listen_for``'s request to its commit, so
    after a request every writer that may have missed it has committed, and one
    more look sees its events. False: look again soon instead of sleeping."""
    _, rows = await connections.get("default").execute_query(
        "SELECT pg_try_advisory_xact_lock($1) AS settled", [WRITERS_LOCK]
    )
    return bool(rows[0]["settled"])


async def relay_all(bus: EventBus, now: datetime, batch: int = BATCH) -> int:
    """Publish until nothing is left (or another relay has the lock)."""
    total = 0
    while True:
        report = await relay_once(bus, now, batch)
        total += report.published
        if report.busy or report.published < batch:
            return total
