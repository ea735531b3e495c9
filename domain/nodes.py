"""Fetching any object by type name and id, within what the principal may see."""

from tortoise.models import Model

from domain import access, directory, ticket_reads
from domain.access import Principal
from domain.models import Agent, BusinessCalendar, Category, RoutingRule, SlaPolicy, Team


async def visible_object(p: Principal, type_name: str, pk: int) -> Model | None:
    if type_name == "Ticket":
        return await ticket_reads.visible_ticket(p, pk)
    if type_name == "Message":
        return await ticket_reads.visible_message(p, pk)
    if type_name == "Customer":
        return await directory.visible_customer(p, pk)
    if type_name == "Category":
        return await Category.get_or_none(id=pk)
    readable: dict[str, tuple[type[Model], bool]] = {
        "Agent": (Agent, p.is_staff),  # as `agents` lists them
        "Team": (Team, access.sees_teams(p)),  # as `teams` lists them
        "RoutingRule": (RoutingRule, p.is_staff),  # as `routingRules` lists them
        "BusinessCalendar": (BusinessCalendar, p.is_staff),  # as `businessCalendars` does
        "SlaPolicy": (SlaPolicy, p.is_staff),  # as `slaPolicies` lists them
    }
    model, allowed = readable[type_name]
    return await model.get_or_none(id=pk) if allowed else None
