"""Ticket queries and mutations."""

from typing import cast

import strawberry

from domain import enums, paging, ticket_reads, tickets
from domain.access import authenticated
from gql import ids
from gql.context import Info
from gql.prefetch import prefetch_tickets, ticket_node_fields
from gql.types import tickets as t
from gql.types.common import page_info
from resolvers.errors import as_payload, as_query


def _opt_id(kind: str, value: strawberry.ID | None, field: str) -> int | None:
    return None if value is None else ids.decode_as(kind, value, field)


@as_query
async def ticket(info: Info, id: strawberry.ID) -> t.Ticket | None:
    principal = authenticated(info.context.principal)
    found = await ticket_reads.visible_ticket(principal, ids.decode_as("Ticket", id, "id"))
    return cast(t.Ticket | None, found)


@as_query
async def tickets_page(
    info: Info,
    first: int | None = 20,
    after: str | None = None,
    filter: t.TicketFilter | None = None,
) -> t.TicketConnection:
    principal = authenticated(info.context.principal)
    f = filter or t.TicketFilter()
    after_id = ids.decode_cursor(after)
    page = await ticket_reads.list_tickets(
        principal,
        ticket_reads.TicketFilter(
            status=f.status,
            priority=f.priority,
            category_key=f.category_key,
            assignee_id=_opt_id("Agent", f.assignee_id, "filter.assigneeId"),
            team_id=_opt_id("Team", f.team_id, "filter.teamId"),
            customer_id=_opt_id("Customer", f.customer_id, "filter.customerId"),
            search=f.search,
            sla_status=f.sla_status,
        ),
        paging.page_size(first),
        after_id,
    )
    await prefetch_tickets(info.context.loaders, page.items, ticket_node_fields(info))
    return t.TicketConnection(
        edges=[
            t.TicketEdge(cursor=ids.cursor(row.id), node=cast(t.Ticket, row)) for row in page.items
        ],
        page_info=page_info(page.items, page.has_next, after_id),
    )


def _ok(ticket: object) -> t.TicketPayload:
    return t.TicketPayload(ticket=cast(t.Ticket, ticket), user_errors=[])


@as_payload(t.TicketPayload)
async def create_ticket(info: Info, input: t.CreateTicketInput) -> t.TicketPayload:
    principal = authenticated(info.context.principal)
    created = await tickets.create_ticket(
        principal,
        tickets.NewTicket(
            subject=input.subject,
            description=input.description,
            customer_id=_opt_id("Customer", input.customer_id, "customerId"),
            priority=input.priority,
            category_key=input.category_key,
            channel=input.channel or enums.Channel.API,
            tags=input.tags or [],
        ),
        info.context.clock,
        info.context.triage,
    )
    return _ok(created)


@as_payload(t.AddMessagePayload)
async def add_message(info: Info, input: t.AddMessageInput) -> t.AddMessagePayload:
    principal = authenticated(info.context.principal)
    ticket_row, message = await tickets.add_message(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        input.content,
        input.internal,
        info.context.clock,
    )
    return t.AddMessagePayload(
        ticket=cast(t.Ticket, ticket_row), message=cast(t.Message, message), user_errors=[]
    )


@as_payload(t.TicketPayload)
async def change_ticket_status(info: Info, input: t.ChangeTicketStatusInput) -> t.TicketPayload:
    principal = authenticated(info.context.principal)
    changed = await tickets.change_status(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        enums.TicketStatus(input.status),
        info.context.clock,
    )
    return _ok(changed)


@as_payload(t.TicketPayload)
async def assign_ticket(info: Info, input: t.AssignTicketInput) -> t.TicketPayload:
    principal = authenticated(info.context.principal)
    assigned = await tickets.assign(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        ids.decode_as("Agent", input.agent_id, "agentId"),
        info.context.clock,
    )
    return _ok(assigned)


@as_payload(t.TicketPayload)
async def update_ticket(info: Info, input: t.UpdateTicketInput) -> t.TicketPayload:
    principal = authenticated(info.context.principal)
    updated = await tickets.update(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        tickets.TicketUpdate(
            priority=input.priority,
            category_key=input.category_key,
            tags=input.tags,
        ),
        info.context.clock,
        info.context.triage,
    )
    return _ok(updated)
