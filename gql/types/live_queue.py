"""What a queue subscription sends: changes a client applies to its list, and the
events they came from.

The first update (``reset``) lists the whole queue as INSERTED, in order; later
ones list only what changed. docs/live.md says how a client applies them.
"""

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from domain.queue_view import QueueChange as Change
from domain.queue_view import QueueChangeKind
from gql import ids
from gql.types.live import TicketUpdate

if TYPE_CHECKING:
    from gql.types.tickets import Ticket

strawberry.enum(QueueChangeKind)


@strawberry.type
class QueueChange:
    kind: QueueChangeKind
    ticket_id: strawberry.ID
    position: int | None = strawberry.field(
        description="0-based place in the queue after this update; null when removed."
    )
    previous_position: int | None = strawberry.field(
        description="0-based place before this update; null when inserted."
    )
    ticket: Annotated["Ticket", strawberry.lazy("gql.types.tickets")] | None = strawberry.field(
        description="The ticket as it is now, read afresh; null when removed."
    )


@strawberry.type
class QueueUpdate:
    position: str | None = strawberry.field(
        description="The bus position of the last event this update covers: pass as "
        "`after` to resume. Null on a reset that covers no event yet."
    )
    reset: bool = strawberry.field(
        description="True on the first update: `changes` lists the whole queue as INSERTED, "
        "in order; build the list from it."
    )
    changes: list[QueueChange] = strawberry.field(
        description="Apply in two steps: take out every REMOVED and MOVED ticket, then put "
        "each INSERTED and MOVED one at `position`, in the order given."
    )
    events: list[TicketUpdate] = strawberry.field(
        description="The events this update covers that this subscriber may see."
    )


def queue_change(change: Change, ticket: Any) -> QueueChange:
    return QueueChange(
        kind=change.kind,
        ticket_id=strawberry.ID(ids.encode("Ticket", change.ticket_id)),
        position=change.index,
        previous_position=change.previous_index,
        ticket=ticket,
    )
