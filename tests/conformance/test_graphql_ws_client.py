"""The npm graphql-ws client (graphql-transport-ws) following a ticket on the live server."""

import asyncio
from typing import Any

import httpx

from domain.enums import Role
from tests.api.live_server import LiveServer
from tests.conformance.conftest import run_node
from tests.factories import (
    ManualClock,
    create_agent,
    create_customer,
    create_team,
    create_ticket,
    gid,
    token_for,
)

REPLY = """mutation($input: AddMessageInput!) {
  addMessage(input: $input) { message { content } userErrors { code } } }"""


async def reply_over_http(server: LiveServer, token: str, ticket_id: str, text: str) -> Any:
    url = server.url.replace("ws://", "http://", 1)
    variables = {"input": {"ticketId": ticket_id, "content": text}}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient() as http:
        response = await http.post(
            url, json={"query": REPLY, "variables": variables}, headers=headers
        )
    assert response.status_code == 200, response.text
    return response.json()["data"]["addMessage"]


async def test_the_graphql_ws_client_receives_a_reply_and_completes_cleanly(
    node_clients: str, server: LiveServer, clock: ManualClock
) -> None:
    # given: a customer's ticket, the customer following it with graphql-ws
    team = await create_team()
    agent = await create_agent(team)
    customer = await create_customer()
    ticket = gid("Ticket", (await create_ticket(customer, clock, team=team, assignee=agent)).id)
    customer_token = await token_for(Role.CUSTOMER, customer=customer)
    agent_token = await token_for(Role.AGENT, agent=agent)

    async with run_node(node_clients, "subscribe_ws.mjs", server.url, customer_token, ticket) as js:
        assert await js.line() == {"event": "connected"}
        await asyncio.sleep(0.3)  # the protocol does not acknowledge a subscribe

        # when: the agent replies through the HTTP API
        posted = await reply_over_http(server, agent_token, ticket, "Your refund is on its way")
        assert posted == {"message": {"content": "Your refund is on its way"}, "userErrors": []}

        # then: the Node client gets the update
        update = await js.line()
        assert update == {
            "event": "next",
            "payload": {
                "data": {
                    "ticketUpdates": {
                        "kind": "message.added",
                        "ticketId": ticket,
                        "ticket": {
                            "status": "OPEN",
                            "lastMessage": {"content": "Your refund is on its way"},
                        },
                    }
                }
            },
        }

        # and when it unsubscribes: a clean complete, then a normal close, nothing else
        await js.send("unsubscribe")
        rest = await js.lines()
        assert await js.exit_code() == 0, await js.stderr()
    assert rest == [
        {"event": "complete"},
        {"event": "closed", "code": 1000, "reason": "Normal Closure"},
    ]
