"""Routing: give a ticket to the best available agent, or queue it until one frees up.

Score = w_capacity * (1 - current/max) + w_skill * (level/5) + w_aht * speed,
where speed = mean / (mean + own): the category's mean handle time against the
agent's own in that category (0.5 when either is unknown, towards 1 for the
fastest). Candidates are scored in this process's copy of the agent table
(``routing_roster``) and the shortlist again from its rows in PostgreSQL.
Capacity is reserved with a guarded UPDATE, so concurrent routings never push an
agent past ``max_tickets`` and a ticket (locked by the caller) is assigned once.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from domain import routing_sql
from domain.enums import RoutingState, SupportTier
from domain.intake_reference import TeamInfo
from domain.models import Ticket
from domain.routing_candidates import NONE, Candidate, Shortlist
from domain.routing_pick import Picked, pick_many
from domain.routing_roster import AgentRoster
from domain.ticket_writes import TicketWrites


@dataclass(frozen=True)
class RoutingPolicy:
    capacity_weight: float = 0.5
    skill_weight: float = 0.3
    handle_time_weight: float = 0.2
    skill_timeout_seconds: float = 900.0
    recorded_candidates: int = 100

    def weights(self) -> dict[str, float]:
        return {
            "capacity": self.capacity_weight,
            "skill": self.skill_weight,
            "handleTime": self.handle_time_weight,
        }


@dataclass(frozen=True)
class Target:
    """Where the ticket should go: team, minimum tier, seniority, and whether the
    skill requirement was dropped after the skill timeout."""

    team_id: int | None
    category_id: int | None
    support_tier: SupportTier
    requires_senior: bool = False
    widened: bool = False


@dataclass(frozen=True)
class Outcome:
    state: RoutingState
    agent_id: int | None
    team_id: int | None
    reason: str
    held: bool = False
    """Queued although candidates were listed: they were full or held by other routings
    (worth routing again once those commit)."""


async def _overflow(
    conn: BaseDBAsyncClient, target: Target, teams: Mapping[int, TeamInfo]
) -> Target:
    """A team whose queue is deeper than its threshold sends new tickets a tier up."""
    team = teams.get(target.team_id) if target.team_id is not None else None
    if team is None or team.overflow_threshold is None or team.overflow_team_id is None:
        return target
    upper = teams.get(team.overflow_team_id)
    if upper is None:
        return target
    _, rows = await conn.execute_query(routing_sql.QUEUE_DEPTH, [team.id])
    if rows[0]["depth"] <= team.overflow_threshold:
        return target
    tier = max(target.support_tier, upper.tier)
    return Target(upper.id, target.category_id, tier, target.requires_senior, target.widened)


def _save_decision(
    writes: TicketWrites,
    *,
    outcome: Outcome,
    target: Target,
    listed: Shortlist,
    policy: RoutingPolicy,
    now: datetime,
) -> None:
    chosen = outcome.agent_id
    writes.write_row(
        routing_sql.UPSERT_DECISION,
        [
            writes.ticket.id,
            outcome.state.value,
            outcome.reason[:300],
            outcome.team_id,
            chosen,
            target.support_tier.value,
            target.requires_senior,
            listed.total,
            orjson.dumps(listed.record(chosen)).decode(),
            orjson.dumps(policy.weights()).decode(),
            now,
        ],
    )


def _reason(target: Target, total: int, chosen: Candidate | None) -> str:
    if chosen is not None:
        return f"Best of {total} candidate(s), score {chosen.score:.3f}."
    if total:
        return f"All {total} candidate(s) filled up while routing; queued."
    skill = "" if target.widened else " with the category skill"
    return f"No available agent{skill} and free capacity at {target.support_tier} or above; queued."


NO_TEAM = "No team handles this category; a lead must route it."


async def route_many(
    conn: BaseDBAsyncClient,
    tickets: Sequence[tuple[TicketWrites, Target]],
    *,
    policy: RoutingPolicy,
    roster: AgentRoster,
    teams: Mapping[int, TeamInfo],
    now: datetime,
    wait: bool = True,
) -> list[Outcome]:
    """Assign or queue each locked, unassigned ticket, in order, and record why.

    Capacity is reserved here, for all tickets in one statement; the tickets'
    changes and events are left in their ``writes`` for the caller to flush.
    """
    outcomes: list[Outcome | None] = [None] * len(tickets)
    to_pick: list[tuple[int, Target]] = []
    for i, (writes, target) in enumerate(tickets):
        if target.team_id is None:
            outcomes[i] = hold_for_triage(writes, NO_TEAM, policy=policy, now=now)
        else:
            to_pick.append((i, await _overflow(conn, target, teams)))
    targets = [target for _, target in to_pick]
    picks = await pick_many(conn, targets, policy, roster, wait=wait)
    for (i, target), picked in zip(to_pick, picks, strict=True):
        outcomes[i] = _settle(tickets[i][0], target, picked, policy=policy, now=now)
    return [outcome for outcome in outcomes if outcome is not None]


def _settle(
    writes: TicketWrites, target: Target, picked: Picked, *, policy: RoutingPolicy, now: datetime
) -> Outcome:
    """Write what the pick decided into the ticket's changes, and the decision record."""
    listed, chosen = picked.listed, picked.chosen
    state = RoutingState.ASSIGNED if chosen else RoutingState.QUEUED
    agent_id = chosen.agent_id if chosen else None
    reason = _reason(target, listed.total, chosen)
    outcome = Outcome(state, agent_id, target.team_id, reason, chosen is None and bool(len(listed)))
    writes.set(
        team_id=target.team_id,
        support_tier=target.support_tier,
        requires_senior=target.requires_senior,
    )
    if chosen is not None:
        writes.set(assignee_id=chosen.agent_id, assigned_at=now)
    elif writes.ticket.queued_at is None:
        writes.set(queued_at=now)
    _finish(writes, outcome)
    _save_decision(writes, outcome=outcome, target=target, listed=listed, policy=policy, now=now)
    return outcome


