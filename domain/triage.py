"""Triage: classify, prioritise and route one new ticket, exactly once.

The whole step is one transaction on the locked ticket, guarded by
``triage_status``: a redelivered task finds DONE and does nothing, and a worker
killed half-way commits nothing, so the redelivery starts from scratch. Round
trips are what intake costs, so the step reads the ticket, its customer and the
reference snapshot, and writes its changes with one UPDATE and one INSERT of
events (``TicketWrites``), plus the triage and routing records.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import classification, routing, routing_rules, sla, sla_alerts, sla_terms
from domain.classification import CategoryChoice
from domain.enums import (
    CategorySource,
    Channel,
    CustomerTier,
    Priority,
    RoutingState,
    SupportTier,
    TicketStatus,
    TriageStatus,
)
from domain.intake_reference import CategoryInfo, Reference, ReferenceCache, TeamInfo
from domain.models import Ticket
from domain.ports import Clock, TextClassifier, TextGuess
from domain.priority import PriorityFacts, PriorityPolicy, decide
from domain.routing import Outcome, RoutingPolicy, Target
from domain.routing_roster import AgentRoster
from domain.sla_alerts import AlertSettings
from domain.sla_sql import UPSERT_CLOCKS
from domain.sla_terms import TermsCache
from domain.ticket_writes import TicketWrites, flush_all
from domain.triage_sql import CUSTOMER_FACTS, LOCKED_TICKET, LOCKED_TICKETS, UPSERT_TRIAGE

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
    reference_seconds: float = 0.0
    alerts: AlertSettings = field(default_factory=AlertSettings)
    sla_terms: TermsCache = field(default_factory=lambda: sla_terms.SHARED)
    reference: ReferenceCache = field(init=False)
    roster: AgentRoster = field(default_factory=AgentRoster)

    def __post_init__(self) -> None:
        self.reference = ReferenceCache(self.reference_seconds)

    async def route(
        self,
        conn: BaseDBAsyncClient,
        writes: TicketWrites,
        target: Target,
        teams: Mapping[int, TeamInfo],
        now: datetime,
        *,
        wait: bool = True,
    ) -> Outcome:
        """``routing.route`` with this process's policy and roster."""
        return await routing.route(
            conn,
            writes,
            target,
            policy=self.routing,
            roster=self.roster,
            teams=teams,
            now=now,
            wait=wait,
        )


@dataclass(frozen=True)
class CustomerFacts:
    tier: CustomerTier
    vip: bool
    recent_escalations: int
    sla_clocks: Any = None
    """The ticket's SLA clocks (JSON), read with the ticket's lock."""


def ticket_text(ticket: Ticket) -> str:
    return f"{ticket.subject}\n{ticket.description}"


async def customer_facts(conn: BaseDBAsyncClient, customer_id: int, now: datetime) -> CustomerFacts:
    _, rows = await conn.execute_query(CUSTOMER_FACTS, [customer_id, now - ESCALATION_WINDOW])
    row = rows[0]
    return CustomerFacts(CustomerTier(row["tier"]), row["vip"], int(row["escalations"]))


async def locked_ticket(
    conn: BaseDBAsyncClient, ticket_id: int, now: datetime
) -> tuple[Ticket, CustomerFacts] | None:
    """One round trip: lock the ticket and read its customer's facts."""
    _, rows = await conn.execute_query(LOCKED_TICKET, [ticket_id, now - ESCALATION_WINDOW])
    return _ticket_and_facts(dict(rows[0])) if rows else None


def _ticket_and_facts(row: dict[str, Any]) -> tuple[Ticket, CustomerFacts]:
    who = CustomerFacts(
        CustomerTier(row.pop("customer_tier_")),
        row.pop("customer_vip_"),
        int(row.pop("escalations_")),
        row.pop("sla_clocks_", None),
    )
    return Ticket._init_from_db(**row), who


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


def _plan(
    writes: TicketWrites, who: CustomerFacts, category: CategoryInfo | None, ref: Reference
) -> tuple[Target, routing_rules.Plan]:
    """Run the routing rules, then fill what they left open from the category and team."""
    ticket = writes.ticket
    facts = routing_rules.Facts(
        category_key=category.key if category else None,
        priority=Priority(ticket.priority),
        priority_locked=ticket.priority_set_by_agent,
        customer_tier=who.tier,
        vip=who.vip,
        channel=Channel(ticket.channel),
        tags=tuple(ticket.tags),
        text=ticket_text(ticket),
    )
    plan = routing_rules.evaluate(ref.rules, facts)
    if plan.priority is not None and plan.priority != ticket.priority:
        detail = "routing rule " + ", ".join(name for _, name in plan.applied)
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


