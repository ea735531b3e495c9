"""What ``agentWorkload`` sends: an agent's load as it is now, each time it changed.

The numbers are read afresh for every update (never cached from an earlier one);
``kind`` says what changed it and ``position`` is where to resume (``after``).
"""

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from domain import models, workload
from domain.ports import Delivered
from gql import ids
from gql.types.directory import Agent


@strawberry.type(description="An agent's workload as it is now, sent when it changed.")
class WorkloadUpdate:
    position: str = strawberry.field(description="Pass as `after` to resume after this one.")
    kind: str = strawberry.field(
        description="What changed it: e.g. ticket.assigned, ticket.status_changed, "
        "agent.availability_changed, agent.updated."
    )
    at: datetime
    ticket_id: strawberry.ID | None = strawberry.field(
        description="The ticket involved, if the change was about one."
    )
    data: JSON = strawberry.field(description="The event's details (from/to).")
    agent: Agent
    current_ticket_count: int
    max_tickets: int
    is_available: bool
    utilisation: float = strawberry.field(
        description="currentTicketCount / maxTickets: 1.0 is full (above 1 after a cut)."
    )


def workload_update(delivered: Delivered, agent: models.Agent) -> WorkloadUpdate:
    event = delivered.event
    return WorkloadUpdate(
        position=delivered.position,
        kind=event.kind,
        at=event.created_at,
        ticket_id=None
        if event.ticket_id is None
        else strawberry.ID(ids.encode("Ticket", event.ticket_id)),
        data=cast(JSON, event.data),
        agent=cast(Agent, agent),  # models map onto these types (``is_type_of``)
        current_ticket_count=agent.current_ticket_count,
        max_tickets=agent.max_tickets,
        is_available=agent.is_available,
        utilisation=workload.utilisation(agent),
    )
