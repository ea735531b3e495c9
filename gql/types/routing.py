"""Routing in the API: decisions with their score parts, queues, and admin-edited rules."""

from datetime import datetime
from typing import cast

import strawberry
from strawberry import Parent
from strawberry.scalars import JSON

from domain import models
from domain.routing_candidates import Candidate, read_record
from gql import ids
from gql.context import Info
from gql.types.common import Node, UserError
from gql.types.directory import Agent, SkillInput, Team
from gql.types.enums import RoutingState, SupportTier
from gql.types.fields import global_id, sourced_from


@strawberry.type
class ScoreWeights:
    capacity: float
    skill: float
    handle_time: float


@strawberry.type
class RoutingCandidate:
    """One agent who could take the ticket, with each part of their score."""

    agent_id: strawberry.ID
    current_tickets: int
    max_tickets: int
    skill_level: int
    capacity_score: float = strawberry.field(description="1 - current/max.")
    skill_score: float = strawberry.field(description="skill level / 5.")
    handle_time_score: float = strawberry.field(
        description="mean / (mean + own) handle time in the category; 0.5 when unknown."
    )
    score: float
    chosen: bool

    @strawberry.field
    async def agent(self, info: Info) -> Agent | None:
        found = await info.context.loaders.agent.load(
            ids.decode_as("Agent", self.agent_id, "agentId")
        )
        return found  # type: ignore[return-value]  # models map onto these types


def _candidate(c: Candidate, chosen: bool) -> RoutingCandidate:
    return RoutingCandidate(
        agent_id=strawberry.ID(ids.encode("Agent", c.agent_id)),
        current_tickets=c.current,
        max_tickets=c.max_tickets,
        skill_level=c.skill_level,
        capacity_score=round(c.capacity, 6),
        skill_score=round(c.skill, 6),
        handle_time_score=round(c.handle_time, 6),
        score=round(c.score, 6),
        chosen=chosen,
    )


@strawberry.type
class RoutingDecision:
    reason: str
    support_tier: SupportTier
    requires_senior: bool
    candidate_count: int = strawberry.field(
        description="How many agents qualified; `candidates` lists the best 100."
    )
    decided_at: datetime

    @strawberry.field
    def outcome(root: Parent[models.RoutingDecision]) -> RoutingState:
        return RoutingState(root.outcome)

    @strawberry.field
    def weights(root: Parent[models.RoutingDecision]) -> ScoreWeights:
        w = root.weights
        return ScoreWeights(capacity=w["capacity"], skill=w["skill"], handle_time=w["handleTime"])

    @strawberry.field
    def candidates(root: Parent[models.RoutingDecision]) -> list[RoutingCandidate]:
        return [_candidate(c, chosen) for c, chosen in read_record(root.candidates, root.weights)]

    @strawberry.field
    async def team(root: Parent[models.RoutingDecision], info: Info) -> Team | None:
        if root.team_id is None:
            return None
        return await info.context.loaders.team.load(root.team_id)  # type: ignore[return-value]

    @strawberry.field
    async def agent(root: Parent[models.RoutingDecision], info: Info) -> Agent | None:
        if root.agent_id is None:
            return None
        return await info.context.loaders.agent.load(root.agent_id)  # type: ignore[return-value]


@strawberry.type
class RoutingRule(Node):
    """Conditions and actions use snake_case keys, as stored (see docs/intake.md)."""

    id: strawberry.ID = global_id("RoutingRule")
    position: int
    name: str
    enabled: bool
    stop_processing: bool
    conditions: JSON
    created_at: datetime
    updated_at: datetime
    is_type_of = sourced_from(models.RoutingRule)

    @strawberry.field
    def actions(root: Parent[models.RoutingRule]) -> JSON:
        actions = dict(root.actions)
        if actions.get("team_id") is not None:
            actions["team_id"] = ids.encode("Team", actions["team_id"])
        return cast(JSON, actions)


@strawberry.input
class RoutingRuleInput:
    name: str
    conditions: JSON = strawberry.field(
        description="Any of: categories, priorities, customer_tiers, vip, channels, tags, "
        "keywords. All given must hold."
    )
    actions: JSON = strawberry.field(
        description="Any of: team_id (global id), support_tier, require_senior, add_tags, "
        "set_priority."
    )
    position: int | None = strawberry.field(
        default=None, description="Left out: after the last rule (create); unchanged (update)."
    )
    enabled: bool | None = strawberry.field(
        default=None, description="Left out: true (create); unchanged (update)."
    )
    stop_processing: bool | None = strawberry.field(
        default=None, description="Left out: false (create); unchanged (update)."
    )


@strawberry.input
class UpdateRoutingRuleInput:
    rule_id: strawberry.ID
    rule: RoutingRuleInput


@strawberry.input
class DeleteRoutingRuleInput:
    rule_id: strawberry.ID


@strawberry.type
class RoutingRulePayload:
    rule: RoutingRule | None
    user_errors: list[UserError]


@strawberry.input
class TicketIdInput:
    ticket_id: strawberry.ID


@strawberry.input
class CorrectTicketCategoryInput:
    ticket_id: strawberry.ID
    category_key: str


@strawberry.input
class UpdateCategoryRoutingInput:
    key: str
    keywords: list[str] | None = None
    default_team_id: strawberry.ID | None = strawberry.UNSET
    fallback_team_id: strawberry.ID | None = strawberry.UNSET


@strawberry.input
class SetTeamOverflowInput:
    team_id: strawberry.ID
    overflow_threshold: int | None = None
    overflow_team_id: strawberry.ID | None = None


@strawberry.input
class UpdateAgentInput:
    agent_id: strawberry.ID
    max_tickets: int | None = None
    senior: bool | None = None
    support_tier: SupportTier | None = None
    skills: list[SkillInput] | None = strawberry.field(
        default=None,
        description="Skills to set (level 1-5) or remove (level 0); the agent's other "
        "skills stay as they are.",
    )
