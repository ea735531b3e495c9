"""The process's copy of the agent table (domain/routing_roster.py) on real PostgreSQL:
it ranks exactly as SQL does, and it never keeps a change that did not commit or
misses one that did, however late it commits."""

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from app import database
from domain import routing_pick
from domain.enums import SupportTier
from domain.models import Agent, AgentSkill, Category
from domain.routing import RoutingPolicy, Target
from domain.routing_roster import AgentRoster
from tests.factories import create_agent, create_category, create_team


class _Rollback(Exception):
    pass


@asynccontextmanager
async def rolled_back() -> AsyncIterator[BaseDBAsyncClient]:
    try:
        async with in_transaction() as conn:
            yield conn
            raise _Rollback
    except _Rollback:
        pass


async def candidates(roster: AgentRoster, target: Target, policy: RoutingPolicy) -> list[int]:
    """Who the roster would shortlist, best first, without reserving anyone."""
    async with rolled_back() as conn:
        await roster.refresh(conn)
    view = roster.team(target.team_id)
    limit = policy.recorded_candidates
    mean = roster.mean(target.category_id)
    return view.shortlist(target, policy, mean, limit).agent_ids if view else []


async def test_the_roster_ranks_every_agent_exactly_as_sql_does(db: str) -> None:
    rng = random.Random(7)
    team = await create_team()
    other = await create_team()
    cats = [await create_category(key, team=team) for key in ("BILLING", "BUGS")]
    for n in range(160):
        max_tickets = rng.randint(1, 6)
        await create_agent(
            team if n % 8 else other,
            max_tickets=max_tickets,
            current=rng.randint(0, max_tickets),
            available=rng.random() > 0.1,
            senior=rng.random() > 0.7,
            tier=rng.choice(list(SupportTier)),
            skills={c: rng.randint(1, 5) for c in cats if rng.random() > 0.3},
        )
    for skill in await AgentSkill.all():  # handle times with ties, unknowns and zeros
        own = rng.choice([None, 0.0, 300.0, 600.0, rng.uniform(60, 3600)])
        await AgentSkill.filter(id=skill.id).update(avg_handle_seconds=own)
    await Category.filter(id=cats[0].id).update(avg_handle_seconds=900.0)
    await Category.filter(id=cats[1].id).update(avg_handle_seconds=0.0)
    roster = AgentRoster()
    nobody = await create_category("NOBODY", team=team)

    for policy in (RoutingPolicy(), RoutingPolicy(0, 1, 0), RoutingPolicy(recorded_candidates=7)):
        for cat in (*cats, nobody):
            for tier in SupportTier:
                for senior, widened in ((False, False), (True, False), (False, True)):
                    target = Target(team.id, cat.id, tier, senior, widened)
                    async with rolled_back() as conn:
                        # how many qualified before the best was reserved
                        limit = policy.recorded_candidates
                        total = await routing_pick.count_candidates(conn, target, policy, limit)
                        in_sql, _ = await routing_pick.pick_in_sql(conn, target, policy)
                    shortlist = await candidates(roster, target, policy)
                    assert shortlist[: policy.recorded_candidates] == [c.agent_id for c in in_sql]
                    async with rolled_back() as conn:
                        picked = await routing_pick.pick(conn, target, policy, roster)
                    assert picked.ranked == in_sql, target
                    assert picked.total == total
                    assert picked.chosen == (in_sql[0] if in_sql else None)


