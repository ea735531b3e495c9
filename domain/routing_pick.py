"""Picking agents: the roster ranks, PostgreSQL reserves.

Each ticket's candidates are ranked in this process's copy of the agent table
(``routing_roster``), refreshed once per pick call, each ticket counting the
tickets ranked before it, so the tickets of one call spread over a team as their
scores say. One call of ``frontdesk_reserve_ranked`` (migration 0014) then
reserves for all of them, in order: each ticket gets the first agent of its list
that still qualifies (team, availability, room, tier, seniority, skill) and that
no other routing holds (``SKIP LOCKED``: reservations never wait, so batches
cannot deadlock). Only a ticket
none of whose listed agents could take it has its whole team scored in SQL, and
waits for held agents only if the caller may wait.

PostgreSQL re-checks under the row lock whether the agent still qualifies; the
ranking is the roster's, which differs from the rows only by changes committed
since its refresh a few milliseconds before. No agent ever passes ``max_tickets`` and no ticket is
assigned twice (the guard and the caller's ticket lock see to that).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain import capacity, routing_sql
from domain.routing_candidates import NONE, Candidate, Shortlist
from domain.routing_roster import AgentRoster

if TYPE_CHECKING:
    from domain.routing import RoutingPolicy, Target


@dataclass(frozen=True)
class Picked:
    listed: Shortlist
    """The best candidates (at most ``recorded_candidates``), best first."""
    chosen: Candidate | None
    """The one whose capacity was reserved."""

    @property
    def ranked(self) -> list[Candidate]:
        return self.listed.candidates

    @property
    def total(self) -> int:
        """How many qualified in all."""
        return self.listed.total


NOBODY = Picked(NONE, None)


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
    """Pick for each target in order (see the module docstring).

    ``wait`` is for a caller holding no other agent's lock: a batch's transaction
    may hold some, and waiting for another batch's could deadlock.
    """
    if not targets:
        return []
    await roster.refresh(conn)
    counts: dict[int, int] = {}
    shortlists = []
    for target in targets:
        short = _shortlist(roster, target, policy, counts)
        if len(short):
            counts[short.agent_ids[0]] = short.current[0] + 1
        shortlists.append(short)
    listed = [i for i, short in enumerate(shortlists) if len(short)]
    reserved = await _reserve(conn, [(targets[i], shortlists[i]) for i in listed])
    picks = [NOBODY] * len(targets)
    for i, agent_id in zip(listed, reserved, strict=True):
        chosen = shortlists[i].find(agent_id)
        if chosen is None:  # every listed agent was held or full: the whole team, in SQL
            picks[i] = await _in_sql(conn, targets[i], policy, wait=wait)
        else:
            picks[i] = Picked(shortlists[i], chosen)
    if any(agent != shortlists[i].agent_ids[0] for i, agent in zip(listed, reserved, strict=True)):
        # A ticket did not get the agent its ranking counted on, so a later ticket may
        # have found nobody only because of that count: those ask SQL too.
        for i, short in enumerate(shortlists):
            if not len(short) and targets[i].team_id is not None:
                picks[i] = await _in_sql(conn, targets[i], policy, wait=wait)
    return picks


def _shortlist(
    roster: AgentRoster, target: "Target", policy: "RoutingPolicy", counts: dict[int, int]
) -> Shortlist:
    team = roster.team(target.team_id)
    if team is None:
        return NONE
    mean = roster.mean(target.category_id)
    return team.shortlist(target, policy, mean, policy.recorded_candidates, counts)


async def _reserve(
    conn: BaseDBAsyncClient, requests: list[tuple["Target", Shortlist]]
) -> list[int | None]:
    """The agent reserved for each request, in order (None: none of its list could)."""
    if not requests:
        return []
    starts, ids = [1], []
    for _, short in requests:
        ids.extend(short.agent_ids)
        starts.append(len(ids) + 1)
    targets = [target for target, _ in requests]
    _, rows = await conn.execute_query(
        routing_sql.RESERVE_RANKED,
        [
            starts,
            ids,
            [t.team_id for t in targets],
            [t.support_tier.value for t in targets],
            [t.requires_senior for t in targets],
            [t.category_id for t in targets],
            [t.widened for t in targets],
        ],
    )
    return [row["agent_id"] for row in rows]


async def _in_sql(
    conn: BaseDBAsyncClient, target: "Target", policy: "RoutingPolicy", *, wait: bool
) -> Picked:
    # counted first, as the roster counts: before the best is reserved
    total = await count_candidates(conn, target, policy, policy.recorded_candidates)
    ranked, chosen = await pick_in_sql(conn, target, policy)
    if chosen is None and wait:
        chosen = await _wait_for_one(conn, ranked)
    return Picked(Shortlist.of(ranked, total), chosen)


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