def hold_for_triage(
    writes: TicketWrites,
    reason: str,
    *,
    policy: RoutingPolicy,
    now: datetime,
) -> Outcome:
    """Park the ticket for a human to categorise; its team (if any) is kept."""
    ticket = writes.ticket
    outcome = Outcome(RoutingState.NEEDS_TRIAGE, None, ticket.team_id, reason)
    _finish(writes, outcome)
    target = Target(ticket.team_id, ticket.category_id, SupportTier(ticket.support_tier))
    _save_decision(writes, outcome=outcome, target=target, listed=NONE, policy=policy, now=now)
    return outcome


_EVENT = {
    RoutingState.ASSIGNED: "ticket.assigned",
    RoutingState.QUEUED: "ticket.queued",
    RoutingState.NEEDS_TRIAGE: "ticket.needs_triage",
}


def _finish(writes: TicketWrites, outcome: Outcome) -> None:
    writes.set(routing_state=outcome.state)
    writes.event(_EVENT[outcome.state], team=outcome.team_id, to=outcome.agent_id, by="routing")
    writes.events[-1][1]["from"] = None


async def record_handle_time(
    conn: BaseDBAsyncClient, ticket: Ticket, agent_id: int, now: datetime
) -> None:
    """A resolved ticket teaches routing how fast its agent is in its category."""
    if ticket.assigned_at is None or ticket.category_id is None:
        return
    seconds = max((now - ticket.assigned_at).total_seconds(), 0.0)
    await conn.execute_query(
        routing_sql.RECORD_HANDLE_TIME, [agent_id, ticket.category_id, seconds]
    )


def skill_timeout_cutoff(policy: RoutingPolicy, now: datetime) -> datetime:
    return now - timedelta(seconds=policy.skill_timeout_seconds)
