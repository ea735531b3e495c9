"""Inputs and payloads for managing agents, teams and categories."""

import strawberry

from gql.types.common import UserError
from gql.types.enums import SupportTier
from gql.types.people import Agent, Category, Team


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
