"""Ticket commands on real PostgreSQL: state, timestamps, capacity and events."""

import asyncio

import pytest

from domain import tickets
from domain.enums import Role, TicketStatus
from domain.errors import Conflict, InvalidTransition
from domain.models import Agent, Message, Ticket, TicketEvent
from tests.factories import (
    ADMIN,
    ManualClock,
    as_agent,
    as_customer,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
)

S = TicketStatus


async def kinds(ticket_id: int) -> list[str]:
    """The ticket's events apart from its SLA timeline (tests/integration/test_sla.py)."""
    events = TicketEvent.filter(ticket_id=ticket_id).exclude(kind__startswith="sla.")
    return [e.kind for e in await events.order_by("id")]


async def test_create_writes_the_ticket_and_its_event(db: str, clock: ManualClock) -> None:
    team = await create_team()
    await create_category("SHIPPING", team=team)
    customer = await create_customer()

    ticket = await tickets.create_ticket(
        as_customer(customer),
        tickets.NewTicket(
            subject="  Where is my parcel?  ", description="Order 12", category_key="shipping"
        ),
        clock,
    )

    stored = await Ticket.get(id=ticket.id)
    assert stored.subject == "Where is my parcel?"
    assert stored.status == S.OPEN
    assert stored.team_id == team.id
    assert stored.number >= 1001
    assert stored.created_at == clock.now()
    assert await kinds(ticket.id) == ["ticket.created"]
    event = await TicketEvent.get(ticket_id=ticket.id)
    assert (event.actor_role, event.actor_id) == ("CUSTOMER", customer.id)


