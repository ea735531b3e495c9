"""Who may move which ticket, and what a closed ticket still allows."""

import pytest

from domain import tickets
from domain.enums import Priority, TicketStatus
from domain.errors import Forbidden, InvalidTransition
from domain.models import Ticket
from tests.factories import (
    ADMIN,
    ManualClock,
    as_agent,
    create_agent,
    create_customer,
    create_team,
    create_ticket,
)


async def test_an_agent_takes_an_unassigned_ticket_but_not_a_colleagues(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    ada, ben = await create_agent(team), await create_agent(team)
    customer = await create_customer()
    free = await create_ticket(customer, clock, team=team)
    adas = await create_ticket(customer, clock, team=team, assignee=ada)

    await tickets.assign(as_agent(ben), free.id, ben.id, clock)
    with pytest.raises(Forbidden):
        await tickets.assign(as_agent(ben), adas.id, ben.id, clock)

    assert (await Ticket.get(id=free.id)).assignee_id == ben.id
    assert (await Ticket.get(id=adas.id)).assignee_id == ada.id


async def test_a_lead_may_move_a_colleagues_ticket(db: str, clock: ManualClock) -> None:
    team = await create_team()
    ada, ben = await create_agent(team), await create_agent(team)
    ticket = await create_ticket(await create_customer(), clock, team=team, assignee=ada)

    await tickets.assign(ADMIN, ticket.id, ben.id, clock)

    assert (await Ticket.get(id=ticket.id)).assignee_id == ben.id


async def test_a_closed_ticket_cannot_be_updated(db: str, clock: ManualClock) -> None:
    ticket = await create_ticket(await create_customer(), clock, status=TicketStatus.CLOSED)

    with pytest.raises(InvalidTransition):
        await tickets.update(
            ADMIN, ticket.id, tickets.TicketUpdate(priority=Priority.URGENT), clock
        )

    assert (await Ticket.get(id=ticket.id)).priority == Priority.MEDIUM
