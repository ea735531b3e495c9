"""Triage: classify, prioritise and route one new ticket, exactly once.

The whole step is one transaction on the locked ticket, guarded by
``triage_status``: a redelivered task finds DONE and does nothing, and a worker
killed half-way commits nothing, so the redelivery starts from scratch. Round
trips are what intake costs, so the step reads the ticket, its customer and the
reference snapshot, and writes its changes with one UPDATE and one INSERT of
events (``TicketWrites``), plus the triage and routing records.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import classification, intake_reference, routing, routing_rules, sla, sla_alerts
from domain.classification import CategoryChoice
from domain.enums import (
    CategorySource,
    Channel,
    Priority,
    RoutingState,
    SupportTier,
    TicketStatus,
    TriageStatus,
)
from domain.intake_reference import CategoryInfo, Reference
from domain.models import Ticket
from domain.ports import TextGuess
from domain.priority import PriorityFacts, decide
from domain.routing import Outcome, Target
from domain.sla_sql import UPSERT_CLOCKS
from domain.ticket_writes import TicketWrites, flush_all
from domain.triage_inputs import (
    ACTIVE,
    ESCALATION_WINDOW,
    CustomerFacts,
    Intake,
    _ticket_and_facts,
    customer_facts,
    locked_ticket,
    ticket_text,
)
from domain.triage_sql import LOCKED_TICKETS, UPSERT_TRIAGE


def _classify(intake: Intake, text: str, ref: Reference) -> CategoryChoice:
    keys = {c.key for c in ref.categories.values()}
    model = intake.category_model()
    if model is not None:
        guess = model.classify([text])[0]
        return classification.choose(
            guess, CategorySource.MODEL, keys, intake.confidence_threshold, model.version
        )
    found = classification.keyword_guess(text, ref.keywords())
    return classification.choose(found, CategorySource.KEYWORDS, keys, intake.confidence_threshold)


def _severity(intake: Intake, text: str) -> TextGuess | None:
    model = intake.severity_model()
    return model.classify([text])[0] if model is not None else None


def _facts(
    ticket: Ticket, who: CustomerFacts, category: CategoryInfo | None
) -> routing_rules.Facts:
    return routing_rules.Facts(
        category_key=category.key if category else None,
        priority=Priority(ticket.priority),
        priority_locked=ticket.priority_set_by_agent,
        customer_tier=who.tier,
        vip=who.vip,
        channel=Channel(ticket.channel),
        tags=tuple(ticket.tags),
        text=ticket_text(ticket),
    )


def _plan(
    writes: TicketWrites, who: CustomerFacts, category: CategoryInfo | None, ref: Reference
) -> tuple[Target, routing_rules.Plan]:
    """Run the routing rules, then fill what they left open from the category and team."""
    ticket = writes.ticket
    plan = routing_rules.evaluate(ref.rules, _facts(ticket, who, category))
    if plan.priority is not None and plan.priority != ticket.priority:
        detail = f"routing rule {plan.priority_rule}"
        reason = {"rule": "routing_rule", "detail": detail, "effect": plan.priority.value}
        writes.set(priority=plan.priority, priority_reasons=[*ticket.priority_reasons, reason])
    if plan.tags:
        writes.set(tags=list(dict.fromkeys([*ticket.tags, *plan.tags])))
    team_id = plan.team_id or (category.default_team_id if category else None)
    team = ref.teams.get(team_id) if team_id else None
    target = Target(
        team_id=team.id if team else None,
        category_id=category.id if category else None,
        support_tier=plan.support_tier or (team.tier if team else SupportTier.L1),
        requires_senior=plan.requires_senior,
    )
    return target, plan


async def stricter_requirements(
    conn: BaseDBAsyncClient, ticket: Ticket, now: datetime
) -> dict[str, Any]:
    """What the routing rules now ask of a queued ticket whose priority or tags an agent
    changed: a higher support tier or a senior agent (``ticket`` field -> value).

    Only ever stricter, and the team stays: an escalation or a widening the ticket went
    through stands, and triage is not run again (it would place the ticket afresh).
    """
    ref = await intake_reference.read(conn)
    who = await customer_facts(conn, ticket.customer_id, now)
    category = ref.categories.get(ticket.category_id) if ticket.category_id else None
    plan = routing_rules.evaluate(ref.rules, _facts(ticket, who, category))
    stricter: dict[str, Any] = {}
    if plan.support_tier is not None and plan.support_tier > SupportTier(ticket.support_tier):
        stricter["support_tier"] = plan.support_tier
    if plan.requires_senior and not ticket.requires_senior:
        stricter["requires_senior"] = True
    return stricter


NOT_CONFIDENT = "The classifier was not confident enough; a human must pick the category."


def _goal(
    writes: TicketWrites, ref: Reference, who: CustomerFacts
) -> tuple[routing_rules.Plan, Target | None]:
    """Apply the rules; where routing must place the ticket (None: nobody need)."""
    ticket = writes.ticket
    category = ref.categories.get(ticket.category_id) if ticket.category_id else None
    target, plan = _plan(writes, who, category, ref)
    if ticket.assignee_id is not None or TicketStatus(ticket.status) not in ACTIVE:
        return plan, None
    return plan, target


async def _route_all(
    conn: BaseDBAsyncClient,
    intake: Intake,
    goals: Sequence[tuple[TicketWrites, Target]],
    ref: Reference,
    now: datetime,
    *,
    wait: bool,
) -> list[Outcome]:
    """Route the tickets in order; one without a category waits for a human."""
    outcomes: dict[int, Outcome] = {}
    routable = [n for n, (_, target) in enumerate(goals) if target.category_id is not None]
    for n, (writes, target) in enumerate(goals):
        if target.category_id is None:
            hold = routing.hold_for_triage(writes, NOT_CONFIDENT, policy=intake.routing, now=now)
            outcomes[n] = hold
    routed = await intake.route_many(conn, [goals[n] for n in routable], ref.teams, now, wait=wait)
    outcomes.update(zip(routable, routed, strict=True))
    return [outcomes[n] for n in range(len(goals))]


async def route_ticket(
    conn: BaseDBAsyncClient, writes: TicketWrites, intake: Intake, now: datetime
) -> None:
    """Apply the rules and, if nobody has the locked ticket yet, route it."""
    ticket = writes.ticket
    ref = await intake.reference.get(conn, ticket.category_id)
    _, target = _goal(writes, ref, await customer_facts(conn, ticket.customer_id, now))
    if target is not None:
        await _route_all(conn, intake, [(writes, target)], ref, now, wait=True)


def _apply_category(writes: TicketWrites, intake: Intake, ref: Reference) -> CategoryChoice:
    """A category a customer picked or an agent set is not second-guessed by a model."""
    ticket = writes.ticket
    kept = ref.categories.get(ticket.category_id) if ticket.category_id else None
    if kept is not None and ticket.category_source in (
        CategorySource.SUBMITTED,
        CategorySource.AGENT,
    ):
        source = CategorySource(ticket.category_source)
        return CategoryChoice(kept.key, ticket.category_confidence, source, kept.key, None)
    choice = _classify(intake, ticket_text(ticket), ref)
    chosen = ref.by_key(choice.key)
    writes.set(
        category_id=chosen.id if chosen else None,
        category_source=choice.source,
        category_confidence=choice.confidence,
    )
    return choice


def _prioritise(writes: TicketWrites, intake: Intake, who: CustomerFacts) -> None:
    ticket = writes.ticket
    if ticket.priority_set_by_agent:
        reason = {"rule": "set_by_agent", "detail": "an agent set it", "effect": ticket.priority}
        writes.set(priority_reasons=[reason])
        return
    text = ticket_text(ticket)
    result = decide(
        PriorityFacts(text, who.tier, who.vip, who.recent_escalations, _severity(intake, text)),
        intake.priority,
    )
    writes.set(priority=result.priority, priority_reasons=[r.as_dict() for r in result.reasons])


def _save_record(
    writes: TicketWrites,
    choice: CategoryChoice,
    intake: Intake,
    *,
    applied: list[dict[str, Any]],
    now: datetime,
) -> None:
    ticket = writes.ticket
    writes.write_row(
        UPSERT_TRIAGE,
        [
            ticket.id,
            choice.label,
            choice.confidence,
            choice.source.value if choice.source else "NONE",
            choice.model_version,
            intake.confidence_threshold,
            ticket.priority,
            orjson.dumps(ticket.priority_reasons).decode(),
            orjson.dumps(applied).decode(),
            now,
        ],
    )


async def _follow_sla(
    conn: BaseDBAsyncClient,
    writes: TicketWrites,
    intake: Intake,
    who: CustomerFacts,
    now: datetime,
) -> None:
    """Start (or, on a re-triage, re-plan) the SLA clocks for the priority just set."""
    ticket = writes.ticket
    facts = sla.TicketFacts(
        Priority(ticket.priority),
        who.tier,
        TicketStatus(ticket.status),
        ticket.created_at,
        ticket.first_response_at,
    )
    terms = await intake.sla_terms.get(conn)
    existing = sla.existing_from_json(who.sla_clocks)
    changed, timeline = sla.reconcile(existing, facts, terms, now, "triaged")
    if changed:
        writes.write_row(UPSERT_CLOCKS, [ticket.id, sla.clocks_json(changed), now])
    for kind, data in timeline:
        writes.event(kind, **data)


@dataclass
class _Draft:
    """One locked ticket's triage; routing runs for the whole batch in between."""

    writes: TicketWrites
    who: CustomerFacts
    choice: CategoryChoice
    plan: routing_rules.Plan
    target: Target | None
    outcome: Outcome | None = None