async def test_ticket_numbers_are_unique_and_increasing(db: str, clock: ManualClock) -> None:
    customer = await create_customer()
    numbers = [(await create_ticket(customer, clock)).number for _ in range(3)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3


async def test_first_public_agent_reply_sets_first_response_at(db: str, clock: ManualClock) -> None:
    team = await create_team()
    agent = await create_agent(team)
    ticket = await create_ticket(await create_customer(), clock, team=team)

    clock.advance(minutes=5)
    await tickets.add_message(as_agent(agent), ticket.id, "internal look", True, clock)
    assert (await Ticket.get(id=ticket.id)).first_response_at is None
    clock.advance(minutes=5)
    reply_at = clock.now()
    await tickets.add_message(as_agent(agent), ticket.id, "Hello!", False, clock)
    clock.advance(minutes=5)
    await tickets.add_message(as_agent(agent), ticket.id, "Again", False, clock)

    assert (await Ticket.get(id=ticket.id)).first_response_at == reply_at
    assert (await kinds(ticket.id)).count("ticket.first_response") == 1


async def test_customer_reply_moves_waiting_ticket_back(db: str, clock: ManualClock) -> None:
    team = await create_team()
    agent = await create_agent(team)
    customer = await create_customer()
    ticket = await create_ticket(
        customer, clock, team=team, assignee=agent, status=S.WAITING_ON_CUSTOMER
    )

    await tickets.add_message(as_customer(customer), ticket.id, "Here is the info", False, clock)

    assert (await Ticket.get(id=ticket.id)).status == S.IN_PROGRESS


async def test_resolve_then_reopen_counts_and_stamps(db: str, clock: ManualClock) -> None:
    ticket = await create_ticket(await create_customer(), clock)
    await tickets.change_status(ADMIN, ticket.id, S.RESOLVED, clock)
    assert (await Ticket.get(id=ticket.id)).resolved_at == clock.now()

    clock.advance(hours=1)
    await tickets.change_status(ADMIN, ticket.id, S.OPEN, clock)

    reopened = await Ticket.get(id=ticket.id)
    assert (reopened.status, reopened.reopen_count, reopened.resolved_at) == (S.OPEN, 1, None)
    assert await kinds(ticket.id) == [
        "ticket.created",
        "ticket.status_changed",
        "ticket.status_changed",
        "ticket.reopened",
    ]


async def test_refused_transition_changes_nothing(db: str, clock: ManualClock) -> None:
    ticket = await create_ticket(await create_customer(), clock, status=S.CLOSED)
    before = (await Ticket.get(id=ticket.id)).updated_at, await kinds(ticket.id)

    with pytest.raises(InvalidTransition):
        await tickets.change_status(ADMIN, ticket.id, S.OPEN, clock)
    with pytest.raises(InvalidTransition):
        await tickets.add_message(ADMIN, ticket.id, "hello?", False, clock)

    assert ((await Ticket.get(id=ticket.id)).updated_at, await kinds(ticket.id)) == before
    assert await Message.filter(ticket_id=ticket.id).count() == 0


async def test_a_failure_inside_the_transaction_leaves_no_trace(
    db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The event write fails after the message insert: both roll back."""
    ticket = await create_ticket(await create_customer(), clock)

    async def broken_record(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(tickets, "record", broken_record)
    with pytest.raises(RuntimeError):
        await tickets.add_message(ADMIN, ticket.id, "lost?", False, clock)

    assert await Message.filter(ticket_id=ticket.id).count() == 0
    assert (await Ticket.get(id=ticket.id)).first_response_at is None


async def test_assignment_reserves_and_resolution_releases_capacity(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    first, second = await create_agent(team, max_tickets=1), await create_agent(team, max_tickets=1)
    ticket = await create_ticket(await create_customer(), clock, team=team, assignee=first)
    assert (await Agent.get(id=first.id)).current_ticket_count == 1

    await tickets.assign(ADMIN, ticket.id, second.id, clock)
    counts = [(await Agent.get(id=a.id)).current_ticket_count for a in (first, second)]
    assert counts == [0, 1]

    await tickets.change_status(ADMIN, ticket.id, S.RESOLVED, clock)
    assert (await Agent.get(id=second.id)).current_ticket_count == 0


async def test_full_agent_is_refused_and_nothing_changes(db: str, clock: ManualClock) -> None:
    team = await create_team()
    busy = await create_agent(team, max_tickets=1)
    await create_ticket(await create_customer(), clock, team=team, assignee=busy)
    other = await create_ticket(await create_customer(), clock, team=team)

    with pytest.raises(Conflict):
        await tickets.assign(ADMIN, other.id, busy.id, clock)

    assert (await Ticket.get(id=other.id)).assignee_id is None
    assert (await Agent.get(id=busy.id)).current_ticket_count == 1


async def test_concurrent_assignments_never_exceed_capacity(db: str, clock: ManualClock) -> None:
    team = await create_team()
    agent = await create_agent(team, max_tickets=3)
    customer = await create_customer()
    many = [await create_ticket(customer, clock, team=team) for _ in range(12)]

    results = await asyncio.gather(
        *(tickets.assign(ADMIN, t.id, agent.id, clock) for t in many), return_exceptions=True
    )

    assigned = [r for r in results if isinstance(r, Ticket)]
    assert len(assigned) == 3
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Ticket))
    assert (await Agent.get(id=agent.id)).current_ticket_count == 3
    assert await Ticket.filter(assignee_id=agent.id).count() == 3


async def test_agent_priority_is_marked_as_set_by_agent(db: str, clock: ManualClock) -> None:
    from domain.enums import Priority

    team = await create_team()
    agent = await create_agent(team)
    ticket = await create_ticket(await create_customer(), clock, team=team)

    await tickets.update(
        as_agent(agent, Role.AGENT),
        ticket.id,
        tickets.TicketUpdate(priority=Priority.URGENT),
        clock,
    )

    stored = await Ticket.get(id=ticket.id)
    assert (stored.priority, stored.priority_set_by_agent) == (Priority.URGENT, True)
    assert (await kinds(ticket.id))[-1] == "ticket.updated"


async def test_a_ticket_an_agent_files_without_a_category_stays_visible_to_them(
    db: str, clock: ManualClock
) -> None:
    from domain import ticket_reads

    team = await create_team()
    agent = await create_agent(team)
    customer = await create_customer()

    ticket = await tickets.create_ticket(
        as_agent(agent),
        tickets.NewTicket(subject="Phoned in", description="Caller", customer_id=customer.id),
        clock,
    )

    assert ticket.team_id == team.id
    assert await ticket_reads.visible_ticket(as_agent(agent), ticket.id) is not None


async def test_events_record_the_token_that_made_the_change(db: str, clock: ManualClock) -> None:
    from dataclasses import replace

    customer = await create_customer()
    ticket = await create_ticket(customer, clock)
    partner = replace(ADMIN, role=Role.PARTNER, token_id=42)

    await tickets.add_message(partner, ticket.id, "From the CRM", False, clock)

    event = await TicketEvent.filter(ticket_id=ticket.id, kind="message.added").get()
    assert (event.actor_role, event.actor_token_id) == ("PARTNER", 42)
