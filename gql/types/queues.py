"""Queues as a dashboard reads them: position, ticket, and how long it has waited."""

from datetime import datetime

import strawberry

from gql.types.tickets import Ticket


@strawberry.type
class QueueEntry:
    position: int = strawberry.field(description="1 is the next ticket an agent will get.")
    ticket: Ticket
    queued_at: datetime | None
