"""Ticket commands: create, reply, change status, assign, update.

Each command checks permission, validates every input before touching the
database, then writes the change and its events in one transaction, with the
ticket row locked so concurrent commands serialise instead of overwriting.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import (
    access,
    capacity,
    corrections,
    lifecycle,
    queues,
    routing,
    sla,
    text_rules,
    ticket_creation,
)
from domain.access import Principal
from domain.enums import (
    CategorySource,
    Channel,
    Priority,
    Role,
    RoutingState,
    SenderType,
    TicketStatus,
    TriageStatus,
)
from domain.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from domain.events import record
from domain.models import Agent, Category, Message, Ticket
from domain.ports import Clock, TriageQueue
from domain.triage import stricter_requirements

ACTIVE = capacity.ACTIVE
log = logging.getLogger("frontdesk.tickets")


@dataclass(frozen=True)
class NewTicket:
    subject: str
    description: str
    customer_id: int | None = None
    priority: Priority | None = None
    category_key: str | None = None
    channel: Channel = Channel.API
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TicketUpdate:
    priority: Priority | None = None
    category_key: str | None = None
    tags: list[str] | None = None


async def _category(key: str | None, field_name: str = "categoryKey") -> Category | None:
    if key is None:
        return None
    category = await Category.get_or_none(key=text_rules.category_key(key, field_name))
    if category is None:
        raise InvalidInput(f"There is no category {key!r}.", field=field_name)
    return category


def _customer_for(p: Principal, customer_id: int | None) -> int:
    """Whose ticket it is; that the customer exists is checked as the ticket is written."""
    if p.role == Role.CUSTOMER:
        if customer_id is not None and customer_id != p.customer_id:
            raise NotFound("No such customer.", field="customerId")
        assert p.customer_id is not None
        return p.customer_id
    if customer_id is None:
        raise InvalidInput("customerId is required when staff create a ticket.", field="customerId")
    return customer_id


async def create_ticket(
    p: Principal, data: NewTicket, clock: Clock, triage: TriageQueue | None = None
) -> Ticket:
    """Commit the ticket, then hand it to triage and return at once.

    Tickets created at the same time are written together (``ticket_creation``).
    If handing over fails (broker down) the ticket is still saved with triage
    PENDING, and the scheduled intake sweep hands it over again.
    """
    if p.role == Role.PARTNER and data.customer_id is None:
        raise InvalidInput("Partners must name the customer (customerId).", field="customerId")
    subject = text_rules.subject(data.subject)
    description = text_rules.body(data.description, "description", "Description")
    tags = text_rules.tags(data.tags)
    if data.priority is not None and p.role == Role.CUSTOMER:
        raise InvalidInput("Customers cannot set the priority; support sets it.", field="priority")
    if data.priority is not None and not p.is_staff:
        # a priority given is kept as support's choice over triage's rules: not a partner's
        raise InvalidInput(
            "Only support staff set a priority; triage sets it otherwise.", field="priority"
        )
    customer_id = _customer_for(p, data.customer_id)
    category = await _category(data.category_key)
    row = ticket_creation.TicketRow(
        customer_id=customer_id,
        subject=subject,
        description=description,
        priority=(data.priority or Priority.MEDIUM).value,
        priority_set_by_agent=data.priority is not None,
        category_id=category.id if category else None,
        category_source=CategorySource.SUBMITTED.value if category else None,
        channel=data.channel.value,
        tags=ticket_creation.tags_json(tags),
        team_id=category.default_team_id if category else p.team_id,
        created_at=clock.now(),
        actor_role=p.role.value,
        actor_id=p.agent_id or p.customer_id,
        actor_token_id=p.token_id or None,
        client_id=p.client_id,
    )
    return await ticket_creation.write(row, triage)


async def locked_visible(conn: BaseDBAsyncClient, p: Principal, ticket_id: int) -> Ticket:
    ticket = await Ticket.filter(id=ticket_id).select_for_update().using_db(conn).first()
    if ticket is None or not access.can_see_ticket(
        p, ticket.customer_id, ticket.team_id, ticket.assignee_id
    ):
        raise NotFound("No such ticket.", field="ticketId")
    return ticket


def _state(t: Ticket) -> lifecycle.LifecycleState:
    return lifecycle.LifecycleState(
        status=TicketStatus(t.status),
        has_assignee=t.assignee_id is not None,
        reopen_count=t.reopen_count,
        first_response_at=t.first_response_at,
        resolved_at=t.resolved_at,
        closed_at=t.closed_at,
    )


def _apply(t: Ticket, s: lifecycle.LifecycleState, now: datetime) -> list[str]:
    t.status = s.status
    t.reopen_count = s.reopen_count
    t.first_response_at = s.first_response_at
    t.resolved_at = s.resolved_at
    t.closed_at = s.closed_at
    t.updated_at = now
    return ["status", "reopen_count", "first_response_at", "resolved_at", "closed_at", "updated_at"]


async def _capacity_follows_status(
    conn: BaseDBAsyncClient, t: Ticket, before: TicketStatus, now: datetime
) -> list[str]:
    """Keep the assignee's count in step with the ticket; return extra event kinds.

    A ticket coming back to life (reopened, or a customer replied to a solved
    one) goes back to its agent only if they are available and have room;
    otherwise it is reopened unassigned, for routing to pick up.
    """
    after = TicketStatus(t.status)
    if t.assignee_id is None or (before in ACTIVE) == (after in ACTIVE):
        return []
    if after not in ACTIVE:
        if after == TicketStatus.RESOLVED:
            await routing.record_handle_time(conn, t, t.assignee_id, now)
        await capacity.release(conn, t.assignee_id)
        await queues.fill_agent(conn, t.assignee_id, now)
        return []
    if await capacity.reserve(conn, t.assignee_id):
        return []
    t.assignee_id = None
    if t.status == TicketStatus.IN_PROGRESS:
        t.status = TicketStatus.OPEN
    t.routing_state = RoutingState.QUEUED
    t.queued_at = now
    t.updated_at = now
    await t.save(
        using_db=conn,
        update_fields=["assignee_id", "status", "routing_state", "queued_at", "updated_at"],
    )
    return ["ticket.unassigned"]


def _message_cause(sender: SenderType, internal: bool) -> str:
    if sender == SenderType.CUSTOMER:
        return "customer replied"
    return "internal note" if internal else "public reply"


def _sender(p: Principal) -> tuple[SenderType, dict[str, int | None]]:
    if p.role == Role.CUSTOMER:
        return SenderType.CUSTOMER, {"sender_customer_id": p.customer_id}
    if p.role == Role.PARTNER:
        return SenderType.BOT, {}
    return SenderType.AGENT, {"sender_agent_id": p.agent_id}


async def add_message(
    p: Principal, ticket_id: int, content: str, internal: bool, clock: Clock
) -> tuple[Ticket, Message]:
    text = text_rules.body(content, "content", "Message")
    if internal and not p.sees_internal_notes:
        raise InvalidInput("Only agents may write internal notes.", field="internal")
    sender_type, sender = _sender(p)
    now = clock.now()
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        before = TicketStatus(ticket.status)
        change = lifecycle.add_message(_state(ticket), sender_type, internal, now)
        message = await Message.create(
            ticket_id=ticket.id,
            sender_type=sender_type,
            content=text,
            internal=internal,
            created_at=now,
            using_db=conn,
            **sender,
        )
        await ticket.save(using_db=conn, update_fields=_apply(ticket, change.state, now))
        unassigned = await _capacity_follows_status(conn, ticket, before, now)
        await record(
            conn,
            ticket.id,
            [*change.events, *unassigned],
            p,
            now,
            data={"message_id": message.id, "internal": internal},
        )
        await sla.follow(conn, ticket, now, _message_cause(sender_type, internal), actor=p)
    return ticket, message


async def change_status(p: Principal, ticket_id: int, target: TicketStatus, clock: Clock) -> Ticket:
    access.check_status_target(p, target)
    now = clock.now()
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        before = TicketStatus(ticket.status)
        access.check_status_change(p, before, target)
        change = lifecycle.change_status(_state(ticket), target, now)
        await ticket.save(using_db=conn, update_fields=_apply(ticket, change.state, now))
        unassigned = await _capacity_follows_status(conn, ticket, before, now)
        await record(
            conn,
            ticket.id,
            [*change.events, *unassigned],
            p,
            now,
            data={"from": before.value, "to": ticket.status},
        )
        await sla.follow(conn, ticket, now, f"status {before.value} -> {ticket.status}", actor=p)
    return ticket


async def assign(p: Principal, ticket_id: int, agent_id: int, clock: Clock) -> Ticket:
    access.check_assign(p, agent_id)
    now = clock.now()
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise InvalidTransition("A closed ticket cannot be reassigned.", field="ticketId")
        access.check_take(p, ticket.assignee_id)
        previous = ticket.assignee_id
        await capacity.lock_agents(conn, previous, agent_id)
        agent = await Agent.filter(id=agent_id).using_db(conn).first()
        if agent is None:
            raise NotFound("No such agent.", field="agentId")
        if previous == agent.id:
            raise Conflict(f"The ticket is already assigned to {agent.name}.", field="agentId")
        if not agent.is_available:
            raise Conflict(f"{agent.name} is not available.", field="agentId")
        if TicketStatus(ticket.status) in ACTIVE:
            if not await capacity.reserve(conn, agent.id):
                raise Conflict(
                    f"{agent.name} already has {agent.max_tickets} tickets, their maximum.",
                    field="agentId",
                )
            if previous is not None:
                await capacity.release(conn, previous)
        ticket.assignee_id = agent.id
        ticket.team_id = agent.team_id
        ticket.routing_state = RoutingState.ASSIGNED
        ticket.assigned_at = now
        ticket.updated_at = now
        await ticket.save(
            using_db=conn,
            update_fields=["assignee_id", "team_id", "routing_state", "assigned_at", "updated_at"],
        )
        if previous is not None and TicketStatus(ticket.status) in ACTIVE:
            await queues.fill_agent(conn, previous, now)
        await record(
            conn, ticket.id, ("ticket.assigned",), p, now, data={"from": previous, "to": agent.id}
        )
    return ticket


async def update(
    p: Principal,
    ticket_id: int,
    changes: TicketUpdate,
    clock: Clock,
    triage: TriageQueue | None = None,
) -> Ticket:
    """A new category on a ticket nobody has yet sends it through triage again (the
    agent's category is kept; rules and routing run), as ``correctTicketCategory`` does.
    A new priority or tags on a queued ticket run the routing rules, which may ask for
    a higher tier or a senior agent (``triage.stricter_requirements``)."""
    access.require_staff(p, "update tickets")
    tags = text_rules.tags(changes.tags) if changes.tags is not None else None
    category = await _category(changes.category_key)
    if changes.priority is None and category is None and tags is None:
        raise InvalidInput("Nothing to update: give priority, categoryKey or tags.")
    now = clock.now()
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise InvalidTransition("A closed ticket cannot be changed.", field="ticketId")
        diff: dict[str, object] = {}
        if changes.priority is not None:
            diff["priority"] = [ticket.priority, changes.priority.value]
            ticket.priority = changes.priority
            ticket.priority_set_by_agent = True
        unassigned = ticket.assignee_id is None and TicketStatus(ticket.status) in ACTIVE
        reroute = False
        if category is not None and category.id != ticket.category_id:
            diff["category"] = [ticket.category_id, category.id]
            await corrections.record(conn, ticket, category.id, p, now)
            reroute = unassigned
            if reroute:
                ticket.triage_status = TriageStatus.PENDING
        if tags is not None:
            diff["tags"] = [ticket.tags, tags]
            ticket.tags = tags
        if not reroute and ticket.routing_state == RoutingState.QUEUED and unassigned:
            stricter = await stricter_requirements(conn, ticket, now)
            for name, value in stricter.items():
                diff[name] = [getattr(ticket, name), value]
                setattr(ticket, name, value)
        ticket.updated_at = now
        await ticket.save(using_db=conn)
        await record(conn, ticket.id, ("ticket.updated",), p, now, data={"changes": diff})
        if "priority" in diff:
            await sla.follow(conn, ticket, now, f"priority set to {ticket.priority}", actor=p)
    if reroute:
        await ticket_creation.hand_to_triage(triage, [ticket.id])
    return ticket
