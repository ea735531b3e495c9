"""Changes to one locked ticket, gathered and written in one statement.

Triage touches a ticket in several steps (category, priority, routing); each
step records what it changed here, and the caller flushes once: a single SQL
statement updates the changed columns and inserts all the events (a
data-modifying CTE). Round trips are what intake costs, so this matters.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from domain.access import Principal
from domain.models import Ticket

JSON_COLUMNS = frozenset({"priority_reasons"})
# Only these may be written, so a column name never comes from anywhere else.
WRITABLE = frozenset(
    {
        "assignee_id",
        "assigned_at",
        "category_confidence",
        "category_id",
        "category_source",
        "priority",
        "priority_reasons",
        "queued_at",
        "requires_senior",
        "routing_state",
        "status",
        "support_tier",
        "tags",
        "team_id",
        "triage_status",
        "updated_at",
        "widened_at",
    }
)

# Each writable column's type, for a batch's arrays (tags, a list per ticket, travel as
# JSON: PostgreSQL has no arrays of arrays of different lengths).
ARRAY_TYPES = {
    "assignee_id": "int",
    "assigned_at": "timestamptz",
    "category_confidence": "float8",
    "category_id": "int",
    "category_source": "text",
    "priority": "text",
    "priority_reasons": "jsonb",
    "queued_at": "timestamptz",
    "requires_senior": "bool",
    "routing_state": "text",
    "status": "text",
    "support_tier": "text",
    "tags": "jsonb",
    "team_id": "int",
    "triage_status": "text",
    "updated_at": "timestamptz",
    "widened_at": "timestamptz",
}
assert set(ARRAY_TYPES) == WRITABLE

EVENTS = """
INSERT INTO ticket_event (ticket_id, kind, actor_role, actor_id, actor_token_id, client_id, data,
    created_at)
SELECT $1, kind, $2, $3, $4, $5, data, $6
FROM unnest($7::text[], $8::jsonb[]) WITH ORDINALITY AS e(kind, data, n) ORDER BY n
"""

# A batch's events, all tickets' in one statement: $1..$4 the actor, $5 when,
# $6 ticket ids, $7 kinds, $8 data (one element per event, in order).
BATCH_EVENTS = """
INSERT INTO ticket_event (ticket_id, kind, actor_role, actor_id, actor_token_id, client_id, data,
    created_at)
SELECT e.ticket_id, e.kind, $1, $2, $3, $4, e.data, $5
FROM unnest($6::int[], $7::text[], $8::jsonb[]) WITH ORDINALITY AS e(ticket_id, kind, data, n)
ORDER BY n
"""


def _shifted(sql: str, offset: int) -> str:
    """``$1..$n`` of a statement written on its own, renumbered to follow ``offset``."""
    return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + offset}", sql)


def _sql_value(name: str, value: Any) -> Any:
    if name in JSON_COLUMNS:
        return orjson.dumps(value).decode()
    if isinstance(value, Enum):
        return value.value
    return value


def _actor(actor: Principal | None) -> list[Any]:
    """Who did it, as events record it (role, id, token, the client it came from)."""
    if actor is None:
        return ["SYSTEM", None, None, None]
    return [
        actor.role.value,
        actor.agent_id or actor.customer_id,
        actor.token_id or None,
        actor.client_id,
    ]


@dataclass
class TicketWrites:
    ticket: Ticket
    fields: set[str] = field(default_factory=set)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    also: list[tuple[str, list[Any]]] = field(default_factory=list)

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            if name not in WRITABLE:
                raise ValueError(f"{name} is not a column intake writes")
            setattr(self.ticket, name, value)
            self.fields.add(name)

    def event(self, kind: str, **data: Any) -> None:
        self.events.append((kind, data))

    def write_also(self, sql: str, params: list[Any]) -> None:
        """Another data-modifying statement (numbered from $1) to run in the same flush."""
        self.also.append((sql, params))

    def parts(
        self, actor: Principal | None, now: datetime, prefix: str, offset: int
    ) -> tuple[list[str], list[Any]]:
        """This ticket's writes as CTEs named ``<prefix>_*``, parameters from ``offset``+1."""
        if not (self.fields or self.events or self.also):
            return [], []
        own: list[Any] = [
            self.ticket.id,
            *_actor(actor),
            now,
            [k for k, _ in self.events],
            [orjson.dumps(d).decode() for _, d in self.events],
        ]
        parts = [f"{prefix}_events AS ({_shifted(EVENTS, offset)})"]
        if self.fields:
            self.set(updated_at=now)
            columns = sorted(self.fields)
            assignments = ", ".join(
                f"{name} = ${len(own) + 1 + n}{'::jsonb' if name in JSON_COLUMNS else ''}"
                for n, name in enumerate(columns)
            )
            own += [_sql_value(name, getattr(self.ticket, name)) for name in columns]
            update = f"UPDATE ticket SET {assignments} WHERE id = $1"  # noqa: S608  (WRITABLE)
            parts.append(f"{prefix}_changed AS ({_shifted(update, offset)})")
        for n, (sql, extra) in enumerate(self.also):
            parts.append(f"{prefix}_also_{n} AS ({_shifted(sql, offset + len(own))})")
            own += extra
        return parts, own

    def clear(self) -> None:
        self.fields.clear()
        self.events.clear()
        self.also.clear()

    async def flush(self, conn: BaseDBAsyncClient, actor: Principal | None, now: datetime) -> None:
        await flush_all(conn, [self], actor, now)


