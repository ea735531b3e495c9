"""A batch's writes (one statement of arrays for all tickets) land exactly as one-by-one
flushes do."""

from typing import Any

from tortoise.transactions import in_transaction

from domain.enums import Priority, RoutingState, SupportTier, TriageStatus
from domain.models import Ticket, TicketEvent
from domain.routing_sql import UPSERT_DECISION
from domain.ticket_writes import TicketWrites, flush_all
from tests.factories import ManualClock, create_agent, create_customer, create_team, create_ticket

IGNORED = {"id", "number", "created_at"}


def _change(writes: TicketWrites, n: int, agent_id: int, team_id: int, now: Any) -> None:
    """Three shapes of change, with NULLs, JSON, tags, enums, events and a record."""
    if n % 3 == 0:
        writes.set(
            priority=Priority.HIGH,
            priority_reasons=[{"rule": "keyword", "detail": f"urgent {n}"}],
            tags=["vip", f"t{n}", "it's"],
            triage_status=TriageStatus.DONE,
        )
    elif n % 3 == 1:
        writes.set(assignee_id=agent_id, assigned_at=now, routing_state=RoutingState.ASSIGNED)
        writes.set(team_id=team_id, support_tier=SupportTier.L2, requires_senior=True)
    else:
        writes.set(queued_at=now, category_confidence=None, tags=[])
    writes.event("ticket.triaged", n=n, note="first")
    writes.event("ticket.assigned", to=agent_id if n % 2 else None)
    writes.write_row(
        UPSERT_DECISION,
        [
            writes.ticket.id,
            "QUEUED",
            f"because {n}",
            team_id,
            None,
            "L1",
            False,
            n,
            "[]",
            "{}",
            now,
        ],
    )


async def _state(ids: list[int]) -> list[tuple[dict[str, Any], list[Any], list[Any]]]:
    async with in_transaction() as conn:
        out = []
        for ticket_id in ids:
            ticket = await Ticket.get(id=ticket_id)
            row = {k: v for k, v in ticket.__dict__.items() if not k.startswith("_")}
            events = await TicketEvent.filter(ticket_id=ticket_id).order_by("id")
            _, decisions = await conn.execute_query(
                "SELECT reason, candidate_count FROM routing_decision WHERE ticket_id = $1",
                [ticket_id],
            )
            out.append(
                (
                    {k: v for k, v in row.items() if k not in IGNORED},
                    [(e.kind, e.data) for e in events],
                    [tuple(d.values()) for d in decisions],
                )
            )
        return out


async def test_a_batch_flush_writes_what_single_flushes_write(db: str, clock: ManualClock) -> None:
    team = await create_team()
    agent = await create_agent(team)
    customer = await create_customer()
    one_by_one = [await create_ticket(customer, clock) for _ in range(6)]
    batched = [await create_ticket(customer, clock) for _ in range(6)]
    now = clock.now()

    async with in_transaction() as conn:
        for n, ticket in enumerate(one_by_one):
            writes = TicketWrites(ticket)
            _change(writes, n, agent.id, team.id, now)
            await writes.flush(conn, None, now)
        batch = [TicketWrites(ticket) for ticket in batched]
        for n, writes in enumerate(batch):
            _change(writes, n, agent.id, team.id, now)
        await flush_all(conn, batch, None, now)

    expected = await _state([t.id for t in one_by_one])
    got = await _state([t.id for t in batched])
    assert got == expected
    assert got[0][0]["tags"] == ["vip", "t0", "it's"]
    assert got[1][0]["assignee_id"] == agent.id
    assert all(not w.fields and not w.events and not w.rows for w in batch)
