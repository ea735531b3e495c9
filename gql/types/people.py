"""Customers, agents, teams and categories as clients see them.

Types read straight from domain model objects (``Parent``); only relations
and ids need resolvers, and relations go through the request's DataLoaders.
"""

from typing import Any, cast

import strawberry
from strawberry import Parent

from domain import models
from gql import ids
from gql.context import Info
from gql.types.common import Node, PageInfo
from gql.types.enums import CustomerTier, Role, SupportTier


def _global_id(type_name: str) -> Any:
    def resolve(root: Parent[Any]) -> strawberry.ID:
        return strawberry.ID(ids.encode(type_name, root.id))

    return strawberry.field(resolver=resolve, description="Opaque global id.")


def _of(model: type) -> Any:
    return classmethod(lambda cls, obj, info: isinstance(obj, model))


@strawberry.type
class Category(Node):
    id: strawberry.ID = _global_id("Category")
    key: str
    name: str
    is_type_of = _of(models.Category)

    @strawberry.field
    async def default_team(root: Parent[models.Category], info: Info) -> "Team | None":
        if root.default_team_id is None:
            return None
        return cast("Team | None", await info.context.loaders.team.load(root.default_team_id))


@strawberry.type
class Customer(Node):
    id: strawberry.ID = _global_id("Customer")
    name: str
    email: str
    tier: CustomerTier
    vip: bool
    organisation: str
    is_type_of = _of(models.Customer)


@strawberry.type
class Team(Node):
    id: strawberry.ID = _global_id("Team")
    name: str
    tier: SupportTier
    is_type_of = _of(models.Team)

    @strawberry.field
    async def lead(root: Parent[models.Team], info: Info) -> "Agent | None":
        if root.lead_id is None:
            return None
        return cast("Agent | None", await info.context.loaders.agent.load(root.lead_id))


@strawberry.type
class AgentSkill:
    level: int

    @strawberry.field
    async def category(root: Parent[models.AgentSkill], info: Info) -> Category:
        category = await info.context.loaders.category.load(root.category_id)
        assert category is not None
        return category  # type: ignore[return-value]  # models map onto these types


def _staff_only(attr: str) -> Any:
    """A field only staff may read: customers and partners see an agent's name only."""

    def resolve(root: Parent[Any], info: Info) -> Any:
        principal = info.context.principal
        return getattr(root, attr) if principal is not None and principal.is_staff else None

    return strawberry.field(resolver=resolve, description="Null unless the viewer is staff.")


@strawberry.type(description="A support agent. Customers and partners see the name only.")
class Agent(Node):
    id: strawberry.ID = _global_id("Agent")
    name: str
    email: str | None = _staff_only("email")
    support_tier: SupportTier | None = _staff_only("support_tier")
    max_tickets: int | None = _staff_only("max_tickets")
    current_ticket_count: int | None = _staff_only("current_ticket_count")
    is_available: bool | None = _staff_only("is_available")
    senior: bool | None = _staff_only("senior")
    is_type_of = _of(models.Agent)

    @strawberry.field
    async def team(root: Parent[models.Agent], info: Info) -> Team | None:
        """Null unless the viewer is staff."""
        principal = info.context.principal
        if principal is None or not principal.is_staff:
            return None
        return cast(Team | None, await info.context.loaders.team.load(root.team_id))

    @strawberry.field
    async def skills(root: Parent[models.Agent], info: Info) -> list[AgentSkill]:
        """Empty unless the viewer is staff."""
        principal = info.context.principal
        if principal is None or not principal.is_staff:
            return []
        return cast(list[AgentSkill], await info.context.loaders.skills.load(root.id))


@strawberry.type
class AgentEdge:
    cursor: str
    node: Agent


@strawberry.type
class AgentConnection:
    edges: list[AgentEdge]
    page_info: PageInfo


@strawberry.type
class CustomerEdge:
    cursor: str
    node: Customer


@strawberry.type
class CustomerConnection:
    edges: list[CustomerEdge]
    page_info: PageInfo


@strawberry.type(description="Who the token in this request stands for.")
class Viewer:
    role: Role
    name: str
    customer: Customer | None
    agent: Agent | None
