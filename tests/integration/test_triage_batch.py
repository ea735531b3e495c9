"""Triage in batches: the same outcomes as one by one, each ticket once, failures isolated."""

import asyncio
from collections import Counter

import pytest

from domain.enums import RoutingState, TriageStatus
from domain.models import Agent, Ticket, TicketEvent
from domain.triage import triage_many
from domain.triage_inputs import Intake
from tasks.triage_batch import TriageBatcher
from tests.factories import (
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
)


async def test_a_batch_triages_every_ticket_once_and_respects_capacity(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team, keywords=["invoice"])
    agents = [await create_agent(team, max_tickets=2, skills={cat: 3}) for _ in range(3)]
    customer = await create_customer()
    new = [await create_ticket(customer, clock, subject=f"Invoice {n}") for n in range(10)]
    ids = [t.id for t in new]

    first, second = await asyncio.gather(
        triage_many(Intake(clock), ids), triage_many(Intake(clock), ids[::-1])
    )

    assert sorted(first | second) == sorted(ids)
    assert not first & second
    done = await Ticket.filter(id__in=ids)
    assert {t.triage_status for t in done} == {TriageStatus.DONE}
    assert Counter(t.routing_state for t in done) == {
        RoutingState.ASSIGNED: 6,
        RoutingState.QUEUED: 4,
    }
    counts = [(await Agent.get(id=a.id)).current_ticket_count for a in agents]
    assert counts == [2, 2, 2]
    assert await TicketEvent.filter(kind="ticket.triaged").count() == 10


async def test_the_batcher_groups_concurrent_submissions_and_isolates_a_bad_ticket(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    await create_category("BILLING", team=team, keywords=["invoice"])
    customer = await create_customer()
    good = [await create_ticket(customer, clock, subject="Invoice") for _ in range(5)]
    batcher = TriageBatcher(lambda: Intake(clock), max_batch=32)

    results = await asyncio.gather(
        *(batcher.submit(t.id) for t in good), batcher.submit(999_999), return_exceptions=True
    )

    assert results == [True] * 5 + [False]  # a missing ticket is simply not there
    assert {t.triage_status for t in await Ticket.filter(id__in=[t.id for t in good])} == {
        TriageStatus.DONE
    }


async def test_tickets_arriving_while_a_batch_runs_wait_and_go_together(
    db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await create_team()
    await create_category("BILLING", team=team, keywords=["invoice"])
    customer = await create_customer()
    new = [await create_ticket(customer, clock, subject="Invoice") for _ in range(8)]
    batches: list[list[int]] = []
    running = 0
    most_at_once = 0

    async def counted(intake: Intake, ticket_ids: list[int]) -> set[int]:
        nonlocal running, most_at_once
        batches.append(ticket_ids)
        running += 1
        most_at_once = max(most_at_once, running)
        try:
            await asyncio.sleep(0.01)  # slow enough for the rest to arrive meanwhile
            return await triage_many(intake, ticket_ids)
        finally:
            running -= 1

    monkeypatch.setattr("tasks.triage_batch.triage_many", counted)
    batcher = TriageBatcher(lambda: Intake(clock), max_batch=3, max_in_flight=1)

    first = asyncio.create_task(batcher.submit(new[0].id))
    await asyncio.sleep(0.001)  # an idle batcher starts at once, alone
    rest = [batcher.submit(t.id) for t in new[1:]]
    results = await asyncio.gather(first, *rest)

    assert results == [True] * 8
    assert [len(b) for b in batches] == [1, 3, 3, 1]
    assert sorted(i for b in batches for i in b) == sorted(t.id for t in new)
    assert most_at_once == 1


async def test_while_busy_batches_start_spaced_and_a_full_batch_does_not_wait(
    db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spacing grows batches under load; an idle worker and a full batch never wait."""
    team = await create_team()
    await create_category("BILLING", team=team, keywords=["invoice"])
    customer = await create_customer()
    new = [await create_ticket(customer, clock, subject="Invoice") for _ in range(7)]
    loop = asyncio.get_running_loop()
    started: list[tuple[float, list[int]]] = []

    async def timed(intake: Intake, ticket_ids: list[int]) -> set[int]:
        started.append((loop.time(), ticket_ids))
        return await triage_many(intake, ticket_ids)

    monkeypatch.setattr("tasks.triage_batch.triage_many", timed)
    spacing = 0.3
    batcher = TriageBatcher(lambda: Intake(clock), max_batch=4, spacing=spacing)

    t0 = loop.time()
    assert await batcher.submit(new[0].id)  # idle: at once
    pair = asyncio.gather(batcher.submit(new[1].id), batcher.submit(new[2].id))
    await asyncio.sleep(0.01)
    assert len(started) == 1  # still within the spacing: the pair waits
    assert list(await pair) == [True, True]
    full = await asyncio.gather(*(batcher.submit(t.id) for t in new[3:]))

    assert full == [True] * 4
    assert [ids for _, ids in started] == [
        [new[0].id],
        [new[1].id, new[2].id],
        [t.id for t in new[3:]],
    ]
    assert started[0][0] - t0 < spacing
    assert started[1][0] - started[0][0] >= spacing
    assert started[2][0] - started[1][0] < spacing  # four waiting: a full batch goes at once
