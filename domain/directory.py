"""Customers, agents, teams and categories: reading them and managing them.

Only admins manage the directory; agents read it (they route work); customers
see themselves only.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from domain import access, queues, text_rules
from domain.access import Principal
from domain.enums import CustomerTier, Role, SupportTier
from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import record_agent
from domain.models import Agent, AgentSkill, Category, Customer, Team
from domain.paging import Page

M = TypeVar("M", bound=Model)


async def by_ids(model: type[M], ids: Sequence[int]) -> list[M | None]:
    """Rows for ``ids`` in the order asked (None where missing): one query.

    Plain SQL with one array parameter: every page's DataLoaders call this,
    and building the same ``IN (...)`` query through the ORM's query builder
    cost more than running it. The table name is the model's, never input.
    """
    table = model._meta.db_table
    _, records = await connections.get("default").execute_query(
        f'SELECT * FROM "{table}" WHERE id = ANY($1::int[])',  # noqa: S608
        [list(set(ids))],
    )
    rows = {r["id"]: model._init_from_db(**dict(r)) for r in records}
    return [rows.get(i) for i in ids]


async def skills_by_agent(agent_ids: Sequence[int]) -> list[list[AgentSkill]]:
    grouped: dict[int, list[AgentSkill]] = {i: [] for i in agent_ids}
    for skill in await AgentSkill.filter(agent_id__in=list(set(agent_ids))).order_by("id"):
        grouped[skill.agent_id].append(skill)
    return [grouped[i] for i in agent_ids]


async def list_agents(
    p: Principal, team_id: int | None, available: bool | None, first: int, after_id: int | None
) -> Page[Agent]:
    access.require_staff(p, "list agents")
    query = Agent.all()
    if team_id is not None:
        query = query.filter(team_id=team_id)
    if available is not None:
        query = query.filter(is_available=available)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    rows = await query.order_by("id").limit(first + 1)
    return Page(rows[:first], len(rows) > first)


async def list_customers(
    p: Principal, search: str | None, first: int, after_id: int | None
) -> Page[Customer]:
    access.require(p.is_staff or p.role == Role.PARTNER, "Only staff may list customers.")
    query = Customer.all()
    term = text_rules.search(search)
    if term is not None:
        query = query.filter(Q(email__icontains=term) | Q(name__icontains=term))
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    rows = await query.order_by("id").limit(first + 1)
    return Page(rows[:first], len(rows) > first)


async def list_teams(p: Principal) -> list[Team]:
    access.require(access.sees_teams(p), "Only staff and partners may list teams.")
    return await Team.all().order_by("id")


async def list_categories(p: Principal) -> list[Category]:
    access.authenticated(p)
    return await Category.all().order_by("key")


async def visible_customer(p: Principal, customer_id: int) -> Customer | None:
    if p.role == Role.CUSTOMER and customer_id != p.customer_id:
        return None
    return await Customer.get_or_none(id=customer_id)


async def _staff_visible_agent(p: Principal, agent_id: int) -> Agent:
    agent = await Agent.get_or_none(id=agent_id)
    if agent is None or not p.is_staff:
        raise NotFound("No such agent.", field="agentId")
    return agent


async def set_availability(p: Principal, agent_id: int, is_available: bool, now: datetime) -> Agent:
    """An agent coming back is given queued work straight away, in the same transaction.

    A real change writes ``agent.availability_changed`` with it (live workload views
    follow it); setting what is already set writes nothing.
    """
    agent = await _staff_visible_agent(p, agent_id)
    access.check_availability(p, agent.id, agent.team_id)
    async with in_transaction() as conn:
        changed, _ = await conn.execute_query(
            "UPDATE agent SET is_available = $2 WHERE id = $1 AND is_available <> $2",
            [agent.id, is_available],
        )
        if changed:
            change = {"from": not is_available, "to": is_available}
            await record_agent(conn, agent.id, "agent.availability_changed", p, now, data=change)
        if is_available:
            await queues.fill_agent(conn, agent.id, now)
    await agent.refresh_from_db()
    return agent


@dataclass(frozen=True)
class AgentChanges:
    max_tickets: int | None = None
    senior: bool | None = None
    support_tier: SupportTier | None = None
    skills: Mapping[str, int] | None = None
    """Category key -> level 1-5, set (added or changed); level 0 removes the skill.
    Categories not listed keep the agent's skill as it is."""


