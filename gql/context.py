"""Per-request context: who is asking, the clock, and fresh DataLoaders.

Loaders are built per request so one request's cache never serves another
request (or another principal) stale or forbidden rows.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection
from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from domain import directory, sla_reads, ticket_reads
from domain.access import Principal
from domain.models import (
    Agent,
    AgentSkill,
    Category,
    Customer,
    Escalation,
    Message,
    RoutingDecision,
    Team,
    TicketEvent,
    TriageRecord,
)
from domain.ports import Clock, EventBus, SystemClock, TriageQueue
from domain.triage import Intake
from gql.subscription_groups import Greetings


@dataclass
class Loaders:
    include_internal: bool
    customer: DataLoader[int, Customer | None] = field(init=False)
    agent: DataLoader[int, Agent | None] = field(init=False)
    team: DataLoader[int, Team | None] = field(init=False)
    category: DataLoader[int, Category | None] = field(init=False)
    skills: DataLoader[int, list[AgentSkill]] = field(init=False)
    last_message: DataLoader[int, Message | None] = field(init=False)
    triage: DataLoader[int, TriageRecord | None] = field(init=False)
    routing_decision: DataLoader[int, RoutingDecision | None] = field(init=False)
    clock: Clock = field(default_factory=SystemClock)
    sla: DataLoader[int, sla_reads.TicketSla | None] = field(init=False)
    sla_timeline: DataLoader[int, list[TicketEvent]] = field(init=False)
    escalations: DataLoader[int, list[Escalation]] = field(init=False)

    def __post_init__(self) -> None:
        self.customer = DataLoader(lambda ids: directory.by_ids(Customer, ids))
        self.agent = DataLoader(lambda ids: directory.by_ids(Agent, ids))
        self.team = DataLoader(lambda ids: directory.by_ids(Team, ids))
        self.category = DataLoader(lambda ids: directory.by_ids(Category, ids))
        self.skills = DataLoader(directory.skills_by_agent)
        self.triage = DataLoader(ticket_reads.triage_records)
        self.routing_decision = DataLoader(ticket_reads.routing_decisions)
        self.sla = DataLoader(lambda ids: sla_reads.ticket_slas(ids, self.clock.now()))
        self.sla_timeline = DataLoader(sla_reads.timelines)
        self.escalations = DataLoader(sla_reads.escalations)
        self.last_message = DataLoader(
            lambda ids: ticket_reads.last_messages(ids, self.include_internal)
        )


@dataclass
class Context:
    request: HTTPConnection
    principal: Principal | None
    clock: Clock
    loaders: Loaders
    intake: Intake
    triage: TriageQueue | None = None
    response: Any = None
    bus: EventBus | None = None
    connection_params: Any = None
    """What a WebSocket client sent in connection_init (its token, for one)."""
    recheck: Callable[[], Awaitable[Principal | None]] | None = None
    """For a WebSocket: the token's principal now (None once revoked), so a long-lived
    subscription follows revocation and team moves."""
    queue_coalesce_seconds: float | None = None
    """How long a queue subscription gathers a burst of events into one update; None:
    ``resolvers.live_queue.COALESCE_SECONDS``."""
    greetings: Greetings | None = None
    """In a shared subscription that begins with a listing (``queueUpdates``): how
    the group asks for a fresh one for members who joined later."""


Info = StrawberryInfo[Context, None]
