"""What subscriptions send: one update per committed event a subscriber may see.

``position`` is the event's place on the bus: a client that reconnects passes the
last one it saw as ``after`` and receives what it missed, then live updates.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from domain.ports import Delivered
from gql import ids

if TYPE_CHECKING:
    from gql.types.tickets import Ticket


@strawberry.type
class TicketUpdate:
    position: str = strawberry.field(description="Pass as `after` to resume after this one.")
    kind: str = strawberry.field(description="e.g. ticket.assigned, message.added, sla.breached.")
    at: datetime
    ticket_id: strawberry.ID
    actor_role: str
    data: JSON | None = strawberry.field(description="The event's details (staff only).")
    ticket: Annotated["Ticket", strawberry.lazy("gql.types.tickets")] | None = strawberry.field(
        description="The ticket as it is now, read afresh for this update."
    )


def update(delivered: Delivered, ticket: Any, *, with_data: bool) -> TicketUpdate:
    event = delivered.event
    if event.ticket_id is None:  # subscriptions pass only ticket events here
        raise ValueError(f"{event.kind} (event {event.event_id}) is not about a ticket")
    return TicketUpdate(
        position=delivered.position,
        kind=event.kind,
        at=event.created_at,
        ticket_id=strawberry.ID(ids.encode("Ticket", event.ticket_id)),
        actor_role=event.actor_role,
        data=cast(JSON, event.data) if with_data else None,
        ticket=ticket,
    )
