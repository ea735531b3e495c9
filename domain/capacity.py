"""Agent capacity: an assigned ticket holds one unit of its agent's capacity while active.

Every change is a guarded SQL statement, never read-then-write in Python, and
agent rows are locked in id order so two reassignments crossing each other
cannot deadlock.
"""

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.enums import TicketStatus

ACTIVE = frozenset({TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER})


async def lock_agents(conn: BaseDBAsyncClient, *agent_ids: int | None) -> None:
    ids = sorted({i for i in agent_ids if i is not None})
    if ids:
        await conn.execute_query(
            "SELECT id FROM agent WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE", [ids]
        )


async def reserve(conn: BaseDBAsyncClient, agent_id: int) -> bool:
    """Take one unit if the agent is available and below max_tickets; False if not."""
    reserved, _ = await conn.execute_query(
        "UPDATE agent SET current_ticket_count = current_ticket_count + 1 "
        "WHERE id = $1 AND is_available AND current_ticket_count < max_tickets",
        [agent_id],
    )
    return bool(reserved)


async def release(conn: BaseDBAsyncClient, agent_id: int) -> None:
    """Give one unit back (a CHECK constraint keeps the count from going below zero)."""
    await conn.execute_query(
        "UPDATE agent SET current_ticket_count = current_ticket_count - 1 WHERE id = $1",
        [agent_id],
    )
