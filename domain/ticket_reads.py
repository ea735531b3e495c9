"""Ticket queries: one ticket, filtered pages, messages, and batch loads.

Batch functions take many ids and return rows in the order asked, so the API's
DataLoaders can serve a page of tickets in a constant number of queries.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise import connections
from tortoise.expressions import Q, Subquery

from domain import access, text_rules
from domain.access import Principal
from domain.enums import ClockState, Priority, SlaStatus, TicketStatus
from domain.models import Message, RoutingDecision, SlaClock, Ticket, TriageRecord
from domain.paging import Page


@dataclass(frozen=True)
class TicketFilter:
    status: TicketStatus | None = None
    priority: Priority | None = None
    category_key: str | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    customer_id: int | None = None
    search: str | None = None
    sla_status: SlaStatus | None = None


async def visible_ticket(p: Principal, ticket_id: int) -> Ticket | None:
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None or not access.can_see_ticket(
        p, ticket.customer_id, ticket.team_id, ticket.assignee_id
    ):
        return None
    return ticket


async def visible_tickets(p: Principal, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
    """Those of these tickets ``p`` may see, by id, in one query."""
    if not ticket_ids:
        return {}
    found = await Ticket.filter(id__in=list(ticket_ids))
    return {
        t.id: t for t in found if access.can_see_ticket(p, t.customer_id, t.team_id, t.assignee_id)
    }


async def visible_message(p: Principal, message_id: int) -> Message | None:
    message = await Message.get_or_none(id=message_id)
    if message is None or (message.internal and not p.sees_internal_notes):
        return None
    if await visible_ticket(p, message.ticket_id) is None:
        return None
    return message


def _sla_filter(status: SlaStatus) -> Q:
    """Over the statuses the sweep records (an index holds the non-WITHIN ones)."""
    if status == SlaStatus.WITHIN:
        flagged = SlaClock.filter(status__not=SlaStatus.WITHIN).values("ticket_id")
        return ~Q(id__in=Subquery(flagged))
    if status == SlaStatus.AT_RISK:
        flagged = SlaClock.filter(status=status, state=ClockState.RUNNING).values("ticket_id")
    else:
        flagged = SlaClock.filter(status=status).values("ticket_id")
    return Q(id__in=Subquery(flagged))


def _filters(f: TicketFilter) -> list[Q]:
    out = []
    if f.status is not None:
        out.append(Q(status=f.status))
    if f.priority is not None:
        out.append(Q(priority=f.priority))
    if f.category_key is not None:
        out.append(Q(category__key=text_rules.category_key(f.category_key)))
    if f.assignee_id is not None:
        out.append(Q(assignee_id=f.assignee_id))
    if f.team_id is not None:
        out.append(Q(team_id=f.team_id))
    if f.customer_id is not None:
        out.append(Q(customer_id=f.customer_id))
    if f.sla_status is not None:
        out.append(_sla_filter(f.sla_status))
    term = text_rules.search(f.search)
    if term is not None:
        out.append(Q(subject__icontains=term) | Q(description__icontains=term))
    return out


async def list_tickets(
    p: Principal, f: TicketFilter, first: int, after_id: int | None
) -> Page[Ticket]:
    """Newest first, keyset-paginated on id so deep pages cost what the first does."""
    if f.sla_status is not None:
        access.require_staff(p, "filter tickets by SLA status")
    query = Ticket.all()
    scope = access.ticket_filter(p)
    conditions = ([scope] if scope is not None else []) + _filters(f)
    if after_id is not None:
        conditions.append(Q(id__lt=after_id))
    if conditions:
        query = query.filter(*conditions)
    rows = await query.order_by("-id").limit(first + 1)
    return Page(rows[:first], len(rows) > first)


async def ticket_messages(
    p: Principal, ticket_id: int, first: int, after_id: int | None
) -> Page[Message]:
    """Oldest first, as a conversation reads; internal notes only for staff."""
    query = Message.filter(ticket_id=ticket_id)
    if not p.sees_internal_notes:
        query = query.filter(internal=False)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    rows = await query.order_by("id").limit(first + 1)
    return Page(rows[:first], len(rows) > first)


async def last_messages(ticket_ids: Sequence[int], include_internal: bool) -> list[Message | None]:
    """The newest message of each ticket, in one query (DISTINCT ON)."""
    if not ticket_ids:
        return []
    _, records = await connections.get("default").execute_query(
        "SELECT DISTINCT ON (ticket_id) * FROM message "
        "WHERE ticket_id = ANY($1::int[]) AND (NOT internal OR $2) ORDER BY ticket_id, id DESC",
        [list(ticket_ids), include_internal],
    )
    by_ticket = {r["ticket_id"]: Message._init_from_db(**dict(r)) for r in records}
    return [by_ticket.get(t) for t in ticket_ids]


async def triage_records(ticket_ids: Sequence[int]) -> list[TriageRecord | None]:
    found = {r.ticket_id: r for r in await TriageRecord.filter(ticket_id__in=list(ticket_ids))}
    return [found.get(i) for i in ticket_ids]


async def routing_decisions(ticket_ids: Sequence[int]) -> list[RoutingDecision | None]:
    found = {r.ticket_id: r for r in await RoutingDecision.filter(ticket_id__in=list(ticket_ids))}
    return [found.get(i) for i in ticket_ids]
