"""An agent's own changes (availability, capacity, tier) are events, written in the
change's transaction and relayed with the agent's team as scope."""

import secrets
from typing import Any

import pytest
from redis.asyncio import Redis

from adapters.event_bus_memory import InProcessEventBus
from adapters.event_bus_redis import RedisStreamEventBus
from domain import directory, outbox, queues
from domain.enums import SupportTier
from domain.models import Agent, TicketEvent
from domain.ports import EventBus
from tests.factories import ADMIN, ManualClock, as_agent, create_agent, create_team
from tests.integration.test_outbox import take


async def agent_events(agent: Agent) -> list[tuple[str, Any]]:
    rows = await TicketEvent.filter(agent_id=agent.id).order_by("id")
    return [(e.kind, e.data) for e in rows]


async def test_a_rolled_back_availability_change_emits_nothing(
    db: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = await create_agent(await create_team(), available=False)

    async def fails(*_: object) -> list[int]:
        raise RuntimeError("the change failed after writing its event")

    monkeypatch.setattr(queues, "fill_agent", fails)  # runs after the event is written
    with pytest.raises(RuntimeError):
        await directory.set_availability(ADMIN, agent.id, True, clock.now())

    assert (await Agent.get(id=agent.id)).is_available is False
    assert await agent_events(agent) == []
    assert await outbox.relay_all(InProcessEventBus()) == 0


async def test_an_availability_change_is_one_event_scoped_to_the_agents_team(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    agent = await create_agent(team)
    bus = InProcessEventBus()

    await directory.set_availability(as_agent(agent), agent.id, False, clock.now())
    await directory.set_availability(as_agent(agent), agent.id, False, clock.now())  # no change

    assert await agent_events(agent) == [
        ("agent.availability_changed", {"from": True, "to": False})
    ]
    assert await outbox.relay_all(bus) == 1
    [delivered] = await take(bus, "0", 1)
    event = delivered.event
    assert (event.ticket_id, event.agent_id, event.team_id) == (None, agent.id, team.id)
    assert (event.customer_id, event.actor_role, event.actor_id) == (None, "AGENT", agent.id)


async def test_an_agent_update_records_what_changed_and_nothing_when_nothing_did(
    db: str, clock: ManualClock
) -> None:
    agent = await create_agent(await create_team(), max_tickets=10, senior=False)
    changes = directory.AgentChanges(max_tickets=10, senior=True, support_tier=SupportTier.L2)
    await directory.update_agent(ADMIN, agent.id, changes, clock.now())
    await directory.update_agent(ADMIN, agent.id, changes, clock.now())  # the same again

    assert await agent_events(agent) == [
        (
            "agent.updated",
            {"senior": {"from": False, "to": True}, "support_tier": {"from": "L1", "to": "L2"}},
        )
    ]


@pytest.mark.redis
async def test_an_agent_event_crosses_redis_with_its_agent_and_scope(
    db: str, clock: ManualClock, redis_url: str
) -> None:
    team = await create_team()
    agent = await create_agent(team)
    await directory.set_availability(ADMIN, agent.id, False, clock.now())
    client = Redis.from_url(redis_url)
    stream = f"fd:test:workload:{secrets.token_hex(4)}"  # event ids restart per test database
    bus: EventBus = RedisStreamEventBus(client, stream=stream)
    try:
        assert await outbox.relay_all(bus) == 1
        [delivered] = await take(bus, "0-0", 1)
        event = delivered.event
        assert (event.kind, event.ticket_id, event.agent_id) == (
            "agent.availability_changed",
            None,
            agent.id,
        )
        assert event.team_id == team.id
    finally:
        await client.delete(stream, *[key async for key in client.scan_iter(f"{stream}:*")])
        await client.aclose()
