"""Without a token nothing is readable or writable; with a bad token nothing even runs.

No header is an anonymous request: every root field answers UNAUTHENTICATED (a
GraphQL error for queries, a userError for mutations). A header that names no live
token is refused at the door with HTTP 401, never downgraded to anonymous.
"""

from typing import Any

import httpx
import pytest

from domain.models import ApiToken
from domain.tokens import digest
from tests.api.support_floor import (
    SIGN_IN,
    SIGNED_OUT,
    UNAUTHENTICATED,
    build_floor,
    only_error,
    snapshot,
)
from tests.factories import ManualClock, gid

NODE = "query($id: ID!) { node(id: $id) { id } }"
TICKET = "query($id: ID!) { ticket(id: $id) { subject } }"
TICKET_MESSAGES = "query($id: ID!) { ticket(id: $id) { messages { edges { node { id } } } } }"

QUERIES = [
    # root field, operation, the whole `data` back (null when the field is non-null)
    pytest.param("me", "{ me { role name } }", None, id="me"),
    pytest.param("node", NODE, {"node": None}, id="node"),
    pytest.param("ticket", TICKET, {"ticket": None}, id="ticket"),
    pytest.param("ticket", TICKET_MESSAGES, {"ticket": None}, id="Ticket.messages"),
    pytest.param("tickets", "{ tickets { edges { node { subject } } } }", None, id="tickets"),
    pytest.param("agents", "{ agents { edges { node { name } } } }", None, id="agents"),
    pytest.param("customers", "{ customers { edges { node { name } } } }", None, id="customers"),
    pytest.param("teams", "{ teams { name } }", None, id="teams"),
    pytest.param("categories", "{ categories { key } }", None, id="categories"),
]


@pytest.mark.parametrize(("field", "query", "data"), QUERIES)
async def test_every_query_field_refuses_an_anonymous_request(
    client: httpx.AsyncClient, clock: ManualClock, field: str, query: str, data: object
) -> None:
    floor = await build_floor(clock)  # the ticket asked for exists: still nothing is shown
    variables = {"id": floor.ticket_id("ann_frontline")} if "$id" in query else None

    body = await floor.ask(client, "anonymous", query, variables)

    assert body["data"] == data
    assert only_error(body) == (SIGN_IN, [field], UNAUTHENTICATED)


MUTATIONS: list[tuple[str, str, dict[str, Any]]] = [
    # mutation, payload object, input ("ann", "ticket", ... name ids filled in from the floor)
    ("createTicket", "ticket", {"subject": "Hi", "description": "Help", "customerId": "ann"}),
    ("addMessage", "ticket", {"ticketId": "ticket", "content": "Hello"}),
    ("changeTicketStatus", "ticket", {"ticketId": "ticket", "status": "CLOSED"}),
    ("assignTicket", "ticket", {"ticketId": "ticket", "agentId": "ada"}),
    ("updateTicket", "ticket", {"ticketId": "ticket", "priority": "URGENT"}),
    ("setAgentAvailability", "agent", {"agentId": "ada", "isAvailable": False}),
    ("createAgent", "agent", {"name": "Eve", "email": "eve@fd.example", "teamId": "frontline"}),
    ("createTeam", "team", {"name": "Night shift"}),
    ("createCategory", "category", {"key": "RETURNS", "name": "Returns"}),
]


def _fill_ids(raw: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    return {
        key: ids.get(value, value) if key.endswith("Id") else value for key, value in raw.items()
    }


@pytest.mark.parametrize(("mutation", "result", "raw_input"), MUTATIONS)
async def test_every_mutation_refuses_an_anonymous_request_and_changes_nothing(
    client: httpx.AsyncClient,
    clock: ManualClock,
    mutation: str,
    result: str,
    raw_input: dict[str, Any],
) -> None:
    floor = await build_floor(clock)
    ids = {
        "ann": gid("Customer", floor.ann.id),
        "ticket": floor.ticket_id("ann_frontline"),
        "ada": floor.agent_id("ada"),
        "frontline": gid("Team", floor.frontline.id),
    }
    input_type = mutation[0].upper() + mutation[1:] + "Input"  # createTeam: CreateTeamInput
    operation = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input) {{
        {result} {{ id }} userErrors {{ code message field }} }} }}"""
    before = await snapshot()

    body = await floor.ask(client, "anonymous", operation, {"input": _fill_ids(raw_input, ids)})

    assert body == {"data": {mutation: {result: None, "userErrors": [SIGNED_OUT]}}}
    assert await snapshot() == before


UNKNOWN = "The token is unknown or has been revoked."
MALFORMED = "The Authorization header must be 'Bearer <token>'."
BAD_HEADERS = [
    pytest.param("Bearer fd_" + "x" * 43, UNKNOWN, id="unknown-token"),
    pytest.param("Bearer not-a-frontdesk-token", UNKNOWN, id="foreign-token"),
    pytest.param("Basic YWRtaW46YWRtaW4=", MALFORMED, id="basic-scheme"),
    pytest.param("Bearer", MALFORMED, id="bearer-without-token"),
    pytest.param("fd_abc", MALFORMED, id="token-without-scheme"),
]
ME = "{ me { role } }"
CLOSE = """mutation($id: ID!) {
  changeTicketStatus(input: {ticketId: $id, status: CLOSED}) { ticket { status } }
}"""


def _assert_refused_at_the_door(response: httpx.Response, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="frontdesk"'
    assert response.json() == {"errors": [{"message": message, "extensions": UNAUTHENTICATED}]}


@pytest.mark.parametrize(("header", "message"), BAD_HEADERS)
async def test_a_query_with_a_bad_authorization_header_is_http_401(
    client: httpx.AsyncClient, clock: ManualClock, header: str, message: str
) -> None:
    await build_floor(clock)

    response = await client.post("/graphql", json={"query": ME}, headers={"Authorization": header})

    _assert_refused_at_the_door(response, message)


@pytest.mark.parametrize(("header", "message"), BAD_HEADERS)
async def test_a_mutation_with_a_bad_authorization_header_is_http_401_and_changes_nothing(
    client: httpx.AsyncClient, clock: ManualClock, header: str, message: str
) -> None:
    floor = await build_floor(clock)
    before = await snapshot()

    response = await client.post(
        "/graphql",
        json={"query": CLOSE, "variables": {"id": floor.ticket_id("ann_frontline")}},
        headers={"Authorization": header},
    )

    _assert_refused_at_the_door(response, message)
    assert await snapshot() == before


@pytest.mark.parametrize("role", ["customer", "agent", "lead", "admin", "partner"])
async def test_a_revoked_token_is_http_401_for_queries_and_mutations(
    client: httpx.AsyncClient, clock: ManualClock, role: str
) -> None:
    floor = await build_floor(clock)
    token = floor.tokens[role]
    assert token is not None
    working = await floor.ask(client, role, ME)
    assert working == {"data": {"me": {"role": role.upper()}}}
    await ApiToken.filter(token_hash=digest(token)).update(revoked_at=clock.now())
    before = await snapshot()
    headers = {"Authorization": f"Bearer {token}"}

    query = await client.post("/graphql", json={"query": ME}, headers=headers)
    mutation = await client.post(
        "/graphql",
        json={"query": CLOSE, "variables": {"id": floor.ticket_id("ann_frontline")}},
        headers=headers,
    )

    _assert_refused_at_the_door(query, UNKNOWN)
    _assert_refused_at_the_door(mutation, UNKNOWN)
    assert await snapshot() == before
