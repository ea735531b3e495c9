"""Queues, routing rules and the routing settings of categories, teams and agents."""

from typing import Any, cast

import strawberry

from domain import directory, queues, routing_setup
from domain.access import authenticated
from domain.enums import SupportTier
from domain.errors import InvalidInput
from gql import ids
from gql.context import Info
from gql.types import directory as d
from gql.types import routing as r
from gql.types.queues import QueueEntry
from resolvers.directory import skill_levels
from resolvers.errors import as_payload, as_query


@as_query
async def queue(
    info: Info, team_id: strawberry.ID, first: int = 50, offset: int = 0
) -> list[QueueEntry]:
    """A team's queued tickets in the order agents will get them."""
    principal = authenticated(info.context.principal)
    rows = await queues.queue(principal, ids.decode_as("Team", team_id, "teamId"), first, offset)
    return [
        QueueEntry(position=offset + n, ticket=cast(Any, t), queued_at=t.queued_at)
        for n, t in enumerate(rows, start=1)
    ]


@as_query
async def routing_rules(info: Info) -> list[r.RoutingRule]:
    principal = authenticated(info.context.principal)
    return cast(list[r.RoutingRule], await routing_setup.list_rules(principal))


def _rule_input(given: r.RoutingRuleInput) -> routing_setup.RuleInput:
    if not isinstance(given.conditions, dict):
        raise InvalidInput("conditions must be an object.", field="conditions")
    if not isinstance(given.actions, dict):
        raise InvalidInput("actions must be an object.", field="actions")
    actions = dict(given.actions)
    if actions.get("team_id") is not None:
        team = actions["team_id"]
        if not isinstance(team, str):
            raise InvalidInput("actions.team_id must be a Team id.", field="actions.teamId")
        actions["team_id"] = ids.decode_as("Team", team, "actions.teamId")
    return routing_setup.RuleInput(
        name=given.name,
        conditions=given.conditions,
        actions=actions,
        position=given.position,
        enabled=given.enabled,
        stop_processing=given.stop_processing,
    )


def _rule_payload(rule: object) -> r.RoutingRulePayload:
    return r.RoutingRulePayload(rule=cast(r.RoutingRule, rule), user_errors=[])


@as_payload(r.RoutingRulePayload)
async def create_routing_rule(info: Info, input: r.RoutingRuleInput) -> r.RoutingRulePayload:
    principal = authenticated(info.context.principal)
    rule = await routing_setup.create_rule(principal, _rule_input(input), info.context.clock.now())
    return _rule_payload(rule)


@as_payload(r.RoutingRulePayload)
async def update_routing_rule(info: Info, input: r.UpdateRoutingRuleInput) -> r.RoutingRulePayload:
    principal = authenticated(info.context.principal)
    rule = await routing_setup.update_rule(
        principal,
        ids.decode_as("RoutingRule", input.rule_id, "ruleId"),
        _rule_input(input.rule),
        info.context.clock.now(),
    )
    return _rule_payload(rule)


@as_payload(r.RoutingRulePayload)
async def delete_routing_rule(info: Info, input: r.DeleteRoutingRuleInput) -> r.RoutingRulePayload:
    principal = authenticated(info.context.principal)
    rule = await routing_setup.delete_rule(
        principal, ids.decode_as("RoutingRule", input.rule_id, "ruleId")
    )
    return _rule_payload(rule)


def _team(value: strawberry.ID | None, field: str) -> Any:
    if value is strawberry.UNSET:
        return routing_setup.UNCHANGED
    return None if value is None else ids.decode_as("Team", value, field)


@as_payload(d.CategoryPayload)
async def update_category_routing(
    info: Info, input: r.UpdateCategoryRoutingInput
) -> d.CategoryPayload:
    principal = authenticated(info.context.principal)
    category = await routing_setup.update_category(
        principal,
        input.key,
        keywords=input.keywords,
        default_team_id=_team(input.default_team_id, "defaultTeamId"),
        fallback_team_id=_team(input.fallback_team_id, "fallbackTeamId"),
    )
    return d.CategoryPayload(category=cast(d.Category, category), user_errors=[])


@as_payload(d.TeamPayload)
async def set_team_overflow(info: Info, input: r.SetTeamOverflowInput) -> d.TeamPayload:
    principal = authenticated(info.context.principal)
    overflow = input.overflow_team_id
    team = await routing_setup.update_team_overflow(
        principal,
        ids.decode_as("Team", input.team_id, "teamId"),
        input.overflow_threshold,
        None if overflow is None else ids.decode_as("Team", overflow, "overflowTeamId"),
    )
    return d.TeamPayload(team=cast(d.Team, team), user_errors=[])


@as_payload(d.AgentPayload)
async def update_agent(info: Info, input: r.UpdateAgentInput) -> d.AgentPayload:
    principal = authenticated(info.context.principal)
    agent = await directory.update_agent(
        principal,
        ids.decode_as("Agent", input.agent_id, "agentId"),
        directory.AgentChanges(
            max_tickets=input.max_tickets,
            senior=input.senior,
            support_tier=SupportTier(input.support_tier) if input.support_tier else None,
            skills=None if input.skills is None else skill_levels(input.skills),
        ),
        info.context.clock.now(),
    )
    return d.AgentPayload(agent=cast(d.Agent, agent), user_errors=[])
