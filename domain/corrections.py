"""Category corrections: what an agent changed is kept as training data."""

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from domain.access import Principal
from domain.enums import CategorySource
from domain.models import CategoryCorrection, Ticket


async def record(
    conn: BaseDBAsyncClient, ticket: Ticket, category_id: int, p: Principal, now: datetime
) -> None:
    """Store the correction and give the ticket its new category (source AGENT)."""
    await CategoryCorrection.create(
        ticket_id=ticket.id,
        from_category_id=ticket.category_id,
        to_category_id=category_id,
        from_source=ticket.category_source,
        agent_id=p.agent_id,
        created_at=now,
        using_db=conn,
    )
    ticket.category_id = category_id
    ticket.category_source = CategorySource.AGENT
    ticket.category_confidence = None
