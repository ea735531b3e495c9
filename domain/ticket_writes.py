"""Changes to locked tickets, gathered and written in one statement.

Triage touches a ticket in several steps (category, priority, routing, SLA); each
step records what it changed here, and the caller flushes once, for one ticket
or a whole batch: a single SQL statement of data-modifying CTEs updates the
changed columns, inserts all the events and writes every other row (decision,
triage record, SLA clocks). Everything travels as arrays, one element per
ticket, so the statement's text depends only on which kinds of change a flush
holds, never on how many tickets: PostgreSQL plans it once per connection, and a
batch costs one round trip and one execution of each part. (A statement per
ticket, as CTE text or with ``executemany``, cost a parse, a plan or an
execution per ticket: most of a batch's time.)
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


@dataclass(frozen=True)
class RowWrite:
    """A data-modifying statement over rows given as arrays: ``$1..$n`` are one array
    per column (``unnest($1::int[], ...)``), one element per row."""

    sql: str


@dataclass
class TicketWrites:
    ticket: Ticket
    fields: set[str] = field(default_factory=set)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    rows: list[tuple[RowWrite, list[Any]]] = field(default_factory=list)

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            if name not in WRITABLE:
                raise ValueError(f"{name} is not a column intake writes")
            setattr(self.ticket, name, value)
            self.fields.add(name)

    def event(self, kind: str, **data: Any) -> None:
        self.events.append((kind, data))

    def write_row(self, statement: RowWrite, values: list[Any]) -> None:
        """A row for ``statement`` (its columns' values, in order), written in the flush."""
        self.rows.append((statement, values))

    def clear(self) -> None:
        self.fields.clear()
        self.events.clear()
        self.rows.clear()

    async def flush(self, conn: BaseDBAsyncClient, actor: Principal | None, now: datetime) -> None:
        await flush_all(conn, [self], actor, now)


async def flush_all(
    conn: BaseDBAsyncClient, writes: list[TicketWrites], actor: Principal | None, now: datetime
) -> None:
    """Every ticket's writes in one statement (see the module docstring)."""
    events: tuple[list[int], list[str], list[str]] = ([], [], [])
    updates: dict[tuple[str, ...], list[TicketWrites]] = {}
    rows: dict[RowWrite, list[list[Any]]] = {}
    for w in writes:
        for kind, data in w.events:
            events[0].append(w.ticket.id)
            events[1].append(kind)
            events[2].append(orjson.dumps(data).decode())
        if w.fields:
            w.set(updated_at=now)
            updates.setdefault(tuple(sorted(w.fields)), []).append(w)
        for statement, values in w.rows:
            rows.setdefault(statement, []).append(values)
    ctes: list[str] = []
    params: list[Any] = []
    if events[0]:
        params += [*_actor(actor), now, *events]
        ctes.append(f"events AS ({BATCH_EVENTS})")
    for n, (columns, group) in enumerate(updates.items()):
        sql, values = _batch_update(columns, group, len(params))
        ctes.append(f"changed_{n} AS ({sql})")
        params += values
    for n, (statement, found) in enumerate(rows.items()):
        ctes.append(f"rows_{n} AS ({_shifted(statement.sql, len(params))})")
        params += [list(column) for column in zip(*found, strict=True)]
    if ctes:
        await conn.execute_query(f"WITH {', '.join(ctes)} SELECT 1", params)
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