async def test_committed_changes_reach_the_roster_and_uncommitted_ones_do_not(
    db: str,
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    first = await create_agent(team, skills={cat: 5})
    second = await create_agent(team, skills={cat: 1})
    target, policy, roster = Target(team.id, cat.id, SupportTier.L1), RoutingPolicy(), AgentRoster()
    assert await candidates(roster, target, policy) == [first.id, second.id]

    await Agent.filter(id=first.id).update(is_available=False)
    assert await candidates(roster, target, policy) == [second.id]

    async with rolled_back() as conn:  # written in this transaction, then rolled back
        await conn.execute_query("UPDATE agent SET is_available = true WHERE id = $1", [first.id])
        await conn.execute_query(
            "UPDATE agent SET max_tickets = 1, current_ticket_count = 1 WHERE id = $1", [second.id]
        )
        await roster.refresh(conn)
    assert await candidates(roster, target, policy) == [second.id]

    await Agent.filter(id=first.id).update(is_available=True)
    await AgentSkill.filter(agent_id=second.id).update(level=5)
    await AgentSkill.filter(agent_id=first.id).update(level=2)
    assert await candidates(roster, target, policy) == [second.id, first.id]


async def test_a_change_that_commits_after_later_ones_is_still_read(
    db: str, database_url: str
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    slow = await create_agent(team, skills={cat: 5})
    fast = await create_agent(team, skills={cat: 1})
    target, policy, roster = Target(team.id, cat.id, SupportTier.L1), RoutingPolicy(), AgentRoster()
    assert await candidates(roster, target, policy) == [slow.id, fast.id]

    late = await asyncpg.connect(**database.credentials(database_url))
    try:
        tx = late.transaction()
        await tx.start()  # an older transaction id, still running
        await late.execute("UPDATE agent SET is_available = false WHERE id = $1", slow.id)
        await Agent.filter(id=fast.id).update(max_tickets=20)  # a younger one commits first
        assert await candidates(roster, target, policy) == [slow.id, fast.id]
        await tx.commit()
    finally:
        await late.close()

    assert await candidates(roster, target, policy) == [fast.id]


async def test_moves_deletions_and_truncation_are_followed(db: str) -> None:
    team, other = await create_team(), await create_team()
    cat = await create_category("BILLING", team=team)
    mover = await create_agent(team, skills={cat: 5})
    leaver = await create_agent(team, skills={cat: 4})
    stayer = await create_agent(team, skills={cat: 3})
    policy, roster = RoutingPolicy(), AgentRoster()
    here, there = Target(team.id, cat.id, SupportTier.L1), Target(other.id, cat.id, SupportTier.L1)
    assert await candidates(roster, here, policy) == [mover.id, leaver.id, stayer.id]

    await Agent.filter(id=mover.id).update(team_id=other.id)
    await Agent.filter(id=leaver.id).delete()
    assert await candidates(roster, here, policy) == [stayer.id]
    assert await candidates(roster, there, policy) == [mover.id]

    async with in_transaction() as conn:  # as between tests: ids start again
        await conn.execute_script("TRUNCATE agent, team, category RESTART IDENTITY CASCADE")
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    again = await create_agent(team, skills={cat: 1})
    assert again.id == mover.id
    assert await candidates(roster, Target(team.id, cat.id, SupportTier.L1), policy) == [again.id]


async def test_when_the_shortlist_fills_up_the_rest_of_the_team_is_scored_in_sql(
    db: str,
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    agents = [await create_agent(team, max_tickets=1, skills={cat: 5 - n}) for n in range(5)]
    target, policy = Target(team.id, cat.id, SupportTier.L1), RoutingPolicy(recorded_candidates=2)
    roster = AgentRoster()
    async with rolled_back() as conn:
        # earlier tickets of this transaction (a triage batch) took the two best,
        # which the roster does not count until the transaction commits
        for best in agents[:2]:
            picked = await routing_pick.pick(conn, target, policy, roster)
            assert picked.chosen is not None
            assert picked.chosen.agent_id == best.id
        picked = await routing_pick.pick(conn, target, policy, roster)

    assert picked.chosen is not None
    assert picked.chosen.agent_id == agents[2].id
    assert [c.agent_id for c in picked.ranked] == [agents[2].id, agents[3].id]
    assert picked.total == 3


async def test_one_call_picks_for_several_tickets_in_order(db: str) -> None:
    """A triage batch's picks: each sees the reservations before it, a shortlist
    that filled up meanwhile falls back to the whole team, and a ticket for a team
    nobody qualifies in gets nobody, all without disturbing the others."""
    team = await create_team()
    empty = await create_team()
    cat = await create_category("BILLING", team=team)
    agents = [await create_agent(team, max_tickets=1, skills={cat: 5 - n}) for n in range(5)]
    policy = RoutingPolicy(recorded_candidates=2)
    billing = Target(team.id, cat.id, SupportTier.L1)
    targets = [billing, Target(empty.id, cat.id, SupportTier.L1), billing, billing, billing]
    async with rolled_back() as conn:
        picks = await routing_pick.pick_many(conn, targets, policy, AgentRoster(), wait=False)
        counts = await conn.execute_query_dict(
            "SELECT id, current_ticket_count FROM agent ORDER BY id"
        )

    chosen = [p.chosen.agent_id if p.chosen else None for p in picks]
    assert chosen == [agents[0].id, None, agents[1].id, agents[2].id, agents[3].id]
    assert [c["current_ticket_count"] for c in counts] == [1, 1, 1, 1, 0]
    assert picks[1] == routing_pick.NOBODY
    assert [c.agent_id for c in picks[3].ranked] == [agents[2].id, agents[3].id]
    assert picks[3].total == 3


@pytest.mark.parametrize("available", [True, False])
async def test_a_team_without_candidates_gets_none(db: str, available: bool) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    await create_agent(team, available=available, skills={} if available else {cat: 3})
    async with rolled_back() as conn:
        picked = await routing_pick.pick(
            conn, Target(team.id, cat.id, SupportTier.L1), RoutingPolicy(), AgentRoster()
        )
    assert picked == routing_pick.NOBODY
