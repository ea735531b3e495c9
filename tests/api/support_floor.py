"""The support floor every permission test starts from: one of each role, four tickets.

Two teams (Frontline, Billing), three Frontline agents (Ada the agent, Tom her
teammate, Lee who holds the lead token) and one Billing agent (Bea); two customers
(Ann, Otto); an admin and a partner without a person behind them. The tickets are
chosen so that each branch of ``domain.access.can_see_ticket`` decides one of them:

=============  ======== ======= ========= ================== ==========================
ticket         customer team    assignee  messages           who may see it
=============  ======== ======= ========= ================== ==========================
ann_frontline  Ann      Front.  -         public, public,    Ann, Ada, Lee, admin,
                                          internal (newest)  partner
ann_unrouted   Ann      -       -         -                  Ann, Lee, admin, partner
otto_billing   Otto     Billing -         public, internal   Lee, admin, partner
otto_assigned  Otto     Billing Ada       -                  Ada, Lee, admin, partner
=============  ======== ======= ========= ================== ==========================
"""

from dataclasses import dataclass
from typing import Any

import httpx

from domain import tickets
from domain.enums import Role
from domain.models import Agent, AgentSkill, Category, Customer, Message, Team, Ticket, TicketEvent
from tests.factories import (
    ManualClock,
    as_agent,
    as_customer,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gid,
    gql,
    token_for,
)

ROLES = ("anonymous", "customer", "agent", "lead", "admin", "partner")
SIGNED_IN = ROLES[1:]
UNAUTHENTICATED = {"code": "UNAUTHENTICATED"}
SIGN_IN = "Sign in with an 'Authorization: Bearer <token>' header."
MISSING_TICKET = gid("Ticket", 999_999)
SIGNED_OUT = {"code": "UNAUTHENTICATED", "message": SIGN_IN, "field": None}
NO_SUCH_TICKET = {"code": "NOT_FOUND", "message": "No such ticket.", "field": "ticketId"}


def forbidden(message: str) -> dict[str, str | None]:
    return {"code": "FORBIDDEN", "message": message, "field": None}


@dataclass(frozen=True)
class Floor:
    frontline: Team
    billing: Team
    hardware: Category
    invoices: Category
    ada: Agent
    tom: Agent
    lee: Agent
    bea: Agent
    ann: Customer
    otto: Customer
    ann_frontline: Ticket
    ann_unrouted: Ticket
    otto_billing: Ticket
    otto_assigned: Ticket
    tokens: dict[str, str | None]

    def ticket_id(self, key: str) -> str:
        ticket: Ticket = getattr(self, key)
        return gid("Ticket", ticket.id)

    def agent_id(self, key: str) -> str:
        agent: Agent = getattr(self, key)
        return gid("Agent", agent.id)

    async def ask(
        self,
        client: httpx.AsyncClient,
        role: str,
        query: str,
        variables: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send ``query`` with the token of ``role`` (none for "anonymous")."""
        return await gql(client, query, variables, token=self.tokens[role])


async def build_floor(clock: ManualClock) -> Floor:
    frontline = await create_team(name="Frontline")
    billing = await create_team(name="Billing")
    hardware = await create_category("HARDWARE", team=frontline)
    invoices = await create_category("INVOICES", team=billing)
    ada, tom, lee = await _agents(frontline, 3)
    (bea,) = await _agents(billing, 1)
    ann = await create_customer(name="Ann")
    otto = await create_customer(name="Otto")

    ann_frontline = await create_ticket(ann, clock, subject="Printer on fire", category=hardware)
    ann_unrouted = await create_ticket(ann, clock, subject="Where is my parcel?")
    otto_billing = await create_ticket(otto, clock, subject="Invoice is wrong", category=invoices)
    otto_assigned = await create_ticket(otto, clock, subject="Refund please", assignee=ada)
    await Ticket.filter(id=otto_assigned.id).update(team_id=billing.id)

    await tickets.add_message(as_customer(ann), ann_frontline.id, "Smoke everywhere", False, clock)
    await tickets.add_message(as_agent(ada), ann_frontline.id, "Unplug it, please", False, clock)
    await tickets.add_message(as_agent(ada), ann_frontline.id, "Warranty expired", True, clock)
    await tickets.add_message(as_customer(otto), otto_billing.id, "Charged twice", False, clock)
    await tickets.add_message(as_agent(bea), otto_billing.id, "Otto is a VIP", True, clock)

    tokens: dict[str, str | None] = {
        "anonymous": None,
        "customer": await token_for(Role.CUSTOMER, customer=ann),
        "agent": await token_for(Role.AGENT, agent=ada),
        "lead": await token_for(Role.LEAD, agent=lee),
        "admin": await token_for(Role.ADMIN),
        "partner": await token_for(Role.PARTNER),
    }
    clock.advance(hours=1)  # whatever the test then writes carries a later timestamp
    return Floor(
        frontline=frontline,
        billing=billing,
        hardware=hardware,
        invoices=invoices,
        ada=ada,
        tom=tom,
        lee=lee,
        bea=bea,
        ann=ann,
        otto=otto,
        ann_frontline=await Ticket.get(id=ann_frontline.id),
        ann_unrouted=await Ticket.get(id=ann_unrouted.id),
        otto_billing=await Ticket.get(id=otto_billing.id),
        otto_assigned=await Ticket.get(id=otto_assigned.id),
        tokens=tokens,
    )


async def _agents(team: Team, count: int) -> list[Agent]:
    return [await create_agent(team) for _ in range(count)]


SNAPSHOT_MODELS = (Ticket, Message, TicketEvent, Agent, AgentSkill, Team, Category, Customer)


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row a mutation could touch, to compare before and after a refusal."""
    return {model.__name__: await model.all().order_by("id").values() for model in SNAPSHOT_MODELS}


async def events_since(before: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str]]:
    """(kind, actor role) of each ticket event written after ``before`` was taken,
    apart from the SLA timeline a change implies (its own tests check that)."""
    last = max((row["id"] for row in before["TicketEvent"]), default=0)
    events = TicketEvent.filter(id__gt=last).exclude(kind__startswith="sla.")
    rows = await events.order_by("id").values_list("kind", "actor_role")
    return [(kind, role) for kind, role in rows]


def only_error(body: dict[str, Any]) -> tuple[str, list[str | int], dict[str, Any]]:
    """(message, path, extensions) of the single GraphQL error in ``body``."""
    assert len(body["errors"]) == 1, body
    error = body["errors"][0]
    return error["message"], error["path"], error["extensions"]
