"""SLA clocks end to end on real PostgreSQL, driven by a clock the test moves.

Creation starts the clocks (triage plans them for the priority it sets); waiting
on the customer pauses them and the customer's reply resumes them; the first
public agent reply meets the first-response target and resolving meets the
resolution target; the sweep fires warnings and the breach once each, records
the breach and runs the escalation chain.
"""

import importlib
from datetime import UTC, datetime, timedelta

from tortoise import connections

from domain import sla_sweep, tickets
from domain.enums import ClockState, CustomerTier, Priority, SlaStatus, SlaTarget, TicketStatus
from domain.models import (
    Agent,
    Customer,
    SlaAction,
    SlaBreach,
    SlaClock,
    SlaPolicy,
    Ticket,
    TicketEvent,
)
from domain.sla_alerts import AlertSettings
from domain.sla_terms import SHARED
from domain.triage import triage_ticket
from domain.triage_inputs import Intake
from tests.factories import (
    ADMIN,
    ManualClock,
    as_agent,
    as_customer,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
)


async def clocks(ticket_id: int) -> dict[SlaTarget, SlaClock]:
    return {SlaTarget(c.target): c for c in await SlaClock.filter(ticket_id=ticket_id)}


async def sla_kinds(ticket_id: int) -> list[str]:
    events = await TicketEvent.filter(ticket_id=ticket_id, kind__startswith="sla.").order_by("id")
    return [e.kind for e in events]


async def urgent_ticket(
    clock: ManualClock, tier: CustomerTier = CustomerTier.PROFESSIONAL
) -> tuple[Ticket, Agent, Customer, Intake]:
    team = await create_team()
    billing = await create_category("BILLING", team=team, keywords=["invoice"])
    agent = await create_agent(team, skills={billing: 3})
    customer = await create_customer(tier=tier)
    ticket = await create_ticket(customer, clock, subject="Invoice wrong", priority=Priority.URGENT)
    intake = Intake(clock)
    SHARED.forget()
    assert await triage_ticket(intake, ticket.id)
    return ticket, agent, customer, intake


async def test_triage_starts_both_clocks_from_creation_with_the_priority_targets(
    db: str, clock: ManualClock
) -> None:
    ticket, _, _, _ = await urgent_ticket(clock)
    found = await clocks(ticket.id)
    first, resolution = found[SlaTarget.FIRST_RESPONSE], found[SlaTarget.RESOLUTION]
    assert (first.state, first.target_seconds) == (ClockState.RUNNING, 3600)
    assert first.due_at == ticket.created_at + timedelta(hours=1)  # URGENT is 24/7
    assert resolution.due_at == ticket.created_at + timedelta(hours=4)
    assert first.next_check_at == ticket.created_at + timedelta(minutes=30)  # 50% warning
    assert await sla_kinds(ticket.id) == []  # starts are read from the clocks


async def test_the_sweep_fires_each_level_once_and_records_the_breach(
    db: str, clock: ManualClock
) -> None:
    ticket, _, _, intake = await urgent_ticket(clock)
    alerts = AlertSettings()
    clock.advance(minutes=46)  # 76% of the first-response hour
    report = await sla_sweep.sweep(intake, alerts)
    assert report.moved == 1
    first = (await clocks(ticket.id))[SlaTarget.FIRST_RESPONSE]
    assert first.status == SlaStatus.AT_RISK
    assert first.fired_through == 75
    assert await sla_kinds(ticket.id) == ["sla.warning", "sla.at_risk"]
    again = await sla_sweep.sweep(intake, alerts)
    assert again.moved == 0
    clock.advance(minutes=15)  # 101%
    await sla_sweep.sweep(intake, alerts)
    first = (await clocks(ticket.id))[SlaTarget.FIRST_RESPONSE]
    assert first.status == SlaStatus.BREACHED
    assert first.breached_at == ticket.created_at + timedelta(hours=1)
    assert (await Ticket.get(id=ticket.id)).sla_breached
    breach = await SlaBreach.get(ticket_id=ticket.id)
    assert (breach.target, breach.priority) == (SlaTarget.FIRST_RESPONSE, Priority.URGENT)
    steps = await SlaAction.filter(ticket_id=ticket.id).order_by("percent")
    assert [(s.percent, s.action) for s in steps] == [
        (75, "NOTIFY_ASSIGNEE"),
        (90, "NOTIFY_LEAD"),
        (100, "REASSIGN"),
    ]
    assert all(s.done_at is not None for s in steps)


async def test_waiting_on_the_customer_pauses_and_the_reply_resumes(
    db: str, clock: ManualClock
) -> None:
    ticket, agent, customer, _ = await urgent_ticket(clock)
    clock.advance(minutes=20)
    await tickets.change_status(as_agent(agent), ticket.id, TicketStatus.WAITING_ON_CUSTOMER, clock)
    paused = (await clocks(ticket.id))[SlaTarget.RESOLUTION]
    assert (paused.state, paused.elapsed_seconds, paused.next_check_at) == (
        ClockState.PAUSED,
        1200,
        None,
    )
    clock.advance(hours=5)
    await tickets.add_message(as_customer(customer), ticket.id, "Here it is", False, clock)
    resumed = (await clocks(ticket.id))[SlaTarget.RESOLUTION]
    assert resumed.state == ClockState.RUNNING
    assert resumed.due_at == clock.now() + timedelta(hours=4) - timedelta(minutes=20)


