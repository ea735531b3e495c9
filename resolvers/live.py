"""Subscriptions: a ticket's updates, queue changes, SLA changes; resumable.

Each subscription checks at start that the token may see what it asks for, then
follows the event bus and passes on only what this subscriber may see. Nested
fields of each update read through fresh DataLoaders, so an update never shows a
value cached for an earlier one.
"""

from collections.abc import AsyncGenerator, AsyncIterator

import strawberry

from domain import access, live, ticket_reads
from domain.access import Principal, authenticated
from domain.enums import Role
from domain.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from domain.models import Category
from domain.ports import Delivered, ResumeTooOld
from gql import ids
from gql.context import Info, Loaders
from gql.errors import query_error
from gql.types.live import TicketUpdate, update


async def _following(info: Info, after: str | None) -> AsyncIterator[Delivered]:
    bus = info.context.bus
    if bus is None:
        raise InvalidInput("Live updates are not available on this server.")
    started = False
    try:
        async for delivered in bus.read(after):
            started = True
            yield delivered
    except ResumeTooOld:
        if started or after is None:  # a consumer too slow for the bus's retention
            raise InvalidInput(
                "This subscription fell further behind than the server keeps; subscribe "
                "again with `after` set to the last position you processed.",
                field="after",
            ) from None
        raise InvalidInput(
            "That position is older than the server keeps; load the current state, then "
            "subscribe without `after`.",
            field="after",
        ) from None
    except ValueError:
        raise InvalidInput("`after` is not a position this server gave.", field="after") from None


async def _update(info: Info, p: Principal, delivered: Delivered) -> TicketUpdate:
    context = info.context
    context.loaders = Loaders(include_internal=p.sees_internal_notes, clock=context.clock)
    ticket = await ticket_reads.visible_ticket(p, delivered.event.ticket_id)
    return update(delivered, ticket, with_data=p.is_staff)


async def _still(info: Info, p: Principal) -> Principal:
    """Who the token stands for now: a revoked token ends the subscription, and an
    agent moved to another team sees what their new team sees."""
    recheck = info.context.recheck
    if recheck is None:
        return p
    now = await recheck()
    if now is None:
        raise Unauthenticated("The token was revoked; sign in again.")
    return now


def _principal(info: Info) -> Principal:
    try:
        return authenticated(info.context.principal)
    except DomainError as exc:
        raise query_error(exc) from None


async def ticket_updates(
    info: Info, ticket_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[TicketUpdate, None]:
    """Every change to one ticket this token may see (a customer: replies and status)."""
    p = _principal(info)
    try:
        pk = ids.decode_as("Ticket", ticket_id, "ticketId")
        if await ticket_reads.visible_ticket(p, pk) is None:
            raise NotFound("No such ticket.", field="ticketId")
        async for delivered in _following(info, after):
            if delivered.event.ticket_id != pk:
                continue
            p = await _still(info, p)
            if live.may_see(p, delivered.event):
                yield await _update(info, p, delivered)
    except DomainError as exc:
        raise query_error(exc) from None


async def _queue_filter(
    p: Principal, team_id: strawberry.ID | None, category_key: str | None
) -> live.QueueFilter:
    access.require_staff(p, "follow queues")
    team = ids.decode_as("Team", team_id, "teamId") if team_id is not None else None
    if p.role == Role.AGENT and team != p.team_id:
        raise Forbidden("Agents follow their own team's queue (give its teamId).", field="teamId")
    category = None
    if category_key is not None:
        found = await Category.get_or_none(key=category_key.strip().upper())
        if found is None:
            raise InvalidInput(f"There is no category {category_key!r}.", field="categoryKey")
        category = found.id
    return live.QueueFilter(team, category)


async def queue_updates(
    info: Info,
    team_id: strawberry.ID | None = None,
    category_key: str | None = None,
    after: str | None = None,
) -> AsyncGenerator[TicketUpdate, None]:
    """Tickets arriving in, moving through and leaving the queues (staff)."""
    p = _principal(info)
    try:
        wanted = await _queue_filter(p, team_id, category_key)
        async for delivered in _following(info, after):
            if not wanted.matches(delivered.event):
                continue
            p = await _still(info, p)
            if live.may_see(p, delivered.event):
                yield await _update(info, p, delivered)
    except DomainError as exc:
        raise query_error(exc) from None


async def sla_updates(
    info: Info, team_id: strawberry.ID | None = None, after: str | None = None
) -> AsyncGenerator[TicketUpdate, None]:
    """Warnings, at-risk, breaches, pauses and met targets as they happen (staff)."""
    p = _principal(info)
    try:
        access.require_staff(p, "follow SLA changes")
        team = ids.decode_as("Team", team_id, "teamId") if team_id is not None else None
        if p.role == Role.AGENT and team != p.team_id:
            raise Forbidden(
                "Agents follow their own team's SLAs (give its teamId).", field="teamId"
            )
        async for delivered in _following(info, after):
            event = delivered.event
            if not live.is_sla(event) or (team is not None and event.team_id != team):
                continue
            p = await _still(info, p)
            if live.may_see(p, event):
                yield await _update(info, p, delivered)
    except DomainError as exc:
        raise query_error(exc) from None
