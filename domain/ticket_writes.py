"""Changes to one locked ticket, gathered and written in two statements.

Triage touches a ticket in several steps (category, priority, routing); each
step records what it changed here, and the caller flushes once: one UPDATE of
the changed columns and one INSERT of all the events. Round trips are the
cost of intake, so this halves it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.access import Principal
from domain.events import record_each
from domain.models import Ticket


@dataclass
class TicketWrites:
    ticket: Ticket
    fields: set[str] = field(default_factory=set)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def set(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self.ticket, name, value)
            self.fields.add(name)

    def event(self, kind: str, **data: Any) -> None:
        self.events.append((kind, data))

    async def flush(self, conn: BaseDBAsyncClient, actor: Principal | None, now: datetime) -> None:
        if self.fields:
            self.set(updated_at=now)
            await self.ticket.save(using_db=conn, update_fields=sorted(self.fields))
        await record_each(conn, self.ticket.id, self.events, actor, now)
        self.fields.clear()
        self.events.clear()