async def update_agent(p: Principal, agent_id: int, changes: AgentChanges, now: datetime) -> Agent:
    """Admins (and leads, for their team) change capacity, seniority, tier or skills.

    Lowering ``max_tickets`` below the current load is allowed (the agent just
    gets nothing new until under it); raising it pulls queued work at once.
    """
    agent = await _staff_visible_agent(p, agent_id)
    access.require(
        p.role == Role.ADMIN or (p.role == Role.LEAD and p.team_id == agent.team_id),
        "Only admins and the team's lead may change an agent.",
    )
    if changes.max_tickets is not None and not 1 <= changes.max_tickets <= 1000:
        raise InvalidInput("maxTickets must be between 1 and 1000.", field="maxTickets")
    unchanged = (changes.max_tickets, changes.senior, changes.support_tier) == (None, None, None)
    if unchanged and not changes.skills:
        raise InvalidInput("Nothing to update: give maxTickets, senior, supportTier or skills.")
    levels = await _skill_levels(changes.skills or {}, lowest=0)
    async with in_transaction() as conn:
        _, rows = await conn.execute_query(
            "SELECT max_tickets, senior, support_tier FROM agent WHERE id = $1 FOR UPDATE",
            [agent.id],
        )
        if not rows:
            raise NotFound("No such agent.", field="agentId")
        values = {k: v for k, v in vars(changes).items() if v is not None and k != "skills"}
        if values:
            await Agent.filter(id=agent.id).using_db(conn).update(**values)
        changed = _changed(dict(rows[0]), values)
        changed.update(await _set_skills(conn, agent.id, levels))
        if changed:
            await record_agent(conn, agent.id, "agent.updated", p, now, data=changed)
        await queues.fill_agent(conn, agent.id, now)
    await agent.refresh_from_db()
    return agent


async def _skill_levels(given: Mapping[str, int], lowest: int) -> list[tuple[Category, int]]:
    """Each named category with its level, checked (``lowest`` 0: 0 removes a skill)."""
    skills = {text_rules.category_key(k, "skills"): level for k, level in given.items()}
    categories = {c.key: c for c in await Category.filter(key__in=list(skills))}
    for key, level in skills.items():
        if key not in categories:
            raise InvalidInput(f"There is no category {key!r}.", field="skills")
        if not lowest <= level <= 5:
            raise InvalidInput(f"Skill level for {key} must be {lowest} to 5.", field="skills")
    return [(categories[key], level) for key, level in skills.items()]


async def _set_skills(
    conn: BaseDBAsyncClient, agent_id: int, levels: list[tuple[Category, int]]
) -> dict[str, Any]:
    """Set or remove the agent's skills; the event's data for those that changed.

    A skill kept keeps its handle-time history; triggers keep ``agent.skill_map``
    (and so every process's roster) in step (migration 0005).
    """
    if not levels:
        return {}
    current = {
        s.category_id: s.level for s in await AgentSkill.filter(agent_id=agent_id).using_db(conn)
    }
    changed: dict[str, Any] = {}
    for category, level in levels:
        before = current.get(category.id)
        if (before or 0) == level:
            continue
        changed[f"skill:{category.key}"] = {"from": before, "to": level or None}
        skill = AgentSkill.filter(agent_id=agent_id, category_id=category.id).using_db(conn)
        if level == 0:
            await skill.delete()
        elif before is None:
            await AgentSkill.create(
                agent_id=agent_id, category_id=category.id, level=level, using_db=conn
            )
        else:
            await skill.update(level=level)
    return changed


