"""A guessed id tells nothing: what a role may not see answers exactly as what does not exist.

Ann (a customer) and Ada (a Frontline agent) both guess the id of Otto's Billing
ticket, which exists but is none of theirs. Every field and mutation that takes a
ticket id must answer them byte for byte as it answers an id that was never issued,
and change nothing either way.
"""

from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from domain.models import Message
from tests.api.support_floor import (
    MISSING_TICKET,
    NO_SUCH_TICKET,
    build_floor,
    forbidden,
    snapshot,
)
from tests.factories import ManualClock, gid

ERRORS = "userErrors { code message field }"
OPERATIONS = {
    "ticket": "query($id: ID!) { ticket(id: $id) { subject } }",
    "node": "query($id: ID!) { node(id: $id) { id } }",
    "addMessage": f"""mutation($id: ID!) {{
      addMessage(input: {{ticketId: $id, content: "Hello?"}}) {{
        ticket {{ id }} message {{ id }} {ERRORS}
      }}
    }}""",
    "changeTicketStatus": f"""mutation($id: ID!) {{
      changeTicketStatus(input: {{ticketId: $id, status: RESOLVED}}) {{ ticket {{ id }} {ERRORS} }}
    }}""",
    "assignTicket": f"""mutation($id: ID!, $agentId: ID!) {{
      assignTicket(input: {{ticketId: $id, agentId: $agentId}}) {{ ticket {{ id }} {ERRORS} }}
    }}""",
    "updateTicket": f"""mutation($id: ID!) {{
      updateTicket(input: {{ticketId: $id, priority: URGENT}}) {{ ticket {{ id }} {ERRORS} }}
    }}""",
}


def refused(error: Mapping[str, str | None]) -> dict[str, Any]:
    return {"ticket": None, "userErrors": [error]}


NO_MESSAGE = {"ticket": None, "message": None, "userErrors": [NO_SUCH_TICKET]}


@pytest.mark.parametrize(
    ("role", "operation", "data"),
    [
        # role      operation            the `data` for the guessed id and for a missing one
        ("customer", "ticket", {"ticket": None}),
        ("customer", "node", {"node": None}),
        ("customer", "addMessage", {"addMessage": NO_MESSAGE}),
        ("customer", "changeTicketStatus", {"changeTicketStatus": refused(NO_SUCH_TICKET)}),
        (
            "customer",
            "assignTicket",
            {
                "assignTicket": refused(
                    forbidden("Only agents, leads and admins may assign tickets.")
                )
            },
        ),
        (
            "customer",
            "updateTicket",
            {
                "updateTicket": refused(
                    forbidden("Only agents, leads and admins may update tickets.")
                )
            },
        ),
        ("agent", "ticket", {"ticket": None}),
        ("agent", "node", {"node": None}),
        ("agent", "addMessage", {"addMessage": NO_MESSAGE}),
        ("agent", "changeTicketStatus", {"changeTicketStatus": refused(NO_SUCH_TICKET)}),
        ("agent", "assignTicket", {"assignTicket": refused(NO_SUCH_TICKET)}),
        ("agent", "updateTicket", {"updateTicket": refused(NO_SUCH_TICKET)}),
    ],
)
async def test_a_guessed_ticket_id_answers_exactly_as_a_missing_one(
    client: httpx.AsyncClient, clock: ManualClock, role: str, operation: str, data: dict[str, Any]
) -> None:
    floor = await build_floor(clock)
    query = OPERATIONS[operation]
    extra = {"agentId": floor.agent_id("ada")} if "$agentId" in query else {}
    before = await snapshot()

    guessed = await floor.ask(client, role, query, {"id": floor.ticket_id("otto_billing"), **extra})
    missing = await floor.ask(client, role, query, {"id": MISSING_TICKET, **extra})

    assert guessed == missing == {"data": data}
    assert await snapshot() == before


@pytest.mark.parametrize("role", ["customer", "agent"])
async def test_a_guessed_message_id_answers_exactly_as_a_missing_one(
    client: httpx.AsyncClient, clock: ManualClock, role: str
) -> None:
    floor = await build_floor(clock)
    otto_wrote = await Message.get(content="Charged twice")
    query = "query($id: ID!) { node(id: $id) { id } }"

    guessed = await floor.ask(client, role, query, {"id": gid("Message", otto_wrote.id)})
    missing = await floor.ask(client, role, query, {"id": gid("Message", 999_999)})

    assert guessed == missing == {"data": {"node": None}}


CREATE_FOR = """mutation($customerId: ID!) {
  createTicket(input: {subject: "Hi", description: "Help", customerId: $customerId}) {
    ticket { id } userErrors { code message field }
  }
}"""
CUSTOMER_NODE = "query($id: ID!) { node(id: $id) { id } }"


async def test_a_customer_guessing_another_customers_id_learns_nothing(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    floor = await build_floor(clock)
    otto, nobody = gid("Customer", floor.otto.id), gid("Customer", 999_999)
    before = await snapshot()

    filed_for_otto = await floor.ask(client, "customer", CREATE_FOR, {"customerId": otto})
    filed_for_nobody = await floor.ask(client, "customer", CREATE_FOR, {"customerId": nobody})
    otto_node = await floor.ask(client, "customer", CUSTOMER_NODE, {"id": otto})
    nobody_node = await floor.ask(client, "customer", CUSTOMER_NODE, {"id": nobody})

    no_such_customer = {"code": "NOT_FOUND", "message": "No such customer.", "field": "customerId"}
    assert filed_for_otto == filed_for_nobody
    assert filed_for_otto == {
        "data": {"createTicket": {"ticket": None, "userErrors": [no_such_customer]}}
    }
    assert otto_node == nobody_node == {"data": {"node": None}}
    assert await snapshot() == before
