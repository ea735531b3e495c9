"""Triage: classify, prioritise and route one new ticket, exactly once.

The whole step is one transaction on the locked ticket, guarded by
``triage_status``: a redelivered task finds DONE and does nothing, and a worker
killed half-way commits nothing, so the redelivery starts from scratch.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import classification, routing, routing_rules
from domain.access import Principal
from domain.classification import CategoryChoice
from domain.enums import (
    CategorySource,
    Channel,
    CustomerTier,
    Priority,
    SupportTier,
    TicketStatus,
    TriageStatus,
)
from domain.events import record
from domain.models import Category, Customer, RoutingRule, Team, Ticket, TriageRecord
from domain.ports import Clock, TextClassifier, TextGuess
from domain.priority import PriorityFacts, PriorityPolicy, decide
from domain.routing import RoutingPolicy, Target

ACTIVE = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER)
ESCALATION_WINDOW = timedelta(days=30)


@dataclass
class Intake:
    """Everything triage needs, wired by the composition root (API, worker or test)."""

    clock: Clock
    category_model: Callable[[], TextClassifier | None] = lambda: None
    severity_model: Callable[[], TextClassifier | None] = lambda: None
    confidence_threshold: float = 0.5
    priority: PriorityPolicy = field(default_factory=PriorityPolicy)
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)


def ticket_text(ticket: Ticket) -> str:
    return f"{ticket.subject}\n{ticket.description}"


def _classify(intake: Intake, text: str, categories: list[Category]) -> CategoryChoice:
    keys = {c.key for c in categories}
    model = intake.category_model()
    if model is not None:
        guess = model.classify([text])[0]
        return classification.choose(
            guess, CategorySource.MODEL, keys, intake.confidence_threshold, model.version
        )
    keywords = {c.key: c.keywords for c in categories if c.keywords}
    found = classification.keyword_guess(text, keywords)
    return classification.choose(found, CategorySource.KEYWORDS, keys, intake.confidence_threshold)


def _severity(intake: Intake, text: str) -> TextGuess | None:
    model = intake.severity_model()
    return model.classify([text])[0] if model is not None else None


async def _recent_escalations(conn: BaseDBAsyncClient, customer_id: int, now: datetime) -> int:
    _, rows = await conn.execute_query(
        "SELECT count(*) AS n FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id "
        "WHERE t.customer_id = $1 AND e.kind = 'ticket.escalated' AND e.created_at > $2",
        [customer_id, now - ESCALATION_WINDOW],
    )
    return int(rows[0]["n"])


async def _rules(conn: BaseDBAsyncClient) -> list[routing_rules.Rule]:
    rows = await RoutingRule.filter(enabled=True).order_by("position", "id").using_db(conn)
    keys = {c.key for c in await Category.all().using_db(conn)}
    teams = [t.id for t in await Team.all().using_db(conn)]
    return [
        routing_rules.Rule(
            r.id,
            r.name,
            routing_rules.parse_conditions(r.conditions, keys),
            routing_rules.parse_actions(r.actions, teams),
            r.stop_processing,
        )
        for r in rows
    ]


def facts_for(ticket: Ticket, customer: Customer, key: str | None) -> routing_rules.Facts:
    return routing_rules.Facts(
        category_key=key,
        priority=Priority(ticket.priority),
        priority_locked=ticket.priority_set_by_agent,
        customer_tier=CustomerTier(customer.tier),
        vip=customer.vip,
        channel=Channel(ticket.channel),
        tags=tuple(ticket.tags),
        text=ticket_text(ticket),
    )


async def target_for(
    conn: BaseDBAsyncClient, ticket: Ticket, customer: Customer, category: Category | None
) -> tuple[Target, routing_rules.Plan]:
    """Run the routing rules, then fill what they left open from the category and team."""
    plan = routing_rules.evaluate(
        await _rules(conn), facts_for(ticket, customer, category.key if category else None)
    )
    if plan.priority is not None and plan.priority != ticket.priority:
        ticket.priority = plan.priority
        detail = "routing rule " + ", ".join(name for _, name in plan.applied)
        reason = {"rule": "routing_rule", "detail": detail, "effect": plan.priority.value}
        ticket.priority_reasons = [*ticket.priority_reasons, reason]
    if plan.tags:
        ticket.tags = list(dict.fromkeys([*ticket.tags, *plan.tags]))
    team_id = plan.team_id or (category.default_team_id if category else None)
    team = await Team.filter(id=team_id).using_db(conn).first() if team_id else None
    tier = plan.support_tier or (SupportTier(team.tier) if team else SupportTier.L1)
    target = Target(
        team_id=team.id if team else None,
        category_id=category.id if category else None,
        support_tier=tier,
        requires_senior=plan.requires_senior,
    )
    return target, plan


async def route_ticket(
    conn: BaseDBAsyncClient,
    ticket: Ticket,
    intake: Intake,
    now: datetime,
    actor: Principal | None = None,
) -> tuple[routing.Outcome | None, routing_rules.Plan]:
    """Route a locked, unassigned, active ticket by its current category."""
    customer = await Customer.filter(id=ticket.customer_id).using_db(conn).get()
    category = (
        await Category.filter(id=ticket.category_id).using_db(conn).first()
        if ticket.category_id
        else None
    )
    target, plan = await target_for(conn, ticket, customer, category)
    if ticket.assignee_id is not None or TicketStatus(ticket.status) not in ACTIVE:
        await ticket.save(using_db=conn, update_fields=["priority", "priority_reasons", "tags"])
        return None, plan
    if category is None:
        reason = "The classifier was not confident enough; a human must pick the category."
        outcome = await routing.hold_for_triage(
            conn, ticket, reason, policy=intake.routing, now=now, actor=actor
        )
        await ticket.save(using_db=conn, update_fields=["priority", "priority_reasons", "tags"])
        return outcome, plan
    outcome = await routing.route(conn, ticket, target, policy=intake.routing, now=now, actor=actor)
    await ticket.save(using_db=conn, update_fields=["priority", "priority_reasons", "tags"])
    return outcome, plan


def _keep_category(ticket: Ticket) -> bool:
    """A category a customer picked or an agent set is not second-guessed by a model."""
    return ticket.category_id is not None and ticket.category_source in (
        CategorySource.SUBMITTED,
        CategorySource.AGENT,
    )


async def _apply_category(
    conn: BaseDBAsyncClient, ticket: Ticket, intake: Intake, text: str
) -> CategoryChoice:
    categories = await Category.all().using_db(conn)
    if _keep_category(ticket):
        current = next((c for c in categories if c.id == ticket.category_id), None)
        key = current.key if current else None
        source = CategorySource(ticket.category_source) if ticket.category_source else None
        return CategoryChoice(key, ticket.category_confidence, source, key, None)
    choice = _classify(intake, text, categories)
    chosen = next((c for c in categories if c.key == choice.key), None)
    ticket.category_id = chosen.id if chosen else None
    ticket.category_source = choice.source  # type: ignore[assignment]  # nullable column; stubs say non-null
    ticket.category_confidence = choice.confidence
    return choice


async def _save_record(
    conn: BaseDBAsyncClient,
    ticket: Ticket,
    choice: CategoryChoice,
    intake: Intake,
    *,
    applied: list[dict[str, Any]],
    now: datetime,
) -> None:
    values = {
        "label": choice.label,
        "confidence": choice.confidence,
        "source": choice.source.value if choice.source else "NONE",
        "model_version": choice.model_version,
        "threshold": intake.confidence_threshold,
        "priority": ticket.priority,
        "priority_reasons": ticket.priority_reasons,
        "applied_rules": applied,
        "triaged_at": now,
    }
    existing = await TriageRecord.filter(ticket_id=ticket.id).using_db(conn).first()
    if existing is None:
        await TriageRecord.create(ticket_id=ticket.id, using_db=conn, **values)
    else:
        await (
            TriageRecord.filter(ticket_id=ticket.id)
            .using_db(conn)
            .update(runs=existing.runs + 1, **values)
        )


async def triage_ticket(intake: Intake, ticket_id: int) -> bool:
    """Classify, prioritise and route; False when there was nothing to do."""
    now = intake.clock.now()
    async with in_transaction() as conn:
        ticket = await Ticket.filter(id=ticket_id).select_for_update().using_db(conn).first()
        if ticket is None or ticket.triage_status == TriageStatus.DONE:
            return False
        text = ticket_text(ticket)
        choice = await _apply_category(conn, ticket, intake, text)
        if not ticket.priority_set_by_agent:
            customer = await Customer.filter(id=ticket.customer_id).using_db(conn).get()
            result = decide(
                PriorityFacts(
                    text=text,
                    customer_tier=CustomerTier(customer.tier),
                    vip=customer.vip,
                    recent_escalations=await _recent_escalations(conn, customer.id, now),
                    severity=_severity(intake, text),
                ),
                intake.priority,
            )
            ticket.priority = result.priority
            ticket.priority_reasons = [r.as_dict() for r in result.reasons]
        else:
            ticket.priority_reasons = [
                {"rule": "set_by_agent", "detail": "an agent set it", "effect": ticket.priority}
            ]
        ticket.triage_status = TriageStatus.DONE
        await ticket.save(
            using_db=conn,
            update_fields=[
                "category_id",
                "category_source",
                "category_confidence",
                "priority",
                "priority_reasons",
                "triage_status",
            ],
        )
        _, plan = await route_ticket(conn, ticket, intake, now)
        applied = [{"id": rid, "name": name} for rid, name in plan.applied]
        await _save_record(conn, ticket, choice, intake, applied=applied, now=now)
        await record(
            conn,
            ticket.id,
            ("ticket.triaged",),
            None,
            now,
            data={
                "category": choice.key,
                "confidence": choice.confidence,
                "source": choice.source.value if choice.source else None,
                "priority": ticket.priority,
            },
        )
    return True