async def _decide(
    conn: BaseDBAsyncClient, intake: Intake, found: tuple[Ticket, CustomerFacts]
) -> tuple[_Draft, Reference]:
    """Classify, prioritise and apply the rules to one locked ticket."""
    ticket, who = found
    writes = TicketWrites(ticket)
    ref = await intake.reference.get(conn, ticket.category_id)
    choice = _apply_category(writes, intake, ref)
    _prioritise(writes, intake, who)
    writes.set(triage_status=TriageStatus.DONE)
    plan, target = _goal(writes, ref, who)
    return _Draft(writes, who, choice, plan, target), ref


async def _conclude(conn: BaseDBAsyncClient, intake: Intake, draft: _Draft, now: datetime) -> None:
    """After routing: the SLA clocks, the triage record and its event."""
    writes, choice = draft.writes, draft.choice
    await _follow_sla(conn, writes, intake, draft.who, now)
    applied = [{"id": rid, "name": name} for rid, name in draft.plan.applied]
    _save_record(writes, choice, intake, applied=applied, now=now)
    writes.event(
        "ticket.triaged",
        category=choice.key,
        confidence=choice.confidence,
        source=choice.source.value if choice.source else None,
        priority=writes.ticket.priority,
    )


async def _triage_locked(
    conn: BaseDBAsyncClient,
    intake: Intake,
    found: list[tuple[Ticket, CustomerFacts]],
    now: datetime,
    *,
    wait: bool,
) -> list[_Draft]:
    """Everything triage decides for the locked tickets; the caller flushes the writes.

    Routing runs once for all of them (one roster refresh, one pick statement):
    a round trip inside the batch's transaction keeps its locks held longer.
    """
    drafts: list[_Draft] = []
    ref: Reference | None = None
    for one in found:
        draft, ref = await _decide(conn, intake, one)
        drafts.append(draft)
    routed = [d for d in drafts if d.target is not None]
    if routed and ref is not None:
        goals = [(d.writes, d.target) for d in routed if d.target is not None]
        outcomes = await _route_all(conn, intake, goals, ref, now, wait=wait)
        for draft, outcome in zip(routed, outcomes, strict=True):
            draft.outcome = outcome
    for draft in drafts:
        await _conclude(conn, intake, draft, now)
    return drafts


