"""What people do around intake: re-run triage, correct a category, read the queues."""

from datetime import datetime

from tortoise.transactions import in_transaction

from domain import access, corrections, sla, text_rules
from domain.access import Principal
from domain.enums import TicketStatus, TriageStatus
from domain.errors import InvalidInput, InvalidTransition
from domain.events import record
from domain.models import Category, Ticket
from domain.ports import TriageQueue
from domain.ticket_creation import hand_to_triage
from domain.ticket_writes import TicketWrites
from domain.tickets import locked_visible
from domain.triage import route_ticket
from domain.triage_inputs import Intake

MAX_PAGE = 200


async def request_retriage(
    p: Principal, ticket_id: int, now: datetime, queue: TriageQueue | None
) -> Ticket:
    """Classify and prioritise again (e.g. after a new model); routes it again only if
    nobody has it yet. An agent's category or priority is kept."""
    access.require_staff(p, "re-run triage")
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise InvalidTransition("A closed ticket is not triaged again.", field="ticketId")
        ticket.triage_status = TriageStatus.PENDING
        ticket.updated_at = now
        await ticket.save(using_db=conn, update_fields=["triage_status", "updated_at"])
        await record(conn, ticket.id, ("ticket.triage_requested",), p, now)
    await hand_to_triage(queue, [ticket.id])
    return ticket


async def correct_category(
    p: Principal, ticket_id: int, key: str, intake: Intake, now: datetime
) -> Ticket:
    """Set the right category (kept as training data) and, if nobody has the ticket
    yet, route it by that category straight away."""
    access.require_staff(p, "correct categories")
    clean = text_rules.category_key(key, "categoryKey")
    category = await Category.get_or_none(key=clean)
    if category is None:
        raise InvalidInput(f"There is no category {key!r}.", field="categoryKey")
    async with in_transaction() as conn:
        ticket = await locked_visible(conn, p, ticket_id)
        if ticket.status == TicketStatus.CLOSED:
            raise InvalidTransition("A closed ticket cannot be changed.", field="ticketId")
        if ticket.category_id == category.id:
            raise InvalidInput(f"The ticket is already in {category.key}.", field="categoryKey")
        before = ticket.category_id
        await corrections.record(conn, ticket, category.id, p, now)
        writes = TicketWrites(ticket, {"category_id", "category_source", "category_confidence"})
        writes.events.append(("ticket.category_corrected", {"from": before, "to": category.id}))
        await route_ticket(conn, writes, intake, now)
        await writes.flush(conn, p, now)
        await sla.follow(conn, ticket, now, "category corrected", actor=p)  # rules may set priority
    return ticket
