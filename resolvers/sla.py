"""Escalating a ticket and acknowledging its SLA alerts."""

from typing import Any, cast

from domain import escalation
from domain.access import authenticated
from gql import ids
from gql.context import Info
from gql.types import sla as s
from gql.types import tickets as t
from gql.types.routing import TicketIdInput
from resolvers.errors import as_payload


@as_payload(s.EscalationPayload)
async def escalate_ticket(info: Info, input: s.EscalateTicketInput) -> s.EscalationPayload:
    principal = authenticated(info.context.principal)
    intake = info.context.intake
    done, ticket = await escalation.escalate(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        input.reason,
        intake,
        intake.alerts,
    )
    return s.EscalationPayload(
        escalation=s.escalation(done), ticket=cast(Any, ticket), user_errors=[]
    )


@as_payload(t.TicketPayload)
async def acknowledge_sla_alert(info: Info, input: TicketIdInput) -> t.TicketPayload:
    """A lead has seen the ticket's SLA alerts: the rest of the escalation chain stops."""
    principal = authenticated(info.context.principal)
    ticket = await escalation.acknowledge(
        principal,
        ids.decode_as("Ticket", input.ticket_id, "ticketId"),
        info.context.clock.now(),
    )
    return t.TicketPayload(ticket=cast(t.Ticket, ticket), user_errors=[])
