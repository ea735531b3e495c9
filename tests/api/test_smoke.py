"""A customer files a ticket and an agent answers it, over HTTP."""

import httpx

from domain.enums import Role
from tests.factories import (
    create_agent,
    create_category,
    create_customer,
    create_team,
    gql,
    token_for,
)

CREATE = """
mutation($input: CreateTicketInput!) {
  createTicket(input: $input) {
    ticket { id number subject status priority category { key } team { name } customer { name } }
    userErrors { code message field }
  }
}"""


async def test_customer_creates_ticket_and_agent_replies(client: httpx.AsyncClient) -> None:
    team = await create_team(name="Frontline")
    await create_category("BILLING", team=team)
    customer = await create_customer(name="Ann")
    agent = await create_agent(team)
    customer_token = await token_for(Role.CUSTOMER, customer=customer)
    agent_token = await token_for(Role.AGENT, agent=agent)

    body = await gql(
        client,
        CREATE,
        {
            "input": {
                "subject": "Double charge",
                "description": "Charged twice",
                "categoryKey": "billing",
            }
        },
        token=customer_token,
    )
    payload = body["data"]["createTicket"]
    assert payload["userErrors"] == []
    ticket = payload["ticket"]
    assert ticket["status"] == "OPEN"
    assert ticket["category"] == {"key": "BILLING"}
    assert ticket["team"] is None  # teams are for staff and partners
    assert ticket["customer"] == {"name": "Ann"}

    reply = await gql(
        client,
        """mutation($id: ID!) { addMessage(input: {ticketId: $id, content: "On it"}) {
             ticket { firstResponseAt }
             message { senderType content senderName }
             userErrors { code } } }""",
        {"id": ticket["id"]},
        token=agent_token,
    )
    assert reply["data"]["addMessage"]["userErrors"] == []
    assert reply["data"]["addMessage"]["message"] == {
        "senderType": "AGENT",
        "content": "On it",
        "senderName": agent.name,
    }
    assert reply["data"]["addMessage"]["ticket"]["firstResponseAt"] is not None
