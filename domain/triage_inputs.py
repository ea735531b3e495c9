"""What triage works from: the wiring of a process's intake (``Intake``), and a
locked ticket with the facts about its customer that priority and rules need,
read in the same round trip as the lock."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from domain import routing, sla_terms
from domain.enums import CustomerTier, TicketStatus
from domain.intake_reference import ReferenceCache, TeamInfo
from domain.models import Ticket
from domain.ports import Clock, TextClassifier
from domain.priority import PriorityPolicy
from domain.routing import Outcome, RoutingPolicy, Target
from domain.routing_roster import AgentRoster
from domain.sla_alerts import AlertSettings
from domain.sla_terms import TermsCache
from domain.ticket_writes import TicketWrites
from domain.triage_sql import CUSTOMER_FACTS, LOCKED_TICKET

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
        """One ticket through ``route_many``."""
        return (await self.route_many(conn, [(writes, target)], teams, now, wait=wait))[0]

    async def route_many(
        self,
        conn: BaseDBAsyncClient,
        tickets: Sequence[tuple[TicketWrites, Target]],
        teams: Mapping[int, TeamInfo],
        now: datetime,
        *,
        wait: bool = True,
    ) -> list[Outcome]:
        """``routing.route_many`` with this process's policy and roster."""
        return await routing.route_many(
            conn,
            tickets,
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
