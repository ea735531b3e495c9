"""Picking agents: the roster's shortlist, re-scored from the rows and reserved.

Each ticket's candidates are scored in this process's copy of the agent table
(``routing_roster``); PostgreSQL then re-scores each shortlist from the agent
rows as they are and reserves the best agent it can lock without waiting
(``frontdesk_pick_listed``, migration 0013). Several tickets are picked for in
one call, in order, so a triage batch costs one round trip for all its
reservations instead of two per ticket. Only if a shortlist filled up meanwhile
is the whole team scored in SQL; only if every listed agent was held (and the
caller may wait) does it wait for them, best first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from domain import capacity, routing_sql
from domain.routing_roster import AgentRoster
from domain.routing_shortlist import Shortlist

if TYPE_CHECKING:
    from domain.routing import RoutingPolicy, Target


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    current: int
    max_tickets: int
    skill_level: int
    capacity: float
    skill: float
    handle_time: float
    score: float

    def as_json(self, chosen: bool) -> dict[str, Any]:
        return {
            "agentId": self.agent_id,
            "current": self.current,
            "maxTickets": self.max_tickets,
            "skillLevel": self.skill_level,
            "capacity": round(self.capacity, 6),
            "skill": round(self.skill, 6),
            "handleTime": round(self.handle_time, 6),
            "score": round(self.score, 6),
            "chosen": chosen,
        }


@dataclass(frozen=True)
class Picked:
    ranked: list[Candidate]
    """The best candidates (at most ``recorded_candidates``), best first."""
    chosen: Candidate | None
    """The one whose capacity was reserved."""
    total: int
    """How many qualified in all."""


NOBODY = Picked([], None, 0)


async def pick(
    conn: BaseDBAsyncClient,
    target: "Target",
    policy: "RoutingPolicy",
    roster: AgentRoster,
    *,
    wait: bool = True,
) -> Picked:
    """Pick for one ticket (see ``pick_many``)."""
    return (await pick_many(conn, [target], policy, roster, wait=wait))[0]


async def pick_many(
    conn: BaseDBAsyncClient,
    targets: Sequence["Target"],
    policy: "RoutingPolicy",
    roster: AgentRoster,
    *,
    wait: bool = True,
) -> list[Picked]:
    """Pick for each target in order, with one roster refresh and one statement.

    ``wait`` is for a caller holding no other agent's lock: a batch's transaction
    may hold some, and waiting for another batch's could deadlock.
    """
    if not targets:
        return []
    await roster.refresh(conn)
    shortlists = [_shortlist(roster, target, policy) for target in targets]
    listed = [i for i, short in enumerate(shortlists) if short.agent_ids]
    found = await _pick_listed(conn, [(targets[i], shortlists[i]) for i in listed], policy)
    picks = [NOBODY] * len(targets)
    for i, listed_pick in zip(listed, found, strict=True):
        picks[i] = await _settle_pick(
            conn, targets[i], shortlists[i], listed_pick, policy, wait=wait
        )
    return picks


async def _settle_pick(
    conn: BaseDBAsyncClient,
    target: "Target",
    short: Shortlist,
    listed_pick: tuple[list[Candidate], Candidate | None],
    policy: "RoutingPolicy",
    *,
    wait: bool,
) -> Picked:
    """The shortlist's result, or the whole team's if the shortlist filled up meanwhile."""
    ranked, chosen = listed_pick
    total = len(ranked) if short.total <= len(short.agent_ids) else short.total
    if chosen is None and short.total > len(short.agent_ids):
        # counted first, as the roster counts: before the best is reserved
        total = await count_candidates(conn, target, policy, policy.recorded_candidates)
        ranked, chosen = await pick_in_sql(conn, target, policy)
    if chosen is None and wait:
        chosen = await _wait_for_one(conn, ranked)
    return Picked(ranked, chosen, total)


def _shortlist(roster: AgentRoster, target: "Target", policy: "RoutingPolicy") -> Shortlist:
    team = roster.team(target.team_id)
    if team is None:
        return Shortlist([], 0)
    mean = roster.mean(target.category_id)
    return team.shortlist(target, policy, mean, policy.recorded_candidates)


async def _pick_listed(
    conn: BaseDBAsyncClient,
    requests: list[tuple["Target", Shortlist]],
    policy: "RoutingPolicy",
) -> list[tuple[list[Candidate], Candidate | None]]:
    if not requests:
        return []
    body = [
        {
            "team": target.team_id,
            "category": target.category_id,
            "tier": target.support_tier.value,
            "senior": target.requires_senior,
            "widened": target.widened,
            "listed": short.agent_ids,
        }
        for target, short in requests
    ]
    _, rows = await conn.execute_query(
        routing_sql.PICK_LISTED,
        [
            orjson.dumps(body).decode(),
            policy.capacity_weight,
            policy.skill_weight,
            policy.handle_time_weight,
            policy.recorded_candidates,
        ],
    )
    by_request: list[list[Any]] = [[] for _ in requests]
    for row in rows:
        by_request[row["request"]].append(row)
    return [_ranked(found) for found in by_request]


async def pick_in_sql(
    conn: BaseDBAsyncClient, target: "Target", policy: "RoutingPolicy"
) -> tuple[list[Candidate], Candidate | None]:
    """Score the whole team in SQL and reserve the best (``routing_sql.PICK``)."""
    _, rows = await conn.execute_query(
        routing_sql.PICK,
        [
            target.team_id,
            target.category_id,
            target.support_tier.value,
            target.requires_senior,
            target.widened,
            policy.capacity_weight,
            policy.skill_weight,
            policy.handle_time_weight,
            policy.recorded_candidates,
        ],
    )
    return _ranked(rows)


def _ranked(rows: Sequence[Any]) -> tuple[list[Candidate], Candidate | None]:
    ranked = [
        Candidate(
            r["id"],
            r["current_ticket_count"],
            r["max_tickets"],
            r["level"],
            r["capacity"],
            r["skill"],
            r["handle_time"],
            r["score"],
        )
        for r in rows
    ]
    chosen_id = rows[0]["chosen"] if rows else None
    return ranked, next((c for c in ranked if c.agent_id == chosen_id), None)


async def _wait_for_one(conn: BaseDBAsyncClient, ranked: list[Candidate]) -> Candidate | None:
    for c in ranked:
        if await capacity.reserve(conn, c.agent_id):
            return c
    return None


async def count_candidates(
    conn: BaseDBAsyncClient, target: "Target", policy: "RoutingPolicy", listed: int
) -> int:
    """How many qualified: the list's length unless it was cut at its limit."""
    if listed < policy.recorded_candidates:
        return listed
    _, rows = await conn.execute_query(
        routing_sql.CANDIDATE_COUNT,
        [
            target.team_id,
            target.category_id,
            target.support_tier.value,
            target.requires_senior,
            target.widened,
        ],
    )
    return int(rows[0]["total"])
