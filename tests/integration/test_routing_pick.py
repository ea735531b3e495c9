"""Picking for a whole triage batch (domain/routing_pick.py) on real PostgreSQL: the
roster ranks, one statement reserves, and the result is what ticket-by-ticket
scoring in SQL would have chosen; held agents are skipped without waiting, and
an agent is never given more than it has room for."""

import asyncio
import random

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient

from app import database
from domain import routing_pick
from domain.enums import SupportTier
from domain.models import Agent, AgentSkill, Category
from domain.routing import RoutingPolicy, Target
from domain.routing_roster import AgentRoster
from tests.factories import create_agent, create_category, create_team
from tests.integration.test_routing_roster import rolled_back


async def _counts(conn: BaseDBAsyncClient) -> dict[int, int]:
    rows = await conn.execute_query_dict("SELECT id, current_ticket_count FROM agent")
    return {r["id"]: r["current_ticket_count"] for r in rows}


async def test_one_call_chooses_what_scoring_each_ticket_in_sql_would(db: str) -> None:
    """Each ticket of a call sees the reservations of the ones before it, so a burst
    for one team spreads over it exactly as one SQL pick per ticket would."""
    rng = random.Random(11)
    team = await create_team()
    cats = [await create_category(key, team=team) for key in ("BILLING", "BUGS")]
    for _ in range(12):
        most = rng.randint(1, 5)
        await create_agent(
            team,
            max_tickets=most,
            current=rng.randint(0, most - 1),
            skills={c: rng.randint(1, 5) for c in cats if rng.random() > 0.2},
            senior=rng.random() > 0.6,
        )
    for skill in await AgentSkill.all():
        await AgentSkill.filter(id=skill.id).update(avg_handle_seconds=rng.uniform(60, 3600))
    await Category.filter(id=cats[0].id).update(avg_handle_seconds=900.0)
    targets = [
        Target(team.id, rng.choice(cats).id, SupportTier.L1, rng.random() > 0.8) for _ in range(30)
    ]
    policy = RoutingPolicy()

    async with rolled_back() as conn:
        one_by_one = [await routing_pick.pick_in_sql(conn, t, policy) for t in targets]
        expected_counts = await _counts(conn)
    async with rolled_back() as conn:
        picks = await routing_pick.pick_many(conn, targets, policy, AgentRoster(), wait=False)
        counts = await _counts(conn)

    assert [p.chosen.agent_id if p.chosen else None for p in picks] == [
        chosen.agent_id if chosen else None for _, chosen in one_by_one
    ]
    assert [p.ranked for p in picks if p.chosen] == [r for r, c in one_by_one if c]
    assert counts == expected_counts
    assert any(p.chosen is None for p in picks)  # the burst outgrew the team's room


