"""Per-request context: who is asking, the clock, and fresh DataLoaders.

Loaders are built per request so one request's cache never serves another
request (or another principal) stale or forbidden rows.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
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
from domain.triage_inputs import Intake
from gql.subscription_groups import Greetings


@dataclass
class Loaders:
    """Each loader is made when first used: a request (or a WebSocket connection, which
    holds a context for its whole life) pays only for the loaders it touches.

    A loader's function never refers back to ``self``: that would be a reference
    cycle, leaving every request's loaders and rows to the garbage collector.
    """

    include_internal: bool
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def customer(self) -> DataLoader[int, Customer | None]:
        return DataLoader(lambda ids: directory.by_ids(Customer, ids))

    @cached_property
    def agent(self) -> DataLoader[int, Agent | None]:
        return DataLoader(lambda ids: directory.by_ids(Agent, ids))

    @cached_property
    def team(self) -> DataLoader[int, Team | None]:
        return DataLoader(lambda ids: directory.by_ids(Team, ids))

    @cached_property
    def category(self) -> DataLoader[int, Category | None]:
        return DataLoader(lambda ids: directory.by_ids(Category, ids))

    @cached_property
    def skills(self) -> DataLoader[int, list[AgentSkill]]:
        return DataLoader(directory.skills_by_agent)

    @cached_property
    def triage(self) -> DataLoader[int, TriageRecord | None]:
        return DataLoader(ticket_reads.triage_records)

    @cached_property
    def routing_decision(self) -> DataLoader[int, RoutingDecision | None]:
        return DataLoader(ticket_reads.routing_decisions)

    @cached_property
    def sla(self) -> DataLoader[int, sla_reads.TicketSla | None]:
        clock = self.clock
        return DataLoader(lambda ids: sla_reads.ticket_slas(ids, clock.now()))

    @cached_property
    def sla_timeline(self) -> DataLoader[int, list[TicketEvent]]:
        return DataLoader(sla_reads.timelines)

    @cached_property
    def escalations(self) -> DataLoader[int, list[Escalation]]:
        return DataLoader(sla_reads.escalations)

    @cached_property
    def last_message(self) -> DataLoader[int, Message | None]:
        include_internal = self.include_internal
        return DataLoader(lambda ids: ticket_reads.last_messages(ids, include_internal))


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
