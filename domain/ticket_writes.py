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

EVENTS = """
INSERT INTO ticket_event (ticket_id, kind, actor_role, actor_id, actor_token_id, client_id, data,
    created_at)
SELECT $1, kind, $2, $3, $4, $5, data, $6
FROM unnest($7::text[], $8::jsonb[]) WITH ORDINALITY AS e(kind, data, n) ORDER BY n
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
    """Every ticket's writes in one statement of data-modifying CTEs (all of them run)."""
    ctes: list[str] = []
    params: list[Any] = []
    for n, w in enumerate(writes):
        parts, own = w.parts(actor, now, f"t{n}", len(params))
        ctes += parts
        params += own
        w.clear()
    if ctes:
        await conn.execute_query(f"WITH {', '.join(ctes)} SELECT 1", params)