async def test_an_agent_another_routing_holds_is_skipped_without_waiting(
    db: str, database_url: str
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    best = await create_agent(team, skills={cat: 5})
    second = await create_agent(team, skills={cat: 2})
    target, policy = Target(team.id, cat.id, SupportTier.L1), RoutingPolicy()
    other = await asyncpg.connect(**database.credentials(database_url))
    try:
        holding = other.transaction()
        await holding.start()
        await other.execute("SELECT 1 FROM agent WHERE id = $1 FOR UPDATE", best.id)
        async with asyncio.timeout(10), rolled_back() as conn:  # a guard against a hang
            picked = await routing_pick.pick_many(
                conn, [target, target], policy, AgentRoster(), wait=False
            )
            counts = await _counts(conn)
        await holding.rollback()
    finally:
        await other.close()

    assert [p.chosen.agent_id if p.chosen else None for p in picked] == [second.id, second.id]
    assert counts == {best.id: 0, second.id: 2}


async def test_when_every_candidate_is_held_the_ticket_is_left_for_later(
    db: str, database_url: str
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    agents = [await create_agent(team, skills={cat: 3}) for _ in range(2)]
    other = await asyncpg.connect(**database.credentials(database_url))
    try:
        holding = other.transaction()
        await holding.start()
        await other.execute("SELECT 1 FROM agent FOR UPDATE")
        async with asyncio.timeout(10), rolled_back() as conn:
            picked = await routing_pick.pick(
                conn,
                Target(team.id, cat.id, SupportTier.L1),
                RoutingPolicy(),
                AgentRoster(),
                wait=False,
            )
        await holding.rollback()
    finally:
        await other.close()

    assert picked.chosen is None
    assert sorted(c.agent_id for c in picked.ranked) == sorted(a.id for a in agents)
    assert picked.total == 2


async def test_an_agent_with_less_room_than_the_roster_thinks_takes_only_what_fits(
    db: str,
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    star = await create_agent(team, max_tickets=10, skills={cat: 5})
    others = [await create_agent(team, max_tickets=10, skills={cat: 1}) for _ in range(2)]
    target = Target(team.id, cat.id, SupportTier.L1)
    policy = RoutingPolicy(0.05, 0.9, 0.05)  # skill first: the star stays best while it has room
    roster = AgentRoster()
    async with rolled_back() as conn:
        await roster.refresh(conn)
    async with rolled_back() as conn:
        # committed by someone else after the roster's refresh would look the same:
        # the roster still believes the star is empty
        await Agent.filter(id=star.id).using_db(conn).update(current_ticket_count=9)
        picked = await routing_pick.pick_many(conn, [target] * 3, policy, roster, wait=False)
        counts = await _counts(conn)

    chosen = [p.chosen.agent_id if p.chosen else None for p in picked]
    assert chosen.count(star.id) == 1
    assert None not in chosen
    assert counts[star.id] == 10
    assert sum(counts[a.id] for a in others) == 2


async def test_a_ticket_ranked_empty_because_of_a_held_agent_is_left_for_later_too(
    db: str, database_url: str
) -> None:
    """The first ticket's ranking counted on the only agent, held by another routing;
    the second then found nobody with room, but only because of that count: it is
    left for later as the first is, not recorded as having no candidate."""
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    only = await create_agent(team, max_tickets=2, current=1, skills={cat: 3})
    target = Target(team.id, cat.id, SupportTier.L1)
    other = await asyncpg.connect(**database.credentials(database_url))
    try:
        holding = other.transaction()
        await holding.start()
        await other.execute("SELECT 1 FROM agent WHERE id = $1 FOR UPDATE", only.id)
        async with asyncio.timeout(10), rolled_back() as conn:
            picks = await routing_pick.pick_many(
                conn, [target, target], RoutingPolicy(), AgentRoster(), wait=False
            )
        await holding.rollback()
    finally:
        await other.close()

    for picked in picks:
        assert picked.chosen is None
        assert [c.agent_id for c in picked.ranked] == [only.id]  # worth routing again
        assert picked.total == 1


async def test_an_agent_who_no_longer_qualifies_is_passed_over(db: str) -> None:
    """Changes since the roster's refresh (here: this transaction's own, which the
    roster never takes) are checked again under the row lock."""
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    demoted = await create_agent(team, skills={cat: 5}, tier=SupportTier.L2)
    unskilled = await create_agent(team, skills={cat: 4}, tier=SupportTier.L2)
    junior = await create_agent(team, skills={cat: 3}, tier=SupportTier.L2, senior=False)
    fallback = await create_agent(team, skills={cat: 1}, tier=SupportTier.L2, senior=True)
    await Agent.filter(id__in=[demoted.id, unskilled.id]).update(senior=True)
    roster = AgentRoster()
    async with rolled_back() as conn:
        await roster.refresh(conn)
    target = Target(team.id, cat.id, SupportTier.L2, requires_senior=True)
    async with rolled_back() as conn:
        await Agent.filter(id=demoted.id).using_db(conn).update(support_tier=SupportTier.L1)
        await AgentSkill.filter(agent_id=unskilled.id).using_db(conn).delete()
        picked = await routing_pick.pick(conn, target, RoutingPolicy(), roster, wait=False)

    assert [c.agent_id for c in picked.ranked][:2] == [demoted.id, unskilled.id]  # stale
    assert picked.chosen is not None
    assert picked.chosen.agent_id == fallback.id  # not the demoted, unskilled or junior
    assert junior.id not in [c.agent_id for c in picked.ranked]
