"""Customers and partners see who handles their ticket, not the agent's internals."""

import httpx
import pytest

from domain.enums import Role
from domain.models import Team
from tests.factories import (
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gid,
    gql,
    token_for,
)

QUERY = """query($id: ID!) { ticket(id: $id) { assignee {
  name email supportTier maxTickets currentTicketCount isAvailable senior team { name }
  skills { level }
} } }"""


@pytest.mark.parametrize(
    ("role", "visible"),
    [(Role.CUSTOMER, False), (Role.PARTNER, False), (Role.AGENT, True), (Role.ADMIN, True)],
)
async def test_agent_details_are_for_staff_only(
    client: httpx.AsyncClient, clock: ManualClock, role: Role, visible: bool
) -> None:
    team = await create_team(name="Frontline")
    billing = await create_category("BILLING", team=team)
    agent = await create_agent(team, max_tickets=7, skills={billing: 4})
    customer = await create_customer()
    ticket = await create_ticket(customer, clock, team=team, assignee=agent)
    token = await token_for(
        role,
        customer=customer if role == Role.CUSTOMER else None,
        agent=agent if role == Role.AGENT else None,
    )

    body = await gql(client, QUERY, {"id": gid("Ticket", ticket.id)}, token=token)

    assignee = body["data"]["ticket"]["assignee"]
    assert assignee["name"] == agent.name
    hidden: dict[str, object] = {
        "email": None,
        "supportTier": None,
        "maxTickets": None,
        "currentTicketCount": None,
        "isAvailable": None,
        "senior": None,
        "team": None,
        "skills": [],
    }
    shown: dict[str, object] = {
        "email": agent.email,
        "supportTier": "L1",
        "maxTickets": 7,
        "currentTicketCount": 1,
        "isAvailable": True,
        "senior": False,
        "team": {"name": "Frontline"},
        "skills": [{"level": 4}],
    }
    assert {k: v for k, v in assignee.items() if k != "name"} == (shown if visible else hidden)


TEAMS = """query($id: ID!) {
  ticket(id: $id) { team { name } }
  categories { defaultTeam { name lead { name } } }
}"""


@pytest.mark.parametrize(
    ("role", "visible"),
    [(Role.CUSTOMER, False), (Role.PARTNER, True), (Role.AGENT, True), (Role.ADMIN, True)],
)
async def test_teams_are_for_staff_and_partners_wherever_they_appear(
    client: httpx.AsyncClient, clock: ManualClock, role: Role, visible: bool
) -> None:
    team = await create_team(name="Escalations")
    await create_category("BILLING", team=team)
    lead = await create_agent(team)
    await Team.filter(id=team.id).update(lead_id=lead.id)
    customer = await create_customer()
    ticket = await create_ticket(customer, clock, team=team, assignee=lead)
    token = await token_for(
        role,
        customer=customer if role == Role.CUSTOMER else None,
        agent=lead if role == Role.AGENT else None,
    )

    body = await gql(client, TEAMS, {"id": gid("Ticket", ticket.id)}, token=token)

    shown = {"name": "Escalations"}
    assert body["data"]["ticket"]["team"] == (shown if visible else None)
    assert body["data"]["categories"] == [
        {"defaultTeam": {"name": "Escalations", "lead": {"name": lead.name}} if visible else None}
    ]
