"""Routing on real PostgreSQL: scores, queue order, freed agents, widening, overflow."""

from collections.abc import Sequence
from datetime import timedelta

from domain import tickets
from domain.enums import CustomerTier, Priority, RoutingState, SupportTier, TicketStatus
from domain.intake_sweep import widen_stale
from domain.models import (
    Agent,
    AgentSkill,
    Category,
    RoutingDecision,
    RoutingRule,
    Ticket,
    TicketEvent,
)
from domain.routing import RoutingPolicy
from domain.routing_candidates import read_record
from domain.triage import triage_ticket
from domain.triage_inputs import Intake
from tests.factories import (
    ADMIN,
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
)


async def triaged(clock: ManualClock, intake: Intake | None = None, **kw: object) -> Ticket:
    ticket = await create_ticket(await create_customer(), clock, **kw)  # type: ignore[arg-type]
    await triage_ticket(intake or Intake(clock), ticket.id)
    return await Ticket.get(id=ticket.id)


async def test_the_decision_lists_every_candidate_with_its_score_parts(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    busy_expert = await create_agent(team, max_tickets=4, current=3, skills={cat: 5})
    free_novice = await create_agent(team, max_tickets=4, skills={cat: 1})
    await AgentSkill.filter(agent_id=busy_expert.id).update(avg_handle_seconds=600.0)
    await AgentSkill.filter(agent_id=free_novice.id).update(avg_handle_seconds=1800.0)
    await Category.filter(id=cat.id).update(avg_handle_seconds=1200.0)
    await create_agent(team, skills={})  # no skill: not a candidate
    await create_agent(team, available=False, skills={cat: 5})  # away: not a candidate

    ticket = await triaged(clock, category=cat)

    decision = await RoutingDecision.get(ticket_id=ticket.id)
    assert decision.candidate_count == 2
    assert decision.weights == {"capacity": 0.5, "skill": 0.3, "handleTime": 0.2}
    recorded = read_record(decision.candidates, decision.weights)
    parts = {c.agent_id: c for c, _ in recorded}
    # category mean 1200 s: expert 1200/(1200+600), novice 1200/(1200+1800)
    assert parts[busy_expert.id].capacity == 0.25
    assert parts[busy_expert.id].skill == 1.0
    assert abs(parts[busy_expert.id].handle_time - 2 / 3) < 1e-6
    assert abs(parts[free_novice.id].handle_time - 0.4) < 1e-6
    expert_score = 0.5 * 0.25 + 0.3 * 1.0 + 0.2 * (2 / 3)
    novice_score = 0.5 * 1.0 + 0.3 * 0.2 + 0.2 * 0.4
    assert abs(parts[busy_expert.id].score - expert_score) < 1e-6
    assert abs(parts[free_novice.id].score - novice_score) < 1e-6
    assert ticket.assignee_id == free_novice.id  # 0.64 beats 0.558
    assert [(c.agent_id, chosen) for c, chosen in recorded] == [
        (free_novice.id, True),
        (busy_expert.id, False),
    ]


async def test_weights_are_settings_and_ties_go_to_the_lower_id(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    first = await create_agent(team, skills={cat: 3})
    await create_agent(team, skills={cat: 3})
    skill_only = Intake(clock, routing=RoutingPolicy(0, 1, 0))

    ticket = await triaged(clock, skill_only, category=cat)

    assert ticket.assignee_id == first.id


async def test_nobody_free_queues_and_the_queue_is_priority_then_age(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    agent = await create_agent(team, max_tickets=1, current=1, skills={cat: 3})
    low = await triaged(clock, category=cat, priority=Priority.LOW)
    clock.advance(minutes=1)
    urgent_late = await triaged(clock, category=cat, priority=Priority.URGENT)
    clock.advance(minutes=1)
    urgent_later = await triaged(clock, category=cat, priority=Priority.URGENT)
    assert {t.routing_state for t in (low, urgent_late, urgent_later)} == {RoutingState.QUEUED}

    from domain.queues import queue

    order = [t.id for t in await queue(ADMIN, team.id, 50, 0)]
    assert order == [urgent_late.id, urgent_later.id, low.id]

    # the agent frees up (their one ticket is resolved): the head of the queue is theirs
    held = await create_ticket(await create_customer(), clock, category=cat)
    await Ticket.filter(id=held.id).update(assignee_id=agent.id, routing_state="ASSIGNED")
    await tickets.change_status(ADMIN, held.id, TicketStatus.RESOLVED, clock)

    assert (await Ticket.get(id=urgent_late.id)).assignee_id == agent.id
    assert (await Ticket.get(id=urgent_later.id)).assignee_id is None
    assert (await Agent.get(id=agent.id)).current_ticket_count == 1
    events = await TicketEvent.filter(ticket_id=urgent_late.id, kind="ticket.assigned")
    assert [e.data["by"] for e in events] == ["queue"]


async def test_within_a_priority_the_sooner_sla_deadline_goes_first(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    await create_agent(team, max_tickets=1, current=1, skills={cat: 3})
    free = await create_customer(tier=CustomerTier.FREE)  # twice the time
    enterprise = await create_customer(tier=CustomerTier.ENTERPRISE)  # half the time
    first_in = await create_ticket(free, clock, category=cat, priority=Priority.HIGH)
    await triage_ticket(Intake(clock), first_in.id)
    clock.advance(minutes=5)
    sooner_due = await create_ticket(enterprise, clock, category=cat, priority=Priority.HIGH)
    await triage_ticket(Intake(clock), sooner_due.id)

    from domain.queues import queue

    assert [t.id for t in await queue(ADMIN, team.id, 50, 0)] == [sooner_due.id, first_in.id]


async def test_coming_back_or_getting_room_pulls_queued_work(db: str, clock: ManualClock) -> None:
    from domain import directory

    team = await create_team()
    cat = await create_category("BILLING", team=team)
    away = await create_agent(team, max_tickets=1, available=False, skills={cat: 3})
    queued = [await triaged(clock, category=cat) for _ in range(3)]

    await directory.set_availability(ADMIN, away.id, True, clock.now())
    assert (await Ticket.get(id=queued[0].id)).assignee_id == away.id

    await directory.update_agent(ADMIN, away.id, directory.AgentChanges(max_tickets=3), clock.now())
    assigned = [(await Ticket.get(id=t.id)).assignee_id for t in queued]
    assert assigned == [away.id] * 3
    assert (await Agent.get(id=away.id)).current_ticket_count == 3


async def test_an_agent_only_pulls_what_their_skill_tier_and_seniority_allow(
    db: str, clock: ManualClock
) -> None:
    from domain import directory

    team = await create_team()
    cat = await create_category("BILLING", team=team)
    other = await create_category("TECHNICAL", team=team)
    await RoutingRule.create(
        position=1,
        name="vip senior",
        conditions={"vip": True},
        actions={"require_senior": True},
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    needs_skill = await triaged(clock, category=other)
    vip = await create_ticket(await create_customer(vip=True), clock, category=cat)
    await triage_ticket(Intake(clock), vip.id)
    plain = await triaged(clock, category=cat)
    junior = await create_agent(team, available=False, skills={cat: 2})

    await directory.set_availability(ADMIN, junior.id, True, clock.now())

    assert (await Ticket.get(id=plain.id)).assignee_id == junior.id
    assert (await Ticket.get(id=vip.id)).assignee_id is None
    assert (await Ticket.get(id=needs_skill.id)).assignee_id is None


async def test_past_the_skill_timeout_a_ticket_widens_to_the_fallback_team(
    db: str, clock: ManualClock
) -> None:
    specialists, generalists = await create_team(), await create_team()
    cat = await create_category("LEGAL", team=specialists, fallback=generalists)
    generalist = await create_agent(generalists, skills={})
    intake = Intake(clock, routing=RoutingPolicy(skill_timeout_seconds=600))
    ticket = await triaged(clock, intake, category=cat)
    assert ticket.routing_state == RoutingState.QUEUED

    clock.advance(seconds=599)
    assert await widen_stale(intake, clock.now()) == 0
    clock.advance(seconds=2)
    assert await widen_stale(intake, clock.now()) == 1

    widened = await Ticket.get(id=ticket.id)
    assert (widened.team_id, widened.assignee_id) == (generalists.id, generalist.id)
    assert widened.widened_at == clock.now()
    assert await widen_stale(intake, clock.now() + timedelta(hours=1)) == 0


async def test_a_deep_queue_overflows_new_tickets_to_the_next_tier(
    db: str, clock: ManualClock
) -> None:
    l1, l2 = await create_team(), await create_team(tier=SupportTier.L2)
    await l1.__class__.filter(id=l1.id).update(overflow_threshold=2, overflow_team_id=l2.id)
    cat = await create_category("BILLING", team=l1)
    l2_agent = await create_agent(l2, tier=SupportTier.L2, skills={cat: 4})
    waiting = [await triaged(clock, category=cat) for _ in range(3)]
    assert [t.team_id for t in waiting] == [l1.id, l1.id, l1.id]  # depth 0, 1, 2: not deeper

    overflowed = await triaged(clock, category=cat)

    assert (overflowed.team_id, overflowed.support_tier, overflowed.assignee_id) == (
        l2.id,
        SupportTier.L2,
        l2_agent.id,
    )


async def test_skill_changes_reach_routing_at_once(db: str, clock: ManualClock) -> None:
    """Routing reads skills from a per-agent map the database keeps in step with agent_skill."""
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    agent = await create_agent(team, skills={cat: 2})
    await AgentSkill.filter(agent_id=agent.id).update(level=5)
    first = await triaged(clock, category=cat)
    decision = await RoutingDecision.get(ticket_id=first.id)
    assert [c.skill_level for c, _ in read_record(decision.candidates, decision.weights)] == [5]

    await AgentSkill.filter(agent_id=agent.id).delete()
    second = await triaged(clock, category=cat)

    assert (second.routing_state, second.assignee_id) == (RoutingState.QUEUED, None)


async def test_the_sweep_gives_queued_tickets_to_idle_agents_with_room(
    db: str, clock: ManualClock
) -> None:
    """E.g. an agent made available by a path that did not pull work, or freed in a
    transaction that could not see a ticket still being triaged."""
    from domain.intake_sweep import drain_queues

    team = await create_team()
    cat = await create_category("BILLING", team=team)
    agent = await create_agent(team, available=False, skills={cat: 3})
    queued = await triaged(clock, category=cat)
    await Agent.filter(id=agent.id).update(is_available=True)  # nothing pulled work

    assert await drain_queues(clock.now()) == 1

    assert (await Ticket.get(id=queued.id)).assignee_id == agent.id
    assert await drain_queues(clock.now()) == 0


async def test_a_new_agent_starts_on_the_backlog(db: str, clock: ManualClock) -> None:
    from domain import directory

    team = await create_team()
    cat = await create_category("BILLING", team=team)
    waiting = await triaged(clock, category=cat)

    agent = await directory.create_agent(
        ADMIN,
        directory.NewAgent(
            name="New", email="new@frontdesk.example", team_id=team.id, skills={"BILLING": 2}
        ),
        clock.now(),
    )

    assert (await Ticket.get(id=waiting.id)).assignee_id == agent.id
    assert agent.current_ticket_count == 1


async def test_a_category_fixed_with_update_ticket_is_routed_again(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    cat = await create_category("BILLING", team=team)
    agent = await create_agent(team, skills={cat: 3})
    unsure = await triaged(clock)  # no keywords, no model: a human must triage
    assert unsure.routing_state == RoutingState.NEEDS_TRIAGE
    handed: list[int] = []

    class Recording:
        async def triage(self, ticket_ids: Sequence[int]) -> None:
            handed.extend(ticket_ids)

    await tickets.update(
        ADMIN, unsure.id, tickets.TicketUpdate(category_key="BILLING"), clock, Recording()
    )
    assert handed == [unsure.id]
    await triage_ticket(Intake(clock), unsure.id)

    done = await Ticket.get(id=unsure.id)
    assert (done.category_id, done.assignee_id, done.routing_state) == (
        cat.id,
        agent.id,
        RoutingState.ASSIGNED,
    )
