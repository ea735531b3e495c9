"""Shared by the bad-input tests: a small desk to act on, and one check per refusal shape.

Three kinds of refusal, each with one exact shape:
- the request itself is unusable: HTTP 400/413, a plain-text reason (``plain``);
- the document or its variables are invalid: HTTP 200, ``data: null`` and one
  located error (``invalid_request``);
- the values are wrong for Frontdesk: a ``userErrors`` entry for a mutation
  (``rejected``) or a coded error on a query field (``field_error``).
Every check of a refused write also asserts that no ticket, message or event was written.
"""

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from domain.enums import Role
from domain.models import Customer, Team, Ticket
from tests.factories import (
    ManualClock,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gid,
    gql,
    row_counts,
    token_for,
)

TEXT = "text/plain; charset=utf-8"

CREATE = """
mutation($input: CreateTicketInput!) {
  createTicket(input: $input) {
    ticket { id subject description tags }
    userErrors { code message field }
  }
}"""

ADD_MESSAGE = """
mutation($input: AddMessageInput!) {
  addMessage(input: $input) {
    ticket { id } message { id content } userErrors { code message field }
  }
}"""

CHANGE_STATUS = """
mutation($id: ID!, $status: TicketStatus!) {
  changeTicketStatus(input: {ticketId: $id, status: $status}) {
    ticket { id } userErrors { code message field }
  }
}"""

ASSIGN = """
mutation($id: ID!, $agent: ID!) {
  assignTicket(input: {ticketId: $id, agentId: $agent}) {
    ticket { id } userErrors { code message field }
  }
}"""

UPDATE = """
mutation($input: UpdateTicketInput!) {
  updateTicket(input: $input) {
    ticket { id tags } userErrors { code message field }
  }
}"""

TICKET = "query($id: ID!) { ticket(id: $id) { id } }"
TICKETS = """
query($first: Int, $after: String) { tickets(first: $first, after: $after) { edges { cursor } } }
"""


@dataclass
class Desk:
    team: Team
    customer: Customer
    ticket: Ticket
    ticket_id: str
    customer_token: str
    admin_token: str


async def open_desk(clock: ManualClock) -> Desk:
    """A customer with one open ticket in a team; tokens for them and for an admin."""
    team = await create_team(name="Frontline")
    await create_category("BILLING", team=team)
    customer = await create_customer(name="Ann")
    ticket = await create_ticket(customer, clock, team=team)
    return Desk(
        team=team,
        customer=customer,
        ticket=ticket,
        ticket_id=gid("Ticket", ticket.id),
        customer_token=await token_for(Role.CUSTOMER, customer=customer),
        admin_token=await token_for(Role.ADMIN),
    )


def ticket_input(**fields: Any) -> dict[str, Any]:
    return {"input": {"subject": "Double charge", "description": "Charged twice.", **fields}}


async def ticket_row(ticket: Ticket) -> dict[str, Any]:
    """Every column of the ticket as stored now."""
    rows: list[dict[str, Any]] = await Ticket.filter(id=ticket.id).values()
    return rows[0]


async def rejected(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    """A refused mutation: its one userError, every other payload field null, nothing written."""
    before = await row_counts()
    body = await gql(client, query, variables, token=token)
    assert await row_counts() == before
    assert "errors" not in body, body
    [payload] = body["data"].values()
    [error] = payload.pop("userErrors")
    assert set(payload.values()) == {None}
    return dict(error)


async def invalid_request(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None, token: str
) -> str:
    """A document or variables error: no data at all, one located error, nothing written."""
    before = await row_counts()
    body = await gql(client, query, variables, token=token)
    assert await row_counts() == before
    assert body["data"] is None
    [error] = body["errors"]
    assert set(error) == {"message", "locations"}
    return str(error["message"])


async def field_error(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> tuple[Any, dict[str, Any]]:
    """A DomainError on a query field: (data, {path, message, code, field})."""
    body = await gql(client, query, variables, token=token)
    [error] = body["errors"]
    assert set(error) == {"message", "locations", "path", "extensions"}
    return body["data"], {"path": error["path"], "message": error["message"], **error["extensions"]}


async def post_raw(
    client: httpx.AsyncClient, content: Any, token: str, content_type: str | None
) -> httpx.Response:
    """POST the bytes as they are; assert that whatever came back, nothing was written."""
    headers = {"Authorization": f"Bearer {token}"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    before = await row_counts()
    response = await client.post("/graphql", content=content, headers=headers)
    assert await row_counts() == before
    return response


def plain(response: httpx.Response) -> tuple[int, str, str]:
    return response.status_code, response.headers["content-type"], response.text


def masked_errors(records: list[logging.LogRecord]) -> list[str]:
    """Errors masked as 'Internal server error' (crashes in disguise) logged during a test."""
    return [r.getMessage() for r in records if r.name == "frontdesk.graphql"]
