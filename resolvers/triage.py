"""Triage by people: re-run it, correct a category, and the list of tickets needing it."""

from typing import cast

from domain import queues, triage_commands
from domain.access import authenticated
from gql import ids
from gql.context import Info
from gql.types import routing as r
from gql.types import tickets as t
from resolvers.errors import as_payload, as_query


@as_payload(t.TicketPayload)
async def retriage_ticket(info: Info, input: r.TicketIdInput) -> t.TicketPayload:
    principal = authenticated(info.context.principal)
    ticket = await triage_commands.request_retriage(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        info.context.clock.now(),
        info.context.triage,
    )
    return t.TicketPayload(ticket=cast(t.Ticket, ticket), user_errors=[])


@as_payload(t.TicketPayload)
async def correct_ticket_category(
    info: Info, input: r.CorrectTicketCategoryInput
) -> t.TicketPayload:
    principal = authenticated(info.context.principal)
    ticket = await triage_commands.correct_category(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        input.category_key,
        info.context.intake,
        info.context.clock.now(),
    )
    return t.TicketPayload(ticket=cast(t.Ticket, ticket), user_errors=[])


@as_query
async def triage_queue(info: Info, first: int = 50) -> list[t.Ticket]:
    """Tickets the classifier could not place, oldest first (leads and admins)."""
    principal = authenticated(info.context.principal)
    return cast(list[t.Ticket], await queues.needing_triage(principal, first))
