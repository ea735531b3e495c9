"""Queues: who gets waiting work when they free up, and reading a team's queue.

Queue order everywhere is priority (URGENT first), then the soonest SLA deadline,
then time queued, then id (``routing_sql.QUEUE_ORDER``).
"""

from collections.abc import Collection
from datetime import datetime
from typing import Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from domain import access, capacity, queue_sql, routing_sql
from domain.access import Principal
from domain.enums import Role, RoutingState
from domain.errors import InvalidInput, NotFound
from domain.events import record
from domain.live import QueueFilter
from domain.models import Team, Ticket
from domain.queue_view import SortKey

MAX_PAGE = 200


async def fill_agent(conn: BaseDBAsyncClient, agent_id: int, now: datetime) -> list[int]:
    """Give a freed-up agent the most urgent, longest-waiting queued tickets they can take.

    Runs inside the transaction that freed the agent. Queued tickets that other
    transactions hold are skipped rather than waited for, so this never blocks.
    """
    _, agents = await conn.execute_query(
        "SELECT team_id, support_tier, senior, max_tickets - current_ticket_count AS free "
        "FROM agent WHERE id = $1 AND is_available FOR UPDATE",
        [agent_id],
    )
    if not agents or agents[0]["free"] <= 0:
        return []
    a = agents[0]
    _, rows = await conn.execute_query(
        routing_sql.TAKEABLE, [agent_id, a["team_id"], a["support_tier"], a["senior"], a["free"]]
    )
    taken = []
    for row in rows:
        if not await capacity.reserve(conn, agent_id):
            break
        await conn.execute_query(
            "UPDATE ticket SET assignee_id = $2, routing_state = 'ASSIGNED', assigned_at = $3, "
            "updated_at = $3 WHERE id = $1",
            [row["id"], agent_id, now],
        )
        await conn.execute_query(
            "UPDATE routing_decision SET outcome = 'ASSIGNED', agent_id = $2, decided_at = $3, "
            "reason = 'Taken from the queue when the agent had room.' WHERE ticket_id = $1",
            [row["id"], agent_id, now],
        )
        await record(
            conn,
            row["id"],
            ("ticket.assigned",),
            None,
            now,
            data={"from": None, "to": agent_id, "by": "queue"},
        )
        taken.append(row["id"])
    return taken


def _page(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}.", field="first")
    return first


async def queue(p: Principal, team_id: int, first: int, offset: int) -> list[Ticket]:
    """A team's queued tickets in the order agents will get them."""
    access.require_staff(p, "read queues")
    access.require(
        p.role != Role.AGENT or p.team_id == team_id, "Agents read their own team's queue."
    )
    if offset < 0:
        raise InvalidInput("offset must not be negative.", field="offset")
    if not await Team.exists(id=team_id):
        raise NotFound("No such team.", field="teamId")
    _, rows = await connections.get("default").execute_query(
        routing_sql.QUEUE_PAGE, [team_id, _page(first), offset]
    )
    ids = [r["id"] for r in rows]
    by_id = {t.id: t for t in await Ticket.filter(id__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


async def needing_triage(p: Principal, first: int) -> list[Ticket]:
    """Tickets the classifier could not place, oldest first (leads and admins)."""
    access.require(p.role in (Role.LEAD, Role.ADMIN), "Only leads and admins triage by hand.")
    return (
        await Ticket.filter(routing_state=RoutingState.NEEDS_TRIAGE, status__not="CLOSED")
        .order_by("created_at", "id")
        .limit(_page(first))
    )


def _key(row: Any) -> SortKey:
    return SortKey(row["priority_rank"], row["deadline"], row["queued_at"])


async def queue_keys(scope: QueueFilter) -> dict[int, SortKey]:
    """Every ticket in a queue (a team's, or all teams'; optionally one category's),
    in queue order, with its sort key: what a live queue view starts from."""
    _, rows = await connections.get("default").execute_query(
        queue_sql.MEMBERS, [scope.team_id, scope.category_id]
    )
    return {r["id"]: _key(r) for r in rows}


async def refreshed_keys(
    scope: QueueFilter, ticket_ids: Collection[int]
) -> dict[int, SortKey | None]:
    """The sort key of each of these tickets now, or None for those not in the queue."""
    if not ticket_ids:
        return {}
    _, rows = await connections.get("default").execute_query(
        queue_sql.REFRESH, [scope.team_id, scope.category_id, list(ticket_ids)]
    )
    found = {r["id"]: _key(r) for r in rows}
    return {t: found.get(t) for t in ticket_ids}