async def test_a_public_reply_meets_first_response_and_resolving_meets_resolution(
    db: str, clock: ManualClock
) -> None:
    ticket, agent, _, _ = await urgent_ticket(clock)
    clock.advance(minutes=10)
    await tickets.add_message(as_agent(agent), ticket.id, "Looking into it", True, clock)
    assert (await clocks(ticket.id))[SlaTarget.FIRST_RESPONSE].state == ClockState.RUNNING
    await tickets.add_message(as_agent(agent), ticket.id, "On it", False, clock)
    first = (await clocks(ticket.id))[SlaTarget.FIRST_RESPONSE]
    assert (first.state, first.met_at, first.status) == (ClockState.MET, clock.now(), "WITHIN")
    clock.advance(minutes=30)
    await tickets.change_status(as_agent(agent), ticket.id, TicketStatus.RESOLVED, clock)
    resolution = (await clocks(ticket.id))[SlaTarget.RESOLUTION]
    assert (resolution.state, resolution.elapsed_seconds) == (ClockState.MET, 2400)
    clock.advance(minutes=5)
    await tickets.change_status(as_agent(agent), ticket.id, TicketStatus.OPEN, clock)
    reopened = (await clocks(ticket.id))[SlaTarget.RESOLUTION]
    assert (reopened.state, reopened.period, reopened.elapsed_seconds) == (
        ClockState.RUNNING,
        2,
        0,
    )
    assert reopened.due_at == clock.now() + timedelta(hours=4)


async def test_a_priority_change_replans_without_losing_time(db: str, clock: ManualClock) -> None:
    ticket, agent, _, _ = await urgent_ticket(clock)
    clock.advance(minutes=30)
    await tickets.update(
        as_agent(agent), ticket.id, tickets.TicketUpdate(priority=Priority.HIGH), clock
    )
    first = (await clocks(ticket.id))[SlaTarget.FIRST_RESPONSE]
    # HIGH: 4 business hours (Mon 09:00 start, so 09:00-17:00 UTC counts), 30 min spent
    assert first.target_seconds == 4 * 3600
    assert first.elapsed_seconds == 1800
    assert first.due_at == datetime(2026, 3, 2, 12, 30, tzinfo=UTC) + timedelta(minutes=30)
    assert "sla.replanned" in await sla_kinds(ticket.id)


async def test_a_policy_that_does_not_apply_is_no_sla_with_its_reason(
    db: str, clock: ManualClock
) -> None:
    await SlaPolicy.create(
        name="Free low",
        priority=Priority.URGENT,
        customer_tier=CustomerTier.FREE,
        applies=False,
        no_sla_reason="The free plan has no SLA.",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    ticket, _, _, _ = await urgent_ticket(clock, tier=CustomerTier.FREE)
    first = (await clocks(ticket.id))[SlaTarget.FIRST_RESPONSE]
    assert (first.target_seconds, first.note, first.next_check_at) == (
        None,
        "The free plan has no SLA.",
        None,
    )
    assert first.note == "The free plan has no SLA."
    assert await sla_kinds(ticket.id) == []
    _ = ADMIN


async def test_a_deadline_met_late_before_any_sweep_is_still_recorded_as_breached(
    db: str, clock: ManualClock
) -> None:
    ticket, agent, _, _ = await urgent_ticket(clock)
    clock.advance(minutes=65)  # the sweep never ran (down, or skipped the locked ticket)
    await tickets.add_message(as_agent(agent), ticket.id, "Sorry for the wait", False, clock)
    first = (await clocks(ticket.id))[SlaTarget.FIRST_RESPONSE]
    assert (first.state, first.status) == (ClockState.MET, SlaStatus.BREACHED)
    assert first.breached_at == ticket.created_at + timedelta(hours=1)
    breach = await SlaBreach.get(ticket_id=ticket.id)
    assert breach.breached_at == first.breached_at
    assert (await Ticket.get(id=ticket.id)).sla_breached
    assert (await sla_kinds(ticket.id))[-2:] == ["sla.breached", "sla.met"]


async def test_tickets_open_before_slas_existed_start_their_clocks_then(
    db: str, clock: ManualClock
) -> None:
    ticket, _, _, intake = await urgent_ticket(clock)
    await SlaClock.filter(ticket_id=ticket.id).delete()
    backfill = importlib.import_module("migrations.0006_sla").START_OPEN_TICKETS
    await connections.get("default").execute_script(backfill)
    started = (await SlaClock.get(ticket_id=ticket.id, target=SlaTarget.RESOLUTION)).started_at
    clock.at = started + timedelta(minutes=1)

    report = await sla_sweep.sweep(intake, AlertSettings())

    assert report.replanned == 1
    resolution = (await clocks(ticket.id))[SlaTarget.RESOLUTION]
    assert (resolution.target_seconds, resolution.replan) == (4 * 3600, False)
    assert resolution.due_at == started + timedelta(hours=4)  # not from creation
    assert resolution.status == SlaStatus.WITHIN


async def test_a_command_on_cached_terms_does_not_undo_an_admins_edit(
    db: str, clock: ManualClock
) -> None:
    ticket, agent, _, intake = await urgent_ticket(clock)
    await SlaClock.filter(ticket_id=ticket.id).update(replan=True)  # as an edit flags them
    clock.advance(minutes=1)
    await tickets.add_message(as_agent(agent), ticket.id, "note", True, clock)
    high = tickets.TicketUpdate(priority=Priority.HIGH)
    await tickets.update(as_agent(agent), ticket.id, high, clock)
    assert all(c.replan for c in (await clocks(ticket.id)).values())
    await sla_sweep.sweep(intake, AlertSettings())
    assert not any(c.replan for c in (await clocks(ticket.id)).values())
