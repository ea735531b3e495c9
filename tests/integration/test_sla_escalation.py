"""Breach to notification, end to end: the sweep fires the chain, routing moves the
ticket up a tier, the lead hears by email and Slack (real local SMTP and HTTP
receivers, a failing one retried), and a lead's acknowledgement stops the chain."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from adapters.notifiers import SlackWebhookNotifier, SmtpNotifier
from domain import escalation, notifications, sla_setup, sla_sweep
from domain.enums import (
    CustomerTier,
    EscalationReason,
    NotificationChannel,
    Priority,
    Role,
    SlaStatus,
    SlaTarget,
    SupportTier,
)
from domain.models import Agent, Escalation, Notification, SlaClock, SlaPolicy, Team, Ticket
from domain.ports import Notifier
from domain.sla_alerts import AlertSettings
from domain.triage import triage_ticket
from domain.triage_inputs import Intake
from tests.factories import (
    ADMIN,
    ManualClock,
    as_agent,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
)
from tests.sinks import SmtpSink, WebhookReceiver


@dataclass
class Floor:
    team: Team
    lead: Agent
    agent: Agent
    senior: Agent
    intake: Intake
    hook: WebhookReceiver
    smtp: SmtpSink

    def notifiers(self) -> dict[NotificationChannel, Notifier]:
        return {
            NotificationChannel.SLACK: SlackWebhookNotifier(),
            NotificationChannel.EMAIL: SmtpNotifier("127.0.0.1", self.smtp.port),
        }

    async def deliver(self, clock: ManualClock) -> notifications.DeliveryReport:
        return await notifications.deliver_all_due(self.notifiers(), clock)

    def mailed(self) -> list[tuple[str, str]]:
        return [(m["To"], m["Subject"]) for m in self.smtp.received]


@pytest.fixture
async def floor(db: str, clock: ManualClock) -> AsyncIterator[Floor]:
    async with WebhookReceiver(statuses=[500]) as hook, SmtpSink() as smtp:
        team = await create_team(name="Frontline")
        outage = await create_category("OUTAGE", team=team, keywords=["down"])
        lead = await create_agent(team, skills={outage: 5}, tier=SupportTier.L3, available=False)
        await Team.filter(id=team.id).update(lead_id=lead.id)
        agent = await create_agent(team, skills={outage: 3})
        senior = await create_agent(team, skills={outage: 3}, tier=SupportTier.L2)
        alerts = AlertSettings(hook.url, ("boss@example.com",), email_enabled=True)
        intake = Intake(clock, alerts=alerts)
        yield Floor(team, lead, agent, senior, intake, hook, smtp)


async def urgent(floor: Floor, clock: ManualClock, *, vip: bool = False) -> Ticket:
    customer = await create_customer(tier=CustomerTier.PROFESSIONAL, vip=vip)
    ticket = await create_ticket(customer, clock, subject="Site down", priority=Priority.URGENT)
    assert await triage_ticket(floor.intake, ticket.id)
    return await Ticket.get(id=ticket.id)


async def test_a_breach_escalates_to_the_next_tier_and_tells_the_lead(
    floor: Floor, clock: ManualClock
) -> None:
    ticket = await urgent(floor, clock)
    assert ticket.assignee_id == floor.agent.id

    clock.advance(minutes=61)
    await sla_sweep.sweep(floor.intake, floor.intake.alerts)

    moved = await Ticket.get(id=ticket.id)
    assert (moved.support_tier, moved.assignee_id, moved.sla_breached) == (
        SupportTier.L2,
        floor.senior.id,
        True,
    )
    record = await Escalation.get(ticket_id=ticket.id)
    assert (record.reason, record.target, record.from_tier, record.to_tier) == (
        EscalationReason.AUTO_SLA_BREACH,
        SlaTarget.FIRST_RESPONSE,
        SupportTier.L1,
        SupportTier.L2,
    )
    assert (record.from_agent_id, record.to_agent_id, record.escalated_by_role) == (
        floor.agent.id,
        floor.senior.id,
        "SYSTEM",
    )
    report = await floor.deliver(clock)
    assert (report.sent, report.retrying) == (4, 1)  # the webhook failed once (500)
    mailed = floor.mailed()
    assert [to for to, _ in mailed].count(floor.lead.email) == 2  # 90% step + escalation
    assert any(to == floor.agent.email and "at risk (75%)" in s for to, s in mailed)
    assert any("Escalated" in s for to, s in mailed if to == floor.lead.email)

    assert (await floor.deliver(clock)).sent == 0  # nothing again before the backoff
    clock.advance(seconds=30)
    assert (await floor.deliver(clock)).sent == 1
    texts = [body["text"] for _, body in floor.hook.received]
    assert len(texts) == 3  # the two lead messages, one of them refused once
    assert sum("Escalated" in t for t in texts) == 1
    assert sum("at risk (90%)" in t for t in texts) == 2
    states = {n.state for n in await Notification.all()}
    assert states == {"SENT"}

    clock.advance(minutes=60)  # 200% of the first-response hour: management
    await sla_sweep.sweep(floor.intake, floor.intake.alerts)
    await floor.deliver(clock)
    assert ("boss@example.com" in [to for to, _ in floor.mailed()]) is True
    first = await SlaClock.get(ticket_id=ticket.id, target=SlaTarget.FIRST_RESPONSE)
    assert first.status == SlaStatus.BREACHED


async def test_a_lead_acknowledging_stops_the_rest_of_the_chain(
    floor: Floor, clock: ManualClock
) -> None:
    ticket = await urgent(floor, clock)
    clock.advance(minutes=50)
    await sla_sweep.sweep(floor.intake, floor.intake.alerts)
    lead = as_agent(floor.lead, Role.LEAD)
    await escalation.acknowledge(lead, ticket.id, clock.now())

    clock.advance(minutes=15)
    await sla_sweep.sweep(floor.intake, floor.intake.alerts)

    still = await Ticket.get(id=ticket.id)
    assert (still.assignee_id, still.support_tier, still.sla_breached) == (
        floor.agent.id,
        SupportTier.L1,
        True,
    )
    assert await Escalation.filter(ticket_id=ticket.id).count() == 0
    await floor.deliver(clock)
    assert [to for to, _ in floor.mailed()] == [floor.agent.email]  # only the 75% step


async def test_a_vip_ticket_tells_the_lead_at_once(floor: Floor, clock: ManualClock) -> None:
    await urgent(floor, clock, vip=True)
    await floor.deliver(clock)
    clock.advance(seconds=30)
    await floor.deliver(clock)
    assert [to for to, _ in floor.mailed()] == [floor.lead.email]
    assert "VIP customer" in floor.mailed()[0][1]
    assert len(floor.hook.received) == 2  # refused once, then delivered


async def test_a_policy_edit_replans_open_tickets_keeping_time_spent(
    floor: Floor, clock: ManualClock
) -> None:
    ticket = await urgent(floor, clock)
    clock.advance(minutes=30)
    policy = await SlaPolicy.get(priority=Priority.URGENT, customer_tier=None)
    change = sla_setup.PolicyInput(
        name="Urgent",
        priority=Priority.URGENT,
        first_response_minutes=120,
        resolution_minutes=480,
        escalation_steps=((100, "REASSIGN"),),
    )
    await sla_setup.update_policy(ADMIN, policy.id, change, clock.now())
    clock.advance(minutes=1)
    report = await sla_sweep.sweep(floor.intake, floor.intake.alerts)
    assert report.replanned == 1
    first = await SlaClock.get(ticket_id=ticket.id, target=SlaTarget.FIRST_RESPONSE)
    assert (first.target_seconds, first.elapsed_seconds) == (7200, 1860)
    assert first.due_at == ticket.created_at + timedelta(minutes=120)
    assert first.status == SlaStatus.WITHIN
    assert first.replan is False


async def test_a_policy_may_escalate_at_risk_already(floor: Floor, clock: ManualClock) -> None:
    policy = await SlaPolicy.get(priority=Priority.URGENT, customer_tier=None)
    await SlaPolicy.filter(id=policy.id).update(escalate_at_risk=True, escalation_steps=[])
    ticket = await urgent(floor, clock)
    clock.advance(minutes=46)  # past 75 %: at risk, not breached
    await sla_sweep.sweep(floor.intake, floor.intake.alerts)
    record = await Escalation.get(ticket_id=ticket.id)
    assert (record.reason, record.to_tier) == (EscalationReason.AUTO_SLA_RISK, SupportTier.L2)
    assert (await Ticket.get(id=ticket.id)).sla_breached is False


async def test_a_legal_threat_tells_the_lead_at_once(floor: Floor, clock: ManualClock) -> None:
    customer = await create_customer(tier=CustomerTier.PROFESSIONAL)
    ticket = await create_ticket(
        customer, clock, subject="Site down", description="My lawyer will hear about this"
    )
    assert await triage_ticket(floor.intake, ticket.id)
    clock.advance(seconds=30)
    await floor.deliver(clock)
    await floor.deliver(clock)
    assert [(to, "legal threat" in s) for to, s in floor.mailed()] == [(floor.lead.email, True)]
