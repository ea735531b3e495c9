"""The intake sweep: the safety net under the triage task, run on a schedule.

It hands over again tickets whose triage never happened (broker down at
creation, a task lost with its worker) and widens queued tickets nobody with
the skill took within the skill timeout to their category's fallback team.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections
from tortoise.transactions import in_transaction

from domain import queues, routing, routing_sql
from domain.enums import RoutingState, SupportTier
from domain.models import Category, Ticket
from domain.ports import TriageQueue
from domain.ticket_writes import TicketWrites
from domain.triage_inputs import Intake

BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    requeued: int
    widened: int
    drained: int = 0


async def requeue_stragglers(queue: TriageQueue, older_than: datetime) -> int:
    _, rows = await connections.get("default").execute_query(
        "SELECT id FROM ticket WHERE triage_status = 'PENDING' AND updated_at < $1 "
        "ORDER BY created_at LIMIT $2",
        [older_than, BATCH],
    )
    if rows:
        await queue.triage([row["id"] for row in rows])
    return len(rows)


async def _widen(intake: Intake, ticket_id: int, now: datetime) -> bool:
    async with in_transaction() as conn:
        ticket = (
            await Ticket.filter(id=ticket_id, routing_state=RoutingState.QUEUED, widened_at=None)
            .select_for_update(skip_locked=True)
            .using_db(conn)
            .first()
        )
        if ticket is None or ticket.category_id is None:
            return False
        category = await Category.filter(id=ticket.category_id).using_db(conn).first()
        if category is None or category.fallback_team_id is None:
            return False
        writes = TicketWrites(ticket)
        writes.set(widened_at=now)
        writes.event("ticket.widened", from_team=ticket.team_id, to_team=category.fallback_team_id)
        ref = await intake.reference.get(conn)
        fallback = ref.teams.get(category.fallback_team_id)
        target = routing.Target(
            team_id=category.fallback_team_id,
            category_id=category.id,
            support_tier=fallback.tier if fallback else SupportTier(ticket.support_tier),
            requires_senior=ticket.requires_senior,
            widened=True,
        )
        await intake.route(conn, writes, target, ref.teams, now)
        await writes.flush(conn, None, now)
    return True


async def widen_stale(intake: Intake, now: datetime) -> int:
    cutoff = routing.skill_timeout_cutoff(intake.routing, now)
    _, rows = await connections.get("default").execute_query(
        routing_sql.STALE_QUEUED, [cutoff, BATCH]
    )
    widened = 0
    for row in rows:
        widened += await _widen(intake, row["id"], now)
    return widened


async def drain_queues(now: datetime) -> int:
    """Give queued tickets to agents with room who are idle anyway.

    Freed agents pull work at once; this catches what that cannot see: a ticket
    queued while its agent was freeing up in a concurrent transaction, a reopened
    ticket whose agent was full, a team that got a new agent.
    """
    _, rows = await connections.get("default").execute_query(routing_sql.AGENTS_WITH_ROOM, [BATCH])
    taken = 0
    for row in rows:
        async with in_transaction() as conn:
            taken += len(await queues.fill_agent(conn, row["id"], now))
    return taken


async def sweep(intake: Intake, queue: TriageQueue, pending_grace_seconds: float) -> SweepReport:
    now = intake.clock.now()
    requeued = await requeue_stragglers(queue, now - timedelta(seconds=pending_grace_seconds))
    widened = await widen_stale(intake, now)
    return SweepReport(requeued=requeued, widened=widened, drained=await drain_queues(now))
