"""Agent capacity under reassignment, reopening and concurrency (real PostgreSQL)."""

import asyncio

import pytest

from domain import tickets
from domain.enums import TicketStatus
from domain.errors import Conflict, InvalidTransition
from domain.models import Agent, Ticket, TicketEvent
from tests.factories import (
    ADMIN,
    ManualClock,
    as_customer,
    create_agent,
    create_customer,
    create_team,
    create_ticket,
)

S = TicketStatus


async def count(agent: Agent) -> int:
    return (await Agent.get(id=agent.id)).current_ticket_count


async def test_crossing_reassignments_never_deadlock(db: str, clock: ManualClock) -> None:
    """X moves A->B while Y moves B->A, many times at once: all succeed, counts hold."""
    team = await create_team()
    a, b = await create_agent(team, max_tickets=50), await create_agent(team, max_tickets=50)
    customer = await create_customer()
    on_a = [await create_ticket(customer, clock, team=team, assignee=a) for _ in range(10)]
    on_b = [await create_ticket(customer, clock, team=team, assignee=b) for _ in range(10)]

    results = await asyncio.gather(
        *(tickets.assign(ADMIN, t.id, b.id, clock) for t in on_a),
        *(tickets.assign(ADMIN, t.id, a.id, clock) for t in on_b),
        return_exceptions=True,
    )

    assert [r for r in results if not isinstance(r, Ticket)] == []
    assert (await count(a), await count(b)) == (10, 10)


async def test_reopening_goes_back_to_the_agent_when_they_have_room(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    agent = await create_agent(team, max_tickets=1)
    ticket = await create_ticket(await create_customer(), clock, team=team, assignee=agent)
    await tickets.change_status(ADMIN, ticket.id, S.RESOLVED, clock)
    assert await count(agent) == 0

    await tickets.change_status(ADMIN, ticket.id, S.IN_PROGRESS, clock)

    reopened = await Ticket.get(id=ticket.id)
    assert (reopened.status, reopened.assignee_id) == (S.IN_PROGRESS, agent.id)
    assert await count(agent) == 1


async def test_a_reply_to_a_solved_ticket_of_a_full_agent_reopens_it_unassigned(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    agent = await create_agent(team, max_tickets=1)
    customer = await create_customer()
    solved = await create_ticket(customer, clock, team=team, assignee=agent, status=S.RESOLVED)
    await create_ticket(customer, clock, team=team, assignee=agent)
    assert await count(agent) == 1

    await tickets.add_message(as_customer(customer), solved.id, "Still broken", False, clock)

    reopened = await Ticket.get(id=solved.id)
    assert (reopened.status, reopened.assignee_id, reopened.reopen_count) == (S.OPEN, None, 1)
    assert await count(agent) == 1
    events = TicketEvent.filter(ticket_id=solved.id).exclude(kind__startswith="sla.")
    kinds = [e.kind for e in await events.order_by("id")]
    assert kinds[-4:] == [
        "message.added",
        "ticket.status_changed",
        "ticket.reopened",
        "ticket.unassigned",
    ]


async def test_reopening_for_an_unavailable_agent_unassigns(db: str, clock: ManualClock) -> None:
    team = await create_team()
    agent = await create_agent(team)
    ticket = await create_ticket(
        await create_customer(), clock, team=team, assignee=agent, status=S.RESOLVED
    )
    await Agent.filter(id=agent.id).update(is_available=False)

    await tickets.change_status(ADMIN, ticket.id, S.OPEN, clock)

    assert (await Ticket.get(id=ticket.id)).assignee_id is None
    assert await count(agent) == 0


async def test_a_closed_ticket_cannot_be_reassigned(db: str, clock: ManualClock) -> None:
    team = await create_team()
    first, second = await create_agent(team), await create_agent(team)
    ticket = await create_ticket(
        await create_customer(), clock, team=team, assignee=first, status=S.CLOSED
    )

    with pytest.raises(InvalidTransition):
        await tickets.assign(ADMIN, ticket.id, second.id, clock)

    assert (await Ticket.get(id=ticket.id)).assignee_id == first.id


async def test_an_unavailable_agent_is_refused(db: str, clock: ManualClock) -> None:
    team = await create_team()
    agent = await create_agent(team, available=False)
    ticket = await create_ticket(await create_customer(), clock, team=team)

    with pytest.raises(Conflict):
        await tickets.assign(ADMIN, ticket.id, agent.id, clock)

    assert await count(agent) == 0


async def test_the_count_can_never_go_below_zero(db: str) -> None:
    from tortoise.exceptions import IntegrityError

    team = await create_team()
    agent = await create_agent(team)
    with pytest.raises(IntegrityError):
        await Agent.filter(id=agent.id).update(current_ticket_count=-1)
