"""Demo data for a first start: teams, skilled agents, customers of every tier,
tickets in every status with conversations, and one token per role.

Everything goes through the domain services, so the demo also exercises the
same rules (and writes the same events) as real use.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain import directory, routing_setup, tickets, tokens
from domain.access import Principal
from domain.enums import Channel, CustomerTier, Priority, Role, SupportTier, TicketStatus
from domain.models import Agent, Customer, Team

SEEDER = Principal(role=Role.ADMIN, token_id=0, name="demo seed")

CATEGORIES = [
    ("BILLING", "Billing and invoices", "Frontline"),
    ("ACCOUNT", "Account and login", "Frontline"),
    ("SHIPPING", "Shipping and delivery", "Frontline"),
    ("RETURNS", "Returns and refunds", "Specialists"),
    ("TECHNICAL", "Technical problems", "Engineering"),
]
# Keyword rules classify new tickets until a model is trained (frontdesk train-classifier).
KEYWORDS = {
    "BILLING": ["invoice", "billing", "charged", "charge", "payment", "vat", "receipt"],
    "ACCOUNT": ["login", "log in", "password", "account", "sign in", "2fa", "email address"],
    "SHIPPING": ["delivery", "shipping", "parcel", "tracking", "courier", "ship"],
    "RETURNS": ["refund", "return", "exchange", "damaged", "broken item"],
    "TECHNICAL": ["error", "bug", "crash", "api", "500", "timeout", "outage", "not loading"],
}
# Where a team's tickets go when nobody with the skill takes them in time.
FALLBACK = {"Frontline": "Specialists", "Specialists": "Frontline", "Engineering": "Specialists"}
OVERFLOW = {"Frontline": "Specialists", "Specialists": "Engineering"}
"""Each team's next tier up: where new tickets go past ``OVERFLOW_QUEUE_DEPTH`` queued,
and where an escalation to the next tier is routed (``domain/escalation.py``)."""
OVERFLOW_QUEUE_DEPTH = 25
TEAMS = [
    ("Frontline", SupportTier.L1),
    ("Specialists", SupportTier.L2),
    ("Engineering", SupportTier.L3),
]
AGENTS = [
    (
        "Ada Frontline",
        "ada@frontdesk.example",
        "Frontline",
        True,
        {"BILLING": 5, "ACCOUNT": 4, "SHIPPING": 3},
    ),
    ("Ben Frontline", "ben@frontdesk.example", "Frontline", False, {"BILLING": 3, "SHIPPING": 4}),
    ("Cleo Frontline", "cleo@frontdesk.example", "Frontline", False, {"ACCOUNT": 3, "RETURNS": 2}),
    ("Dev Specialist", "dev@frontdesk.example", "Specialists", True, {"RETURNS": 5, "BILLING": 4}),
    (
        "Eve Specialist",
        "eve@frontdesk.example",
        "Specialists",
        False,
        {"RETURNS": 4, "SHIPPING": 4},
    ),
    (
        "Finn Engineer",
        "finn@frontdesk.example",
        "Engineering",
        True,
        {"TECHNICAL": 5, "ACCOUNT": 3},
    ),
    ("Gus Engineer", "gus@frontdesk.example", "Engineering", False, {"TECHNICAL": 4}),
]
CUSTOMERS = [
    ("Acme Corp IT", "it@acme.example", CustomerTier.ENTERPRISE, True, "Acme Corp"),
    ("Bolt Logistics", "ops@bolt.example", CustomerTier.BUSINESS, False, "Bolt Logistics"),
    ("Carla Pro", "carla@studio.example", CustomerTier.PROFESSIONAL, False, "Carla Studio"),
    ("Dan Starter", "dan@mail.example", CustomerTier.STARTER, False, ""),
    ("Fay Free", "fay@mail.example", CustomerTier.FREE, False, ""),
]
# (customer index, subject, description, category, priority, final status, replies)
TICKETS = [
    (
        0,
        "Checkout API returns 500 for all users",
        "Since 09:00 UTC every call to /checkout fails with a 500. Production is down.",
        "TECHNICAL",
        Priority.URGENT,
        TicketStatus.IN_PROGRESS,
        2,
    ),
    (
        1,
        "Invoice charged twice in October",
        "We see two identical charges for invoice INV-2291.",
        "BILLING",
        Priority.HIGH,
        TicketStatus.WAITING_ON_CUSTOMER,
        1,
    ),
    (
        2,
        "Cannot reset my password",
        "The reset email never arrives, I checked spam too.",
        "ACCOUNT",
        Priority.MEDIUM,
        TicketStatus.OPEN,
        0,
    ),
    (
        3,
        "Parcel stuck in transit for 10 days",
        "Tracking has not moved since the 3rd.",
        "SHIPPING",
        Priority.MEDIUM,
        TicketStatus.RESOLVED,
        2,
    ),
    (
        4,
        "How do I return a damaged item?",
        "The mug arrived broken, what do I do?",
        "RETURNS",
        Priority.LOW,
        TicketStatus.CLOSED,
        2,
    ),
    (
        0,
        "SSO login loops back to the sign-in page",
        "Our Okta SSO redirects forever after the last release.",
        "TECHNICAL",
        Priority.HIGH,
        TicketStatus.OPEN,
        0,
    ),
    (
        1,
        "Need a VAT number on invoices",
        "Please add our VAT number to future invoices.",
        "BILLING",
        Priority.LOW,
        TicketStatus.IN_PROGRESS,
        1,
    ),
    (
        2,
        "Refund not received after return",
        "I returned the order 3 weeks ago.",
        "RETURNS",
        Priority.MEDIUM,
        TicketStatus.WAITING_ON_CUSTOMER,
        1,
    ),
    (
        3,
        "Change delivery address",
        "Can you ship order #5521 to my office instead?",
        "SHIPPING",
        Priority.MEDIUM,
        TicketStatus.RESOLVED,
        1,
    ),
    (
        4,
        "Delete my account",
        "Please remove my account and data.",
        "ACCOUNT",
        Priority.LOW,
        TicketStatus.OPEN,
        0,
    ),
]


@dataclass
class StepClock:
    """Demo history: each call moves a few minutes on from a start in the past."""

    at: datetime
    step: timedelta = timedelta(minutes=7)

    def now(self) -> datetime:
        self.at += self.step
        return self.at


async def is_seeded() -> bool:
    return await Team.exists()


async def seed() -> dict[str, str]:
    """Create the demo world; return one fresh token per role, by role name."""
    teams = {name: await directory.create_team(SEEDER, name, tier) for name, tier in TEAMS}
    for team, upper in OVERFLOW.items():  # tickets escalated past a team's tier go up too
        await routing_setup.update_team_overflow(
            SEEDER, teams[team].id, OVERFLOW_QUEUE_DEPTH, teams[upper].id
        )
    for key, name, team in CATEGORIES:
        await directory.create_category(SEEDER, key, name, teams[team].id)
        await routing_setup.update_category(
            SEEDER, key, keywords=KEYWORDS[key], fallback_team_id=teams[FALLBACK[team]].id
        )
    await routing_setup.create_rule(
        SEEDER,
        routing_setup.RuleInput(
            name="Urgent technical problems go to a senior engineer",
            conditions={"priorities": ["URGENT"], "categories": ["TECHNICAL"]},
            actions={"require_senior": True},
        ),
        datetime.now(UTC),
    )
    agents: list[Agent] = []
    for name, email, team, senior, skills in AGENTS:
        agents.append(
            await directory.create_agent(
                SEEDER,
                directory.NewAgent(
                    name=name,
                    email=email,
                    team_id=teams[team].id,
                    senior=senior,
                    support_tier=teams[team].tier,
                    skills=skills,
                ),
                datetime.now(UTC),
            )
        )
    for agent in agents:
        if agent.senior:
            await Team.filter(id=agent.team_id).update(lead_id=agent.id)
    customers = [
        await Customer.create(name=n, email=e, tier=t, vip=v, organisation=o)
        for n, e, t, v, o in CUSTOMERS
    ]
    await _tickets(customers, agents)
    return {
        Role.ADMIN: await tokens.issue(Role.ADMIN, name="Demo admin"),
        Role.LEAD: await tokens.issue(Role.LEAD, name="Ada (lead)", agent=agents[0]),
        Role.AGENT: await tokens.issue(Role.AGENT, name="Ben (agent)", agent=agents[1]),
        Role.CUSTOMER: await tokens.issue(Role.CUSTOMER, name="Acme IT", customer=customers[0]),
        Role.PARTNER: await tokens.issue(Role.PARTNER, name="Demo partner integration"),
    }


def _principal_of(agent: Agent) -> Principal:
    return Principal(role=Role.AGENT, token_id=0, agent_id=agent.id, team_id=agent.team_id)


async def _tickets(customers: list[Customer], agents: list[Agent]) -> None:
    clock = StepClock(datetime.now(UTC) - timedelta(days=3))
    by_team: dict[int, Agent] = {}
    for agent in agents:
        by_team.setdefault(agent.team_id, agent)
    for index, subject, description, category, priority, status, replies in TICKETS:
        customer = customers[index]
        as_customer = Principal(role=Role.CUSTOMER, token_id=0, customer_id=customer.id)
        ticket = await tickets.create_ticket(
            as_customer,
            tickets.NewTicket(
                subject=subject, description=description, category_key=category, channel=Channel.WEB
            ),
            clock,
        )
        await tickets.update(SEEDER, ticket.id, tickets.TicketUpdate(priority=priority), clock)
        if status == TicketStatus.OPEN and replies == 0:
            continue
        assert ticket.team_id is not None
        agent = by_team[ticket.team_id]
        await tickets.assign(SEEDER, ticket.id, agent.id, clock)
        as_agent = _principal_of(agent)
        await tickets.add_message(
            as_agent, ticket.id, "Internal: checking logs first.", True, clock
        )
        for n in range(replies):
            await tickets.add_message(
                as_agent,
                ticket.id,
                f"Thanks for reaching out, update {n + 1} from our side.",
                False,
                clock,
            )
            if n + 1 < replies:
                await tickets.add_message(as_customer, ticket.id, "Thanks, any news?", False, clock)
        if status != TicketStatus.OPEN:
            await _walk_to(as_agent, ticket.id, status, clock)


async def _walk_to(
    agent: Principal, ticket_id: int, status: TicketStatus, clock: StepClock
) -> None:
    path = {
        TicketStatus.IN_PROGRESS: [TicketStatus.IN_PROGRESS],
        TicketStatus.WAITING_ON_CUSTOMER: [TicketStatus.WAITING_ON_CUSTOMER],
        TicketStatus.RESOLVED: [TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED],
        TicketStatus.CLOSED: [TicketStatus.RESOLVED, TicketStatus.CLOSED],
    }[status]
    for step in path:
        await tickets.change_status(agent, ticket_id, step, clock)
