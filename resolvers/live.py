"""Subscriptions: a ticket's updates, SLA changes; resumable (queues: ``live_queue``).

Each subscription checks at start that the token may see what it asks for, then
follows the event bus and passes on only what this subscriber may see. Nested
fields of each update read through fresh DataLoaders, so an update never shows a
value cached for an earlier one.
"""

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import TypeVar

import strawberry

from domain import access, live, ticket_reads
from domain.access import Principal, authenticated
from domain.enums import Role
from domain.errors import DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from domain.models import Category
from domain.ports import Delivered, DomainEvent, ResumeTooOld
from gql import ids
from gql.context import Info, Loaders
from gql.errors import query_error
from gql.types.live import TicketUpdate, update

U = TypeVar("U")


async def following(info: Info, after: str | None) -> AsyncIterator[Delivered]:
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


async def _update(info: Info, p: Principal, delivered: Delivered) -> list[TicketUpdate]:
    """The update for a ticket event this subscriber may see; none otherwise (and none
    for an agent's own events, which are about no ticket)."""
    event = delivered.event
    if event.ticket_id is None or not live.may_see(p, event):
        return []
    context = info.context
    context.loaders = Loaders(include_internal=p.sees_internal_notes, clock=context.clock)
    ticket = await ticket_reads.visible_ticket(p, event.ticket_id)
    return [update(delivered, ticket, with_data=p.is_staff)]


async def still(info: Info, p: Principal) -> Principal:
    """Who the token stands for now: a revoked token ends the subscription, and an
    agent moved to another team sees what their new team sees."""
    recheck = info.context.recheck
    if recheck is None:
        return p
    now = await recheck()
    if now is None:
        raise Unauthenticated("The token was revoked; sign in again.")
    return now


def principal(info: Info) -> Principal:
    try:
        return authenticated(info.context.principal)
    except DomainError as exc:
        raise query_error(exc) from None


async def stream_updates(
    info: Info,
    p: Principal,
    after: str | None,
    wanted: Callable[[DomainEvent], bool],
    updates: Callable[[Info, Principal, Delivered], Awaitable[list[U]]],
) -> AsyncGenerator[U, None]:
    """What ``updates`` makes of each event ``wanted`` selects, for the subscriber as
    they are now (``updates`` leaves out what they may not see, and may make several
    updates of one event); a domain refusal (at start, or a revoked token later) ends
    it with that error. Every subscription's loop, whatever its update type."""
    try:
        async for delivered in following(info, after):
            if not wanted(delivered.event):
                continue
            p = await still(info, p)
            for sent in await updates(info, p, delivered):
                yield sent
    except DomainError as exc:
        raise query_error(exc) from None


def _stream(
    info: Info, p: Principal, after: str | None, wanted: Callable[[DomainEvent], bool]
) -> AsyncGenerator[TicketUpdate, None]:
    """The ticket updates for events ``wanted`` selects that this subscriber may see now."""
    return stream_updates(info, p, after, wanted, _update)


def followed_team(p: Principal, team_id: strawberry.ID | None, what: str) -> int | None:
    """The team to follow; staff only, and an agent only their own team."""
    access.require_staff(p, f"follow {what}")
    team = ids.decode_as("Team", team_id, "teamId") if team_id is not None else None
    if p.role == Role.AGENT and team != p.team_id:
        raise Forbidden(f"Agents follow their own team's {what} (give its teamId).", field="teamId")
    return team


async def category_by_key(key: str | None) -> int | None:
    if key is None:
        return None
    found = await Category.get_or_none(key=key.strip().upper())
    if found is None:
        raise InvalidInput(f"There is no category {key!r}.", field="categoryKey")
    return found.id


async def ticket_updates(
    info: Info, ticket_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[TicketUpdate, None]:
    """Every change to one ticket this token may see (a customer: replies and status)."""
    p = principal(info)
    try:
        pk = ids.decode_as("Ticket", ticket_id, "ticketId")
        if await ticket_reads.visible_ticket(p, pk) is None:
            raise NotFound("No such ticket.", field="ticketId")
    except DomainError as exc:
        raise query_error(exc) from None
    async for sent in _stream(info, p, after, lambda e: e.ticket_id == pk):
        yield sent


async def sla_updates(
    info: Info, team_id: strawberry.ID | None = None, after: str | None = None
) -> AsyncGenerator[TicketUpdate, None]:
    """Warnings, at-risk, breaches, pauses and met targets as they happen (staff)."""
    p = principal(info)
    try:
        team = followed_team(p, team_id, "SLAs")
    except DomainError as exc:
        raise query_error(exc) from None

    def wanted(event: DomainEvent) -> bool:
        return live.is_sla(event) and (team is None or event.team_id == team)

    async for sent in _stream(info, p, after, wanted):
        yield sent