async def route_ticket(
    conn: BaseDBAsyncClient,
    writes: TicketWrites,
    intake: Intake,
    now: datetime,
    known: tuple[Reference, CustomerFacts] | None = None,
    *,
    wait: bool = True,
) -> tuple[routing_rules.Plan, routing.Outcome | None]:
    """Apply the rules and, if nobody has the locked ticket yet, route it."""
    ticket = writes.ticket
    if known is None:
        known = (
            await intake.reference.get(conn, ticket.category_id),
            await customer_facts(conn, ticket.customer_id, now),
        )
    ref, who = known
    category = ref.categories.get(ticket.category_id) if ticket.category_id else None
    target, plan = _plan(writes, who, category, ref)
    if ticket.assignee_id is not None or TicketStatus(ticket.status) not in ACTIVE:
        return plan, None
    if category is None:
        reason = "The classifier was not confident enough; a human must pick the category."
        return plan, routing.hold_for_triage(writes, reason, policy=intake.routing, now=now)
    outcome = await intake.route(conn, writes, target, ref.teams, now, wait=wait)
    return plan, outcome


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
    writes.write_also(
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
        writes.write_also(UPSERT_CLOCKS, [ticket.id, sla.clocks_json(changed), now])
    for kind, data in timeline:
        writes.event(kind, **data)


async def _triage_locked(
    conn: BaseDBAsyncClient,
    intake: Intake,
    found: tuple[Ticket, CustomerFacts],
    now: datetime,
    wait: bool,
) -> tuple[TicketWrites, routing.Outcome | None]:
    """Everything triage decides for one locked ticket; the caller flushes the writes."""
    ticket, who = found
    writes = TicketWrites(ticket)
    ref = await intake.reference.get(conn, ticket.category_id)
    choice = _apply_category(writes, intake, ref)
    _prioritise(writes, intake, who)
    writes.set(triage_status=TriageStatus.DONE)
    plan, outcome = await route_ticket(conn, writes, intake, now, (ref, who), wait=wait)
    await _follow_sla(conn, writes, intake, who, now)
    applied = [{"id": rid, "name": name} for rid, name in plan.applied]
    _save_record(writes, choice, intake, applied=applied, now=now)
    writes.event(
        "ticket.triaged",
        category=choice.key,
        confidence=choice.confidence,
        source=choice.source.value if choice.source else None,
        priority=ticket.priority,
    )
    return writes, outcome


async def triage_ticket(intake: Intake, ticket_id: int) -> bool:
    """Classify, prioritise and route; False when there was nothing to do."""
    now = intake.clock.now()
    async with in_transaction() as conn:
        found = await locked_ticket(conn, ticket_id, now)
        if found is None or found[0].triage_status == TriageStatus.DONE:
            return False
        writes, _ = await _triage_locked(conn, intake, found, now, wait=True)
        await writes.flush(conn, None, now)
        why = sla_alerts.management_alert(found[0], vip=found[1].vip)
        if why is not None:
            await sla_alerts.tell_leads(conn, intake.alerts, [(found[0], why)], now)
    return True


async def triage_many(intake: Intake, ticket_ids: list[int]) -> set[int]:
    """Triage several tickets in one transaction: one lock, one flush, one commit.

    Reservations never wait here (this transaction may hold other agents' rows,
    so waiting could deadlock with another batch); a ticket queued because every
    listed agent was held is routed again on its own after the commit. Returns
    the ids it triaged (the others were done already or gone).
    """
    now = intake.clock.now()
    done: set[int] = set()
    held: list[int] = []
    async with in_transaction() as conn:
        _, rows = await conn.execute_query(
            LOCKED_TICKETS, [sorted(set(ticket_ids)), now - ESCALATION_WINDOW]
        )
        all_writes = []
        flagged: list[tuple[Ticket, str]] = []
        for row in rows:
            found = _ticket_and_facts(dict(row))
            if found[0].triage_status == TriageStatus.DONE:
                continue
            writes, outcome = await _triage_locked(conn, intake, found, now, wait=False)
            all_writes.append(writes)
            done.add(found[0].id)
            if outcome is not None and outcome.held:
                held.append(found[0].id)
            why = sla_alerts.management_alert(found[0], vip=found[1].vip)
            if why is not None:
                flagged.append((found[0], why))
        await flush_all(conn, all_writes, None, now)
        if flagged:
            await sla_alerts.tell_leads(conn, intake.alerts, flagged, now)
    for ticket_id in held:
        await route_again(intake, ticket_id)
    return done


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
