"""Triage end to end on real PostgreSQL: classify, prioritise, route, exactly once."""

from collections.abc import Sequence

from domain.enums import CategorySource, Priority, RoutingState, TriageStatus
from domain.escalation import escalate
from domain.models import Agent, Customer, RoutingDecision, Ticket, TicketEvent, TriageRecord
from domain.ports import TextGuess
from domain.sla_alerts import AlertSettings
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


class FixedModel:
    """A trained model's answer, behind the same port the spaCy adapter implements."""

    def __init__(self, label: str, confidence: float) -> None:
        self.guess = TextGuess(label, confidence)
        self.calls = 0

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.guess.label,)

    @property
    def version(self) -> str:
        return "fixed-1"

    def classify(self, texts: Sequence[str]) -> list[TextGuess]:
        self.calls += 1
        return [self.guess for _ in texts]


async def kinds(ticket_id: int) -> list[str]:
    """The ticket's events apart from its SLA timeline (tests/integration/test_sla.py)."""
    events = TicketEvent.filter(ticket_id=ticket_id).exclude(kind__startswith="sla.")
    return [e.kind for e in await events.order_by("id")]


async def test_keywords_classify_rules_prioritise_and_the_best_agent_gets_it(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    billing = await create_category("BILLING", team=team, keywords=["invoice", "refund"])
    expert = await create_agent(team, skills={billing: 5})
    await create_agent(team, skills={billing: 2})
    customer = await create_customer(vip=True)
    ticket = await create_ticket(customer, clock, subject="Refund ASAP", description="Invoice 7")

    assert await triage_ticket(Intake(clock), ticket.id) is True

    done = await Ticket.get(id=ticket.id)
    assert (done.category_id, done.category_source, done.category_confidence) == (
        billing.id,
        CategorySource.KEYWORDS,
        1.0,
    )
    assert done.priority == Priority.URGENT  # ASAP -> HIGH, VIP +1
    assert [r["rule"] for r in done.priority_reasons] == ["default", "high_keyword", "vip_customer"]
    assert (done.assignee_id, done.routing_state, done.team_id) == (
        expert.id,
        RoutingState.ASSIGNED,
        team.id,
    )
    assert done.triage_status == TriageStatus.DONE
    record = await TriageRecord.get(ticket_id=ticket.id)
    assert (record.label, record.source, record.priority) == ("BILLING", "KEYWORDS", "URGENT")
    assert await kinds(ticket.id) == ["ticket.created", "ticket.assigned", "ticket.triaged"]


async def test_a_redelivered_triage_does_nothing_twice(db: str, clock: ManualClock) -> None:
    team = await create_team()
    billing = await create_category("BILLING", team=team, keywords=["invoice"])
    agent = await create_agent(team, skills={billing: 3})
    ticket = await create_ticket(await create_customer(), clock, subject="Invoice?")

    first = await triage_ticket(Intake(clock), ticket.id)
    again = await triage_ticket(Intake(clock), ticket.id)

    assert (first, again) == (True, False)
    assert await kinds(ticket.id) == ["ticket.created", "ticket.assigned", "ticket.triaged"]
    assert (await Agent.get(id=agent.id)).current_ticket_count == 1


async def test_an_unsure_model_sends_the_ticket_to_human_triage(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    await create_category("BILLING", team=team)
    agent_team = await create_team()
    ticket = await create_ticket(await create_customer(), clock, team=agent_team)
    model = FixedModel("BILLING", 0.31)

    await triage_ticket(
        Intake(clock, category_model=lambda: model, confidence_threshold=0.5), ticket.id
    )

    done = await Ticket.get(id=ticket.id)
    assert (done.category_id, done.routing_state, done.assignee_id) == (
        None,
        RoutingState.NEEDS_TRIAGE,
        None,
    )
    assert done.team_id == agent_team.id  # kept, so whoever could see it still can
    record = await TriageRecord.get(ticket_id=ticket.id)
    assert (record.label, record.confidence, record.model_version) == ("BILLING", 0.31, "fixed-1")
    decision = await RoutingDecision.get(ticket_id=ticket.id)
    assert decision.outcome == "NEEDS_TRIAGE"
    assert "not confident" in decision.reason


async def test_a_confident_model_beats_keywords_and_a_submitted_category_is_kept(
    db: str, clock: ManualClock
) -> None:
    team = await create_team()
    billing = await create_category("BILLING", team=team, keywords=["invoice"])
    technical = await create_category("TECHNICAL", team=team)
    model = FixedModel("technical", 0.93)
    intake = Intake(clock, category_model=lambda: model)
    guessed = await create_ticket(await create_customer(), clock, subject="Invoice page crashes")
    chosen = await create_ticket(await create_customer(), clock, category=billing)

    await triage_ticket(intake, guessed.id)
    await triage_ticket(intake, chosen.id)

    assert (await Ticket.get(id=guessed.id)).category_id == technical.id
    kept = await Ticket.get(id=chosen.id)
    assert (kept.category_id, kept.category_source) == (billing.id, CategorySource.SUBMITTED)
    assert model.calls == 1


async def test_an_agents_priority_is_kept(db: str, clock: ManualClock) -> None:
    ticket = await create_ticket(
        await create_customer(vip=True), clock, subject="URGENT outage", priority=Priority.LOW
    )
    await triage_ticket(Intake(clock), ticket.id)
    done = await Ticket.get(id=ticket.id)
    assert done.priority == Priority.LOW
    assert done.priority_reasons == [
        {"rule": "set_by_agent", "detail": "an agent set it", "effect": "LOW"}
    ]


async def test_training_data_is_resolved_tickets_and_agents_corrections(
    db: str, clock: ManualClock
) -> None:
    from domain import tickets
    from domain.enums import TicketStatus
    from domain.training_data import labelled_examples
    from tests.factories import ADMIN

    billing = await create_category("BILLING")
    technical = await create_category("TECHNICAL")
    customer = await create_customer()
    resolved = await create_ticket(customer, clock, subject="Invoice", category=billing)
    await tickets.change_status(ADMIN, resolved.id, TicketStatus.RESOLVED, clock)
    corrected = await create_ticket(customer, clock, subject="Crash", category=billing)
    await tickets.update(ADMIN, corrected.id, tickets.TicketUpdate(category_key="TECHNICAL"), clock)
    await create_ticket(customer, clock, subject="Still open", category=billing)

    texts, labels = await labelled_examples("category")

    assert [t.split("\n")[0] for t in texts] == ["Invoice", "Crash"]
    assert labels == ["BILLING", "TECHNICAL"]
    assert technical.key == "TECHNICAL"
    severity_texts, severity_labels = await labelled_examples("severity")
    assert (len(severity_texts), severity_labels) == (1, ["MEDIUM"])


async def test_a_customer_escalated_twice_in_30_days_gets_a_higher_priority(
    db: str, clock: ManualClock
) -> None:
    """Counted from the escalations of the customer's own tickets, old ones left out."""
    team = await create_team()
    await create_category("BILLING", team=team, keywords=["invoice"])
    customer, other = await create_customer(), await create_customer()
    intake = Intake(clock)

    async def escalated(who: Customer) -> None:
        ticket = await create_ticket(who, clock, subject="Invoice", description="wrong")
        await triage_ticket(intake, ticket.id)
        await escalate(ADMIN, ticket.id, "the customer is furious", intake, AlertSettings())

    await escalated(customer)
    clock.advance(days=31)  # out of the window
    await escalated(customer)
    await escalated(other)

    async def triaged_priority() -> tuple[Priority, list[str]]:
        ticket = await create_ticket(customer, clock, subject="Invoice", description="again")
        await triage_ticket(intake, ticket.id)
        done = await Ticket.get(id=ticket.id)
        return Priority(done.priority), [r["rule"] for r in done.priority_reasons]

    assert await triaged_priority() == (Priority.MEDIUM, ["default"])
    await escalated(customer)
    assert await triaged_priority() == (Priority.HIGH, ["default", "repeat_escalations"])
