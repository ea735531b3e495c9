"""Queries and mutations over customers, agents, teams and categories."""

from typing import cast

import strawberry

from domain import directory, enums, nodes
from domain.access import authenticated
from domain.errors import InvalidInput
from domain.models import Agent
from domain.paging import page_size
from gql import ids
from gql.context import Info
from gql.types import directory as d
from gql.types.common import Node, page_info
from resolvers.errors import as_payload, as_query


@as_query
async def agents(
    info: Info,
    first: int | None = 50,
    after: str | None = None,
    team_id: strawberry.ID | None = None,
    is_available: bool | None = None,
) -> d.AgentConnection:
    principal = authenticated(info.context.principal)
    after_id = ids.decode_cursor(after)
    page = await directory.list_agents(
        principal,
        None if team_id is None else ids.decode_as("Team", team_id, "teamId"),
        is_available,
        page_size(first, 50),
        after_id,
    )
    return d.AgentConnection(
        edges=[d.AgentEdge(cursor=ids.cursor(a.id), node=cast(d.Agent, a)) for a in page.items],
        page_info=page_info(page.items, page.has_next, after_id),
    )


@as_query
async def customers(
    info: Info, first: int | None = 50, after: str | None = None, search: str | None = None
) -> d.CustomerConnection:
    principal = authenticated(info.context.principal)
    after_id = ids.decode_cursor(after)
    page = await directory.list_customers(principal, search, page_size(first, 50), after_id)
    return d.CustomerConnection(
        edges=[
            d.CustomerEdge(cursor=ids.cursor(c.id), node=cast(d.Customer, c)) for c in page.items
        ],
        page_info=page_info(page.items, page.has_next, after_id),
    )


@as_query
async def teams(info: Info) -> list[d.Team]:
    return cast(list[d.Team], await directory.list_teams(authenticated(info.context.principal)))


@as_query
async def categories(info: Info) -> list[d.Category]:
    principal = authenticated(info.context.principal)
    return cast(list[d.Category], await directory.list_categories(principal))


@as_query
async def me(info: Info) -> d.Viewer:
    principal = authenticated(info.context.principal)
    loaders = info.context.loaders
    customer = await loaders.customer.load(principal.customer_id) if principal.customer_id else None
    agent = await loaders.agent.load(principal.agent_id) if principal.agent_id else None
    return d.Viewer(
        role=principal.role,
        name=principal.name or (agent.name if agent else customer.name if customer else ""),
        customer=cast(d.Customer | None, customer),
        agent=cast(d.Agent | None, agent),
    )


@as_payload(d.AgentPayload)
async def set_agent_availability(info: Info, input: d.SetAgentAvailabilityInput) -> d.AgentPayload:
    principal = authenticated(info.context.principal)
    agent = await directory.set_availability(
        principal,
        ids.decode_as("Agent", input.agent_id, "agentId"),
        input.is_available,
        info.context.clock.now(),
    )
    return d.AgentPayload(agent=cast(d.Agent, agent), user_errors=[])


def skill_levels(given: list[d.SkillInput]) -> dict[str, int]:
    """Category key -> level, each category once (createAgent, updateAgent)."""
    skills = {s.category_key.strip().upper(): s.level for s in given}
    if len(skills) != len(given):
        raise InvalidInput("Each category may appear once in skills.", field="skills")
    return skills


@as_payload(d.AgentPayload)
async def create_agent(info: Info, input: d.CreateAgentInput) -> d.AgentPayload:
    principal = authenticated(info.context.principal)
    agent: Agent = await directory.create_agent(
        principal,
        directory.NewAgent(
            name=input.name,
            email=input.email,
            team_id=ids.decode_as("Team", input.team_id, "teamId"),
            support_tier=enums.SupportTier(input.support_tier),
            max_tickets=input.max_tickets,
            senior=input.senior,
            skills=skill_levels(input.skills),
        ),
        info.context.clock.now(),
    )
    return d.AgentPayload(agent=cast(d.Agent, agent), user_errors=[])


@as_payload(d.TeamPayload)
async def create_team(info: Info, input: d.CreateTeamInput) -> d.TeamPayload:
    principal = authenticated(info.context.principal)
    team = await directory.create_team(principal, input.name, enums.SupportTier(input.tier))
    return d.TeamPayload(team=cast(d.Team, team), user_errors=[])


@as_payload(d.CategoryPayload)
async def create_category(info: Info, input: d.CreateCategoryInput) -> d.CategoryPayload:
    principal = authenticated(info.context.principal)
    team_id = (
        None
        if input.default_team_id is None
        else ids.decode_as("Team", input.default_team_id, "defaultTeamId")
    )
    category = await directory.create_category(principal, input.key, input.name, team_id)
    return d.CategoryPayload(category=cast(d.Category, category), user_errors=[])


@as_query
async def node(info: Info, id: strawberry.ID) -> Node | None:
    """Any object by global id, if this viewer may see it."""
    principal = authenticated(info.context.principal)
    type_name, pk = ids.decode(id)
    return cast(Node | None, await nodes.visible_object(principal, type_name, pk))
