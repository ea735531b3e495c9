"""Tickets created at the same time are written together (domain/ticket_creation.py):
each caller still gets its own committed ticket, handed to triage; a ticket that
cannot be written fails only its own call and leaves nothing behind."""

import asyncio
from collections.abc import Sequence
from dataclasses import replace

from tortoise.transactions import in_transaction

from domain import tickets
from domain.enums import Role
from domain.errors import NotFound
from domain.models import Ticket, TicketEvent
from domain.ports import SystemClock
from tests.factories import ADMIN, create_agent, create_customer, create_team


class Recording:
    """A triage queue that remembers each hand-over."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def triage(self, ticket_ids: Sequence[int]) -> None:
        self.calls.append(list(ticket_ids))


def _new(customer_id: int, n: int) -> tickets.NewTicket:
    return tickets.NewTicket(
        subject=f"Subject {n}", description=f"Body {n}", customer_id=customer_id, tags=[f"t{n}"]
    )


async def test_concurrent_creations_each_commit_their_own_ticket_and_event(db: str) -> None:
    customers = [await create_customer() for _ in range(3)]
    queue = Recording()

    created = await asyncio.gather(
        *(
            tickets.create_ticket(ADMIN, _new(customers[n % 3].id, n), SystemClock(), queue)
            for n in range(40)
        )
    )

    assert [t.subject for t in created] == [f"Subject {n}" for n in range(40)]
    stored = {t.id: t for t in await Ticket.filter(id__in=[t.id for t in created])}
    for n, ticket in enumerate(created):
        assert stored[ticket.id].customer_id == customers[n % 3].id
        assert stored[ticket.id].tags == [f"t{n}"]
        assert ticket.number == stored[ticket.id].number
    events = await TicketEvent.filter(kind="ticket.created").order_by("ticket_id")
    assert [(e.ticket_id, e.data) for e in events] == [
        (t.id, {"subject": t.subject}) for t in sorted(created, key=lambda t: t.id)
    ]
    handed = [i for call in queue.calls for i in call]
    assert sorted(handed) == sorted(t.id for t in created)
    assert len(queue.calls) < len(created)  # handed over together, not one by one


async def test_a_missing_customer_fails_only_its_own_call(db: str) -> None:
    customer = await create_customer()
    queue = Recording()

    results = await asyncio.gather(
        tickets.create_ticket(ADMIN, _new(customer.id, 1), SystemClock(), queue),
        tickets.create_ticket(ADMIN, _new(customer.id + 999, 2), SystemClock(), queue),
        tickets.create_ticket(ADMIN, _new(customer.id, 3), SystemClock(), queue),
        return_exceptions=True,
    )

    assert isinstance(results[1], NotFound)
    assert results[1].field == "customerId"
    good = [r for r in results if isinstance(r, Ticket)]
    assert [t.subject for t in good] == ["Subject 1", "Subject 3"]
    assert await Ticket.filter(subject="Subject 2").count() == 0
    assert await TicketEvent.filter(kind="ticket.created").count() == 2
    assert sorted(i for call in queue.calls for i in call) == sorted(t.id for t in good)


async def test_a_ticket_the_database_refuses_does_not_take_the_others_down(db: str) -> None:
    customer = await create_customer()
    agent = await create_agent(await create_team())
    # an agent's ticket goes to their team; this principal names a team that is gone
    lost = replace(ADMIN, role=Role.AGENT, agent_id=agent.id, team_id=agent.team_id + 999)

    results = await asyncio.gather(
        tickets.create_ticket(ADMIN, _new(customer.id, 1), SystemClock(), None),
        tickets.create_ticket(lost, _new(customer.id, 2), SystemClock(), None),
        tickets.create_ticket(ADMIN, _new(customer.id, 3), SystemClock(), None),
        return_exceptions=True,
    )

    assert isinstance(results[1], Exception)
    assert [r.subject for r in results if isinstance(r, Ticket)] == ["Subject 1", "Subject 3"]
    assert sorted(t.subject for t in await Ticket.all()) == [
        "Subject 1",
        "Subject 3",
    ]
    assert await TicketEvent.filter(kind="ticket.created").count() == 2


async def test_a_broker_outage_at_hand_over_still_returns_the_committed_tickets(
    db: str,
) -> None:
    customer = await create_customer()

    class Down:
        async def triage(self, ticket_ids: Sequence[int]) -> None:
            raise ConnectionError("broker down")

    created = await asyncio.gather(
        *(
            tickets.create_ticket(ADMIN, _new(customer.id, n), SystemClock(), Down())
            for n in range(3)
        )
    )

    assert await Ticket.filter(id__in=[t.id for t in created]).count() == 3


class _Rollback(Exception):
    pass


async def test_inside_a_callers_transaction_the_ticket_is_that_transactions(db: str) -> None:
    """Written alone, in the caller's transaction: another caller's ticket created at
    the same moment never joins it (and is not lost when it rolls back)."""
    customer = await create_customer()
    inside_started = asyncio.Event()

    async def inside() -> None:
        async with in_transaction():
            inside_started.set()
            await tickets.create_ticket(ADMIN, _new(customer.id, 1), SystemClock(), None)
            raise _Rollback

    async def outside() -> Ticket:
        await inside_started.wait()
        return await tickets.create_ticket(ADMIN, _new(customer.id, 2), SystemClock(), None)

    rolled, kept = await asyncio.gather(inside(), outside(), return_exceptions=True)

    assert isinstance(rolled, _Rollback)
    assert isinstance(kept, Ticket)
    assert [t.subject for t in await Ticket.all()] == ["Subject 2"]
    assert await TicketEvent.filter(kind="ticket.created").count() == 1


async def test_a_caller_that_goes_away_leaves_the_others_and_its_batch_alone(db: str) -> None:
    customer = await create_customer()
    agent = await create_agent(await create_team())
    lost = replace(ADMIN, role=Role.AGENT, agent_id=agent.id, team_id=agent.team_id + 999)
    first = asyncio.ensure_future(
        tickets.create_ticket(ADMIN, _new(customer.id, 1), SystemClock(), None)
    )
    gone = asyncio.ensure_future(
        tickets.create_ticket(lost, _new(customer.id, 2), SystemClock(), None)
    )
    third = asyncio.ensure_future(
        tickets.create_ticket(ADMIN, _new(customer.id, 3), SystemClock(), None)
    )
    for _ in range(3):  # all three reach the batch
        await asyncio.sleep(0)
    gone.cancel()

    results = await asyncio.gather(first, gone, third, return_exceptions=True)

    assert isinstance(results[1], asyncio.CancelledError)
    assert [r.subject for r in results if isinstance(r, Ticket)] == ["Subject 1", "Subject 3"]
    assert sorted(t.subject for t in await Ticket.all()) == ["Subject 1", "Subject 3"]
