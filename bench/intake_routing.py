"""The intake bench's routing timing: one decision among many agents, rolled back."""

import time

from intake_load import pct

from domain import routing, routing_pick
from domain.enums import SupportTier
from domain.models import Ticket
from domain.ports import SystemClock
from domain.ticket_writes import TicketWrites
from domain.triage_inputs import Intake


class _Rollback(Exception):
    pass


async def routing_latency(runs: int, category_key: str) -> dict[str, float]:
    """Decision (refresh the roster, score every candidate, reserve the best) and the
    whole ``route`` with its writes, for a ticket of ``category_key``; each run is
    rolled back. The roster's first load, once per process, is timed on its own."""
    from tortoise.transactions import in_transaction  # noqa: PLC0415

    from domain.models import Category  # noqa: PLC0415

    cat = await Category.get(key=category_key)
    big = await Ticket.create(
        customer_id=1,
        subject="routing probe",
        description="x",
        category_id=cat.id,
        created_at=SystemClock().now(),
        updated_at=SystemClock().now(),
    )
    cat_team = await big.category  # type: ignore[misc]
    target = routing.Target(cat_team.default_team_id, cat_team.id, SupportTier.L1)
    policy = routing.RoutingPolicy()
    intake = Intake(SystemClock())
    try:  # a process's first decision loads its roster (every agent) once
        async with in_transaction() as conn:
            t0 = time.perf_counter()
            await intake.roster.refresh(conn)
            load_ms = (time.perf_counter() - t0) * 1000
            raise _Rollback
    except _Rollback:
        pass
    decide_ms: list[float] = []
    route_ms: list[float] = []
    total = 0
    for _ in range(runs):
        try:
            async with in_transaction() as conn:
                t0 = time.perf_counter()
                picked = await routing_pick.pick(conn, target, policy, intake.roster)
                decide_ms.append((time.perf_counter() - t0) * 1000)
                total = picked.total
                raise _Rollback
        except _Rollback:
            pass
        try:
            async with in_transaction() as conn:
                ticket = await Ticket.filter(id=big.id).select_for_update().using_db(conn).get()
                t0 = time.perf_counter()
                teams = (await intake.reference.get(conn)).teams
                writes = TicketWrites(ticket)
                await intake.route(conn, writes, target, teams, SystemClock().now())
                await writes.flush(conn, None, SystemClock().now())
                route_ms.append((time.perf_counter() - t0) * 1000)
                raise _Rollback
        except _Rollback:
            pass
    return {
        "candidates": total,
        "roster_load_ms": load_ms,
        "decision_p50_ms": pct(decide_ms, 0.5),
        "decision_p99_ms": pct(decide_ms, 0.99),
        "route_with_writes_p50_ms": pct(route_ms, 0.5),
        "route_with_writes_p99_ms": pct(route_ms, 0.99),
    }
