"""Tickets and their messages, with the inputs and payloads of ticket mutations."""

from datetime import datetime

import strawberry
from strawberry import Parent

from domain import models, paging, ticket_reads
from gql import ids
from gql.context import Info
from gql.errors import as_query
from gql.types.common import Node, PageInfo, UserError, page_info
from gql.types.directory import Agent, Category, Customer, Team
from gql.types.enums import (
    Channel,
    Priority,
    RoutingState,
    SenderType,
    SlaStatus,
    SupportTier,
    TicketStatus,
)
from gql.types.fields import global_id, relation, sourced_from, staff, staff_only, team_relation
from gql.types.routing import RoutingDecision
from gql.types.sla import Escalation, TicketSla, escalation, ticket_sla
from gql.types.triage import Triage


@strawberry.type
class Message(Node):
    id: strawberry.ID = global_id("Message")
    sender_type: SenderType
    content: str
    internal: bool
    created_at: datetime
    is_type_of = sourced_from(models.Message)

    @strawberry.field
    async def sender_name(root: Parent[models.Message], info: Info) -> str | None:
        """The agent or customer who wrote it; null for bots, partners and admin tokens."""
        loaders = info.context.loaders
        if root.sender_agent_id is not None:
            agent = await loaders.agent.load(root.sender_agent_id)
            return agent.name if agent else None
        if root.sender_customer_id is not None:
            customer = await loaders.customer.load(root.sender_customer_id)
            return customer.name if customer else None
        return None


@strawberry.type
class MessageEdge:
    cursor: str
    node: Message


@strawberry.type
class MessageConnection:
    edges: list[MessageEdge]
    page_info: PageInfo


@strawberry.type
class Ticket(Node):
    id: strawberry.ID = global_id("Ticket")
    number: int
    subject: str
    description: str
    status: TicketStatus
    priority: Priority
    channel: Channel
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopen_count: int
    customer: Customer = relation("customer", "customer_id")
    assignee: Agent | None = relation("agent", "assignee_id")
    team: Team | None = team_relation("team", "team_id")
    category: Category | None = relation("category", "category_id")
    last_message: Message | None = relation(
        "last_message", "id", "The newest message this viewer may see."
    )
    routing_state: RoutingState | None = staff_only("routing_state")
    support_tier: SupportTier | None = staff_only("support_tier")
    requires_senior: bool | None = staff_only("requires_senior")
    queued_at: datetime | None = staff_only("queued_at")
    triage: Triage | None = relation(
        "triage", "id", "Classifier label, confidence and priority reasons (staff).", staff
    )
    routing_decision: RoutingDecision | None = relation(
        "routing_decision", "id", "Every candidate agent with its score parts (staff).", staff
    )
    is_type_of = sourced_from(models.Ticket)

    @strawberry.field
    async def sla(root: Parent[models.Ticket], info: Info) -> TicketSla | None:
        """Deadlines, statuses and timeline of the SLA (staff)."""
        if not staff(info.context.principal):
            return None
        return await ticket_sla(root, info)

    @strawberry.field
    async def escalations(root: Parent[models.Ticket], info: Info) -> list[Escalation] | None:
        """Every escalation of this ticket, oldest first (staff)."""
        if not staff(info.context.principal):
            return None
        return [escalation(e) for e in await info.context.loaders.escalations.load(root.id)]

    @strawberry.field
    @as_query
    async def messages(
        root: Parent[models.Ticket], info: Info, first: int | None = 50, after: str | None = None
    ) -> MessageConnection:
        principal = info.context.principal
        assert principal is not None  # a ticket is only ever returned to a principal
        after_id = ids.decode_cursor(after)
        page = await ticket_reads.ticket_messages(
            principal, root.id, paging.page_size(first, 50), after_id
        )
        return MessageConnection(
            edges=[MessageEdge(cursor=ids.cursor(m.id), node=m) for m in page.items],  # type: ignore[arg-type]
            page_info=page_info(page.items, page.has_next, after_id),
        )


@strawberry.type
class TicketEdge:
    cursor: str
    node: Ticket


@strawberry.type
class TicketConnection:
    edges: list[TicketEdge]
    page_info: PageInfo


@strawberry.input
class TicketFilter:
    status: TicketStatus | None = None
    priority: Priority | None = None
    category_key: str | None = None
    assignee_id: strawberry.ID | None = None
    team_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    search: str | None = None
    sla_status: SlaStatus | None = strawberry.field(
        default=None,
        description="As the last sweep recorded it (at most one sweep interval behind): "
        "BREACHED or AT_RISK if any target is; WITHIN if none is. Staff only.",
    )


@strawberry.input
class CreateTicketInput:
    subject: str
    description: str
    customer_id: strawberry.ID | None = None
    priority: Priority | None = None
    category_key: str | None = None
    channel: Channel | None = None
    tags: list[str] | None = None


@strawberry.input
class AddMessageInput:
    ticket_id: strawberry.ID
    content: str
    internal: bool = False


@strawberry.input
class ChangeTicketStatusInput:
    ticket_id: strawberry.ID
    status: TicketStatus


@strawberry.input
class AssignTicketInput:
    ticket_id: strawberry.ID
    agent_id: strawberry.ID


@strawberry.input
class UpdateTicketInput:
    ticket_id: strawberry.ID
    priority: Priority | None = None
    category_key: str | None = None
    tags: list[str] | None = None


@strawberry.type
class TicketPayload:
    ticket: Ticket | None
    user_errors: list[UserError]


@strawberry.type
class AddMessagePayload:
    ticket: Ticket | None
    message: Message | None
    user_errors: list[UserError]
