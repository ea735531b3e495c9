"""Customers, agents, teams and categories as clients see them.

Types read straight from domain model objects (``Parent``); only relations
and ids need resolvers, and relations go through the request's DataLoaders.
"""

from typing import cast

import strawberry
from strawberry import Parent

from domain import models
from domain.access import sees_teams
from gql.context import Info
from gql.types.common import Node, PageInfo
from gql.types.enums import CustomerTier, Role, SupportTier
from gql.types.fields import global_id, relation, sourced_from, staff_only


@strawberry.type
class Category(Node):
    id: strawberry.ID = global_id("Category")
    key: str
    name: str
    is_type_of = sourced_from(models.Category)

    default_team: "Team | None" = relation(
        "team", "default_team_id", "Null unless the viewer is staff or a partner.", sees_teams
    )


@strawberry.type
class Customer(Node):
    id: strawberry.ID = global_id("Customer")
    name: str
    email: str
    tier: CustomerTier
    vip: bool
    organisation: str
    is_type_of = sourced_from(models.Customer)


@strawberry.type
class Team(Node):
    id: strawberry.ID = global_id("Team")
    name: str
    tier: SupportTier
    is_type_of = sourced_from(models.Team)

    lead: "Agent | None" = relation(
        "agent", "lead_id", "Null unless the viewer is staff or a partner.", sees_teams
    )


@strawberry.type
class AgentSkill:
    level: int

    @strawberry.field
    async def category(root: Parent[models.AgentSkill], info: Info) -> Category:
        category = await info.context.loaders.category.load(root.category_id)
        assert category is not None
        return category  # type: ignore[return-value]  # models map onto these types


@strawberry.type(description="A support agent. Customers and partners see the name only.")
class Agent(Node):
    id: strawberry.ID = global_id("Agent")
    name: str
    email: str | None = staff_only("email")
    support_tier: SupportTier | None = staff_only("support_tier")
    max_tickets: int | None = staff_only("max_tickets")
    current_ticket_count: int | None = staff_only("current_ticket_count")
    is_available: bool | None = staff_only("is_available")
    senior: bool | None = staff_only("senior")
    is_type_of = sourced_from(models.Agent)

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