def _changed(before: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``{field: {"from": old, "to": new}}`` for the values that differ (the event's data)."""
    plain = {k: v.value if isinstance(v, Enum) else v for k, v in values.items()}
    return {k: {"from": before[k], "to": v} for k, v in plain.items() if before[k] != v}


@dataclass(frozen=True)
class NewAgent:
    name: str
    email: str
    team_id: int
    support_tier: SupportTier = SupportTier.L1
    max_tickets: int = 10
    senior: bool = False
    skills: dict[str, int] = field(default_factory=dict)


async def create_team(p: Principal, name: str, tier: SupportTier) -> Team:
    access.require_admin(p, "manage teams")
    clean = text_rules.one_line(name, "name", "Team name", 120)
    if await Team.exists(name=clean):
        raise Conflict(f"A team named {clean!r} exists already.", field="name")
    return await Team.create(name=clean, tier=tier)


async def create_category(
    p: Principal, key: str, name: str, default_team_id: int | None
) -> Category:
    access.require_admin(p, "manage categories")
    clean_key = text_rules.one_line(key, "key", "Category key", 40).upper()
    if not clean_key.replace("_", "").isalnum() or not clean_key.isascii():
        raise InvalidInput("A category key holds A-Z, 0-9 and _ only.", field="key")
    clean_name = text_rules.one_line(name, "name", "Category name", 120)
    if default_team_id is not None and not await Team.exists(id=default_team_id):
        raise NotFound("No such team.", field="defaultTeamId")
    if await Category.exists(key=clean_key):
        raise Conflict(f"Category {clean_key} exists already.", field="key")
    return await Category.create(key=clean_key, name=clean_name, default_team_id=default_team_id)


async def create_agent(p: Principal, data: NewAgent, now: datetime) -> Agent:
    access.require_admin(p, "manage agents")
    name = text_rules.one_line(data.name, "name", "Name")
    email = text_rules.email(data.email)
    if not 1 <= data.max_tickets <= 1000:
        raise InvalidInput("maxTickets must be between 1 and 1000.", field="maxTickets")
    if not await Team.exists(id=data.team_id):
        raise NotFound("No such team.", field="teamId")
    if await Agent.exists(email=email):
        raise Conflict(f"An agent with email {email} exists already.", field="email")
    levels = await _skill_levels(data.skills, lowest=1)
    async with in_transaction() as conn:
        agent = await Agent.create(
            name=name,
            email=email,
            team_id=data.team_id,
            support_tier=data.support_tier,
            max_tickets=data.max_tickets,
            senior=data.senior,
            using_db=conn,
        )
        await AgentSkill.bulk_create(
            [
                AgentSkill(agent_id=agent.id, category_id=category.id, level=level)
                for category, level in levels
            ],
            using_db=conn,
        )
        await queues.fill_agent(conn, agent.id, now)  # a new agent starts on the backlog
    await agent.refresh_from_db()
    return agent


async def ensure_customer(
    email: str, name: str | None, tier: CustomerTier = CustomerTier.FREE
) -> Customer:
    address = text_rules.email(email)
    customer = await Customer.get_or_none(email=address)
    if customer is None:
        label = text_rules.one_line(name or address.split("@")[0], "name", "Name")
        customer = await Customer.create(name=label, email=address, tier=tier)
    return customer


async def ensure_agent(email: str, name: str | None, *, senior: bool = False) -> Agent:
    """The agent with this email, created in the first team (made if none) when new."""
    address = text_rules.email(email)
    agent = await Agent.get_or_none(email=address)
    if agent is None:
        team = await Team.all().order_by("id").first() or await Team.create(name="Support")
        label = text_rules.one_line(name or address.split("@")[0], "name", "Name")
        agent = await Agent.create(name=label, email=address, team_id=team.id, senior=senior)
    return agent
