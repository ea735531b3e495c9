"""Writing to the append-only event log (the outbox), inside the change's transaction."""

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.access import Principal
from domain.models import TicketEvent


async def record(
    conn: BaseDBAsyncClient,
    ticket_id: int,
    kinds: tuple[str, ...] | list[str],
    actor: Principal | None,
    now: datetime,
    *,
    data: dict[str, Any] | None = None,
) -> None:
    """One row per event kind; ``actor`` None means the system did it."""
    await record_each(conn, ticket_id, [(kind, data or {}) for kind in kinds], actor, now)


async def record_each(
    conn: BaseDBAsyncClient,
    ticket_id: int,
    events: list[tuple[str, dict[str, Any]]],
    actor: Principal | None,
    now: datetime,
) -> None:
    """Several events, each with its own data, in one statement."""
    if not events:
        return
    await TicketEvent.bulk_create(
        [_row(kind, data, actor, now, ticket_id=ticket_id) for kind, data in events],
        using_db=conn,
    )


async def record_agent(
    conn: BaseDBAsyncClient,
    agent_id: int,
    kind: str,
    actor: Principal | None,
    now: datetime,
    *,
    data: dict[str, Any],
) -> None:
    """An event about an agent and no ticket (``agent.*``). Write it after the change
    has updated (so locked) the agent's row: one agent's events then commit in order."""
    await _row(kind, data, actor, now, agent_id=agent_id).save(using_db=conn)


def _row(
    kind: str,
    data: dict[str, Any],
    actor: Principal | None,
    now: datetime,
    *,
    ticket_id: int | None = None,
    agent_id: int | None = None,
) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket_id,
        agent_id=agent_id,
        kind=kind,
        actor_role=actor.role.value if actor else "SYSTEM",
        actor_id=(actor.agent_id or actor.customer_id) if actor else None,
        actor_token_id=(actor.token_id or None) if actor else None,
        client_id=actor.client_id if actor else None,
        data=data,
        created_at=now,
    )
