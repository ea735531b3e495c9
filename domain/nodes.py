"""Fetching any object by type name and id, within what the principal may see."""

from tortoise.models import Model

from domain import directory, ticket_reads
from domain.access import Principal
from domain.models import Agent, Category, Team


async def visible_object(p: Principal, type_name: str, pk: int) -> Model | None:
    if type_name == "Ticket":
        return await ticket_reads.visible_ticket(p, pk)
    if type_name == "Message":
        return await ticket_reads.visible_message(p, pk)
    if type_name == "Customer":
        return await directory.visible_customer(p, pk)
    if type_name == "Category":
        return await Category.get_or_none(id=pk)
    if not p.is_staff:
        return None
    staff_only: dict[str, type[Model]] = {"Agent": Agent, "Team": Team}
    return await staff_only[type_name].get_or_none(id=pk)