async def triage_ticket(intake: Intake, ticket_id: int) -> bool:
    """Classify, prioritise and route; False when there was nothing to do."""
    now = intake.clock.now()
    async with in_transaction() as conn:
        found = await locked_ticket(conn, ticket_id, now)
        if found is None or found[0].triage_status == TriageStatus.DONE:
            return False
        (draft,) = await _triage_locked(conn, intake, [found], now, wait=True)
        await draft.writes.flush(conn, None, now)
        why = sla_alerts.management_alert(found[0], vip=found[1].vip)
        if why is not None:
            await sla_alerts.tell_leads(conn, intake.alerts, [(found[0], why)], now)
    return True


async def triage_many(intake: Intake, ticket_ids: list[int]) -> set[int]:
    """Triage several tickets in one transaction: one lock, one pick, one flush, one commit.

    Reservations never wait here (this transaction may hold other agents' rows,
    so waiting could deadlock with another batch); a ticket queued because every
    listed agent was held is routed again on its own after the commit. Returns
    the ids it triaged (the others were done already or gone).
    """
    now = intake.clock.now()
    async with in_transaction() as conn:
        _, rows = await conn.execute_query(
            LOCKED_TICKETS, [sorted(set(ticket_ids)), now - ESCALATION_WINDOW]
        )
        found = [_ticket_and_facts(dict(row)) for row in rows]
        found = [f for f in found if f[0].triage_status != TriageStatus.DONE]
        drafts = await _triage_locked(conn, intake, found, now, wait=False)
        await flush_all(conn, [d.writes for d in drafts], None, now)
        flagged = [
            (ticket, why)
            for ticket, who in found
            if (why := sla_alerts.management_alert(ticket, vip=who.vip)) is not None
        ]
        if flagged:
            await sla_alerts.tell_leads(conn, intake.alerts, flagged, now)
    for draft in drafts:
        if draft.outcome is not None and draft.outcome.held:
            await route_again(intake, draft.writes.ticket.id)
    return {ticket.id for ticket, _ in found}


async def route_again(intake: Intake, ticket_id: int) -> None:
    """Route a triaged ticket still waiting in its queue, waiting for held agents."""
    now = intake.clock.now()
    async with in_transaction() as conn:
        found = await locked_ticket(conn, ticket_id, now)
        if found is None or found[0].routing_state != RoutingState.QUEUED:
            return
        writes = TicketWrites(found[0])
        await route_ticket(conn, writes, intake, now)
        await writes.flush(conn, None, now)