async def flush_all(
    conn: BaseDBAsyncClient, writes: list[TicketWrites], actor: Principal | None, now: datetime
) -> None:
    """Every ticket's writes, in as few statements as keep their text repeating.

    One ticket: one statement of data-modifying CTEs, whose text repeats from call
    to call, so its plan is cached. Several (a triage batch): a statement of CTEs
    per ticket made text that never repeated, 84 KB for 56 tickets, which
    PostgreSQL parsed and planned afresh every time (14 ms a batch, as long as it
    ran). A batch writes its events and ticket updates as arrays instead (one
    statement, one UPDATE per set of changed columns) and each other statement
    once for all tickets with ``executemany``: a few round trips, cached plans.
    """
    if len(writes) > 1:
        await _flush_batch(conn, writes, actor, now)
        return
    ctes: list[str] = []
    params: list[Any] = []
    for n, w in enumerate(writes):
        parts, own = w.parts(actor, now, f"t{n}", len(params))
        ctes += parts
        params += own
        w.clear()
    if ctes:
        await conn.execute_query(f"WITH {', '.join(ctes)} SELECT 1", params)


async def _flush_batch(
    conn: BaseDBAsyncClient, writes: list[TicketWrites], actor: Principal | None, now: datetime
) -> None:
    events: tuple[list[int], list[str], list[str]] = ([], [], [])
    updates: dict[tuple[str, ...], list[TicketWrites]] = {}
    also: dict[str, list[list[Any]]] = {}
    for w in writes:
        for kind, data in w.events:
            events[0].append(w.ticket.id)
            events[1].append(kind)
            events[2].append(orjson.dumps(data).decode())
        if w.fields:
            w.set(updated_at=now)
            updates.setdefault(tuple(sorted(w.fields)), []).append(w)
        for sql, extra in w.also:
            also.setdefault(sql, []).append(extra)
    ctes: list[str] = []
    params: list[Any] = []
    if events[0]:
        params += [*_actor(actor), now, *events]
        ctes.append(f"events AS ({BATCH_EVENTS})")
    for n, (columns, group) in enumerate(updates.items()):
        sql, values = _batch_update(columns, group, len(params))
        ctes.append(f"changed_{n} AS ({sql})")
        params += values
    if ctes:
        await conn.execute_query(f"WITH {', '.join(ctes)} SELECT 1", params)
    for sql, rows in also.items():
        await conn.execute_many(sql, rows)
    for w in writes:
        w.clear()


def _batch_update(
    columns: tuple[str, ...], group: list[TicketWrites], offset: int
) -> tuple[str, list[Any]]:
    """One UPDATE for the tickets that changed the same columns, from arrays."""
    arrays = ", ".join(
        f"${offset + 2 + n}::{ARRAY_TYPES[name]}[]" for n, name in enumerate(columns)
    )
    assignments = ", ".join(
        f"{name} = ARRAY(SELECT jsonb_array_elements_text(u.{name}))"
        if name == "tags"
        else f"{name} = u.{name}"
        for name in columns
    )
    sql = (
        f"UPDATE ticket t SET {assignments} "  # noqa: S608  (names from WRITABLE)
        f"FROM unnest(${offset + 1}::int[], {arrays}) AS u(id, {', '.join(columns)}) "
        "WHERE t.id = u.id"
    )
    values: list[Any] = [[w.ticket.id for w in group]]
    for name in columns:
        values.append([_batch_value(name, getattr(w.ticket, name)) for w in group])
    return sql, values


def _batch_value(name: str, value: Any) -> Any:
    if name == "tags":
        return orjson.dumps(list(value)).decode()
    return _sql_value(name, value)
