"""Explicit async builders: each test says what it needs, nothing is hidden."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain import tickets, tokens
from domain.access import Principal
from domain.enums import CustomerTier, Priority, Role, SupportTier, TicketStatus
from domain.models import Agent, AgentSkill, Category, Customer, Message, Team, Ticket, TicketEvent
from gql import ids

ADMIN = Principal(role=Role.ADMIN, token_id=0, name="test admin")


@dataclass
class ManualClock:
    """A clock the test moves by hand."""

    at: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


_seq = iter(range(1, 10**9))


async def create_customer(
    *, tier: CustomerTier = CustomerTier.BUSINESS, vip: bool = False, name: str | None = None
) -> Customer:
    n = next(_seq)
    return await Customer.create(
        name=name or f"Customer {n}", email=f"customer{n}@example.com", tier=tier, vip=vip
    )


async def create_team(*, name: str | None = None, tier: SupportTier = SupportTier.L1) -> Team:
    return await Team.create(name=name or f"Team {next(_seq)}", tier=tier)


async def create_category(
    key: str = "BILLING",
    *,
    team: Team | None = None,
    keywords: list[str] | None = None,
    fallback: Team | None = None,
) -> Category:
    return await Category.create(
        key=key,
        name=key.title(),
        default_team_id=team.id if team else None,
        keywords=keywords or [],
        fallback_team_id=fallback.id if fallback else None,
    )


async def create_agent(
    team: Team,
    *,
    max_tickets: int = 10,
    available: bool = True,
    senior: bool = False,
    skills: dict[Category, int] | None = None,
    tier: SupportTier = SupportTier.L1,
    current: int = 0,
) -> Agent:
    n = next(_seq)
    agent = await Agent.create(
        name=f"Agent {n}",
        email=f"agent{n}@frontdesk.example",
        team_id=team.id,
        max_tickets=max_tickets,
        is_available=available,
        senior=senior,
        support_tier=tier,
        current_ticket_count=current,
    )
    for category, level in (skills or {}).items():
        await AgentSkill.create(agent_id=agent.id, category_id=category.id, level=level)
    return agent


def as_customer(customer: Customer) -> Principal:
    return Principal(role=Role.CUSTOMER, token_id=0, customer_id=customer.id)


def as_agent(agent: Agent, role: Role = Role.AGENT) -> Principal:
    return Principal(role=role, token_id=0, agent_id=agent.id, team_id=agent.team_id)


async def create_ticket(
    customer: Customer,
    clock: Any,
    *,
    subject: str = "Printer on fire",
    description: str = "It started smoking after the update.",
    category: Category | None = None,
    priority: Priority | None = None,
    team: Team | None = None,
    assignee: Agent | None = None,
    status: TicketStatus | None = None,
) -> Ticket:
    ticket = await tickets.create_ticket(
        ADMIN,
        tickets.NewTicket(
            subject=subject,
            description=description,
            customer_id=customer.id,
            priority=priority,
            category_key=category.key if category else None,
        ),
        clock,
    )
    if team is not None:
        await Ticket.filter(id=ticket.id).update(team_id=team.id)
    if assignee is not None:
        await tickets.assign(ADMIN, ticket.id, assignee.id, clock)
    if status is not None and status != TicketStatus.OPEN:
        await tickets.change_status(ADMIN, ticket.id, status, clock)
    return await Ticket.get(id=ticket.id)


async def token_for(
    role: Role, *, customer: Customer | None = None, agent: Agent | None = None
) -> str:
    return await tokens.issue(
        role, name=f"test {role.value.lower()}", customer=customer, agent=agent
    )


def gid(type_name: str, pk: int) -> str:
    return ids.encode(type_name, pk)


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL operation and return the decoded body (asserting HTTP 200)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def row_counts() -> dict[str, int]:
    """How many tickets, messages and ticket events exist: compare before and after."""
    return {
        "tickets": await Ticket.all().count(),
        "messages": await Message.all().count(),
        "events": await TicketEvent.all().count(),
    }
