"""Customers, agents, teams and categories as clients see them, and the inputs
and payloads for managing them.

Types read straight from domain model objects (``Parent``); only relations
and ids need resolvers, and relations go through the request's DataLoaders.
"""

from typing import cast

import strawberry
from strawberry import Parent

from domain import models
from gql.context import Info
from gql.types.common import Node, PageInfo, UserError
from gql.types.enums import CustomerTier, Role, SupportTier
from gql.types.fields import global_id, sourced_from, staff_only, team_relation


@strawberry.type
class Category(Node):
    id: strawberry.ID = global_id("Category")
    key: str
    name: str
    is_type_of = sourced_from(models.Category)

    default_team: "Team | None" = team_relation("team", "default_team_id")
    fallback_team: "Team | None" = team_relation("team", "fallback_team_id")
    keywords: list[str] | None = staff_only("keywords")


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

    lead: "Agent | None" = team_relation("agent", "lead_id")
    overflow_threshold: int | None = staff_only("overflow_threshold")
    overflow_team: "Team | None" = team_relation("team", "overflow_team_id")


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


@strawberry.input
class SetAgentAvailabilityInput:
    agent_id: strawberry.ID
    is_available: bool


@strawberry.input
class SkillInput:
    category_key: str
    level: int = strawberry.field(description="1 (learning) to 5 (expert).")


@strawberry.input
class CreateAgentInput:
    name: str
    email: str
    team_id: strawberry.ID
    support_tier: SupportTier = SupportTier.L1
    max_tickets: int = 10
    senior: bool = False
    skills: list[SkillInput] = strawberry.field(default_factory=list)


@strawberry.input
class CreateTeamInput:
    name: str
    tier: SupportTier = SupportTier.L1


@strawberry.input
class CreateCategoryInput:
    key: str
    name: str
    default_team_id: strawberry.ID | None = None


@strawberry.type
class AgentPayload:
    agent: Agent | None
    user_errors: list[UserError]


@strawberry.type
class TeamPayload:
    team: Team | None
    user_errors: list[UserError]


@strawberry.type
class CategoryPayload:
    category: Category | None
    user_errors: list[UserError]
