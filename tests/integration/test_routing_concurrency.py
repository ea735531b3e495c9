"""Hundreds of routings at once: no agent over max_tickets, no ticket assigned twice."""

import asyncio
from collections import Counter

from domain.enums import RoutingState
from domain.models import Agent, Ticket, TicketEvent
from domain.triage import triage_ticket
from domain.triage_inputs import Intake
from tests.factories import (
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
)


async def test_concurrent_routings_respect_capacity_and_assign_each_ticket_once(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    agents = [await create_agent(team, max_tickets=3, skills={cat: 1 + n % 5}) for n in range(10)]
    customer = await create_customer()
    new = [await create_ticket(customer, clock, category=cat) for _ in range(150)]
    intake = Intake(clock)

    # every ticket is triaged twice at once, as a redelivered task would be
    results = await asyncio.gather(
        *(triage_ticket(intake, t.id) for t in new for _ in range(2)), return_exceptions=True
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(bool(r) for r in results) == [False] * 150 + [True] * 150
    done = await Ticket.filter(id__in=[t.id for t in new])
    per_agent = Counter(t.assignee_id for t in done if t.assignee_id is not None)
    rows = {a.id: a for a in await Agent.filter(id__in=[a.id for a in agents])}
    assert sum(per_agent.values()) == 30
    for agent_id, held in per_agent.items():
        assert held <= 3
        assert rows[agent_id].current_ticket_count == held
    states = Counter(t.routing_state for t in done)
    assert states == {RoutingState.ASSIGNED: 30, RoutingState.QUEUED: 120}
    assigned_events = await TicketEvent.filter(kind="ticket.assigned").count()
    triaged_events = await TicketEvent.filter(kind="ticket.triaged").count()
    assert (assigned_events, triaged_events) == (30, 150)
