"""Bad ids, page sizes and cursors, over HTTP: coded errors and userErrors, nothing written.

Ids that are not base64, of the wrong type (a Customer id where a Ticket id is
expected) or outside the key range are INVALID_INPUT naming the field; ids of
rows that do not exist are null in queries and NOT_FOUND in mutations.
"""

import base64

import httpx
import pytest

from tests.api.refusals import (
    ADD_MESSAGE,
    ASSIGN,
    CHANGE_STATUS,
    CREATE,
    TICKET,
    TICKETS,
    field_error,
    open_desk,
    rejected,
    ticket_input,
    ticket_row,
)
from tests.factories import ManualClock, create_ticket, gid, gql


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def invalid(field: str, message: str, path: list[str]) -> dict[str, object]:
    return {"path": path, "message": message, "code": "INVALID_INPUT", "field": field}


NODE = "query($id: ID!) { node(id: $id) { id } }"


# Ids in queries


@pytest.mark.parametrize(
    ("bad_id", "message"),
    [
        ("!!!", "'!!!' is not a valid Frontdesk id."),
        (5, "'5' is not a valid Frontdesk id."),
        ("é", "'é' is not a valid Frontdesk id."),
        ("Ticket:1", "'Ticket:1' is not a valid Frontdesk id."),
        (b64(b"Ticket:0"), "'VGlja2V0OjA=' is not a valid Frontdesk id."),
        (b64(b"Invoice:1"), "'SW52b2ljZTox' is not a valid Frontdesk id."),
        (b64(b"Ticket:99999999999"), "'VGlja2V0Ojk5OTk5OTk5OTk5' is not a valid Frontdesk id."),
        (gid("Customer", 1), "id must be a Ticket id, got a Customer id."),
    ],
)
async def test_a_bad_ticket_id_in_a_query_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock, bad_id: object, message: str
) -> None:
    desk = await open_desk(clock)
    data, error = await field_error(client, TICKET, {"id": bad_id}, desk.customer_token)
    assert data == {"ticket": None}
    assert error == invalid("id", message, ["ticket"])


async def test_unknown_ids_are_null_without_error(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    ticket = await gql(client, TICKET, {"id": gid("Ticket", 999)}, token=desk.customer_token)
    assert ticket == {"data": {"ticket": None}}
    node = await gql(client, NODE, {"id": gid("Agent", 999)}, token=desk.admin_token)
    assert node == {"data": {"node": None}}


async def test_a_malformed_node_id_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    data, error = await field_error(client, NODE, {"id": "abc"}, desk.customer_token)
    assert data == {"node": None}
    assert error == invalid("id", "'abc' is not a valid Frontdesk id.", ["node"])


async def test_a_filter_id_of_the_wrong_type_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    query = "query($c: ID) { tickets(filter: {customerId: $c}) { edges { cursor } } }"
    data, error = await field_error(client, query, {"c": desk.ticket_id}, desk.admin_token)
    assert data is None
    message = "filter.customerId must be a Customer id, got a Ticket id."
    assert error == invalid("filter.customerId", message, ["tickets"])


# Ids in mutations: a userError, nothing written


@pytest.mark.parametrize(
    ("ticket_id", "code", "message"),
    [
        ("not-an-id", "INVALID_INPUT", "'not-an-id' is not a valid Frontdesk id."),
        (gid("Customer", 1), "INVALID_INPUT", "ticketId must be a Ticket id, got a Customer id."),
        (gid("Ticket", 999), "NOT_FOUND", "No such ticket."),
    ],
)
async def test_a_message_to_a_bad_ticket_id_writes_nothing(
    client: httpx.AsyncClient, clock: ManualClock, ticket_id: str, code: str, message: str
) -> None:
    desk = await open_desk(clock)
    variables = {"input": {"ticketId": ticket_id, "content": "Hello?"}}
    error = await rejected(client, ADD_MESSAGE, variables, desk.customer_token)
    assert error == {"code": code, "message": message, "field": "ticketId"}


async def test_a_bad_ticket_id_changes_no_status(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    before = await ticket_row(desk.ticket)
    variables = {"id": gid("Agent", desk.ticket.id), "status": "RESOLVED"}
    error = await rejected(client, CHANGE_STATUS, variables, desk.admin_token)
    message = "ticketId must be a Ticket id, got an Agent id."
    assert error == {"code": "INVALID_INPUT", "message": message, "field": "ticketId"}
    assert await ticket_row(desk.ticket) == before


@pytest.mark.parametrize(
    ("agent_id", "code", "message"),
    [
        ("", "INVALID_INPUT", "'' is not a valid Frontdesk id."),
        (gid("Ticket", 1), "INVALID_INPUT", "agentId must be an Agent id, got a Ticket id."),
        (gid("Agent", 999), "NOT_FOUND", "No such agent."),
    ],
)
async def test_a_bad_agent_id_assigns_nothing(
    client: httpx.AsyncClient, clock: ManualClock, agent_id: str, code: str, message: str
) -> None:
    desk = await open_desk(clock)
    before = await ticket_row(desk.ticket)
    variables = {"id": desk.ticket_id, "agent": agent_id}
    error = await rejected(client, ASSIGN, variables, desk.admin_token)
    assert error == {"code": code, "message": message, "field": "agentId"}
    assert await ticket_row(desk.ticket) == before


@pytest.mark.parametrize(
    ("customer_id", "code", "message"),
    [
        (gid("Ticket", 1), "INVALID_INPUT", "customerId must be a Customer id, got a Ticket id."),
        (gid("Customer", 999), "NOT_FOUND", "No such customer."),
    ],
)
async def test_a_ticket_for_a_bad_customer_id_is_not_created(
    client: httpx.AsyncClient, clock: ManualClock, customer_id: str, code: str, message: str
) -> None:
    desk = await open_desk(clock)
    error = await rejected(client, CREATE, ticket_input(customerId=customer_id), desk.admin_token)
    assert error == {"code": code, "message": message, "field": "customerId"}


# Page sizes

PAGE_SIZE = "first must be between 0 and 100."


@pytest.mark.parametrize("first", [-1, 101, 2**31 - 1])
async def test_a_page_size_out_of_range_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock, first: int
) -> None:
    desk = await open_desk(clock)
    data, error = await field_error(client, TICKETS, {"first": first}, desk.customer_token)
    assert data is None
    assert error == invalid("first", PAGE_SIZE, ["tickets"])


async def test_page_sizes_at_the_bounds_are_served(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    query = "query($n: Int) { tickets(first: $n) { edges { cursor } pageInfo { hasNextPage } } }"
    empty = await gql(client, query, {"n": 0}, token=desk.customer_token)
    assert empty == {"data": {"tickets": {"edges": [], "pageInfo": {"hasNextPage": True}}}}
    full = (await gql(client, query, {"n": 100}, token=desk.customer_token))["data"]["tickets"]
    assert (len(full["edges"]), full["pageInfo"]) == (1, {"hasNextPage": False})


async def test_a_message_page_size_out_of_range_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    query = "query($id: ID!) { ticket(id: $id) { messages(first: 101) { edges { cursor } } } }"
    data, error = await field_error(client, query, {"id": desk.ticket_id}, desk.customer_token)
    assert data == {"ticket": None}  # messages is non-null, so its ticket is nulled
    assert error == invalid("first", PAGE_SIZE, ["ticket", "messages"])


@pytest.mark.parametrize("field", ["agents", "customers"])
async def test_a_directory_page_size_out_of_range_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock, field: str
) -> None:
    desk = await open_desk(clock)
    query = f"{{ {field}(first: 1000) {{ edges {{ cursor }} }} }}"
    data, error = await field_error(client, query, {}, desk.admin_token)
    assert data is None
    assert error == invalid("first", PAGE_SIZE, [field])


# Cursors


BAD_CURSORS = [
    "zzz",
    "é",
    gid("Ticket", 1),
    b64(b"cursor:abc"),
    b64(b"cursor:0"),
    b64(b"cursor:-3"),
    b64(b"cursor:99999999999999999999"),
]
MESSAGES_AFTER = """
query($id: ID!, $after: String) { ticket(id: $id) { messages(after: $after) { edges { cursor } } } }
"""
CUSTOMERS_AFTER = "query($after: String) { customers(after: $after) { edges { cursor } } }"


@pytest.mark.parametrize("cursor", BAD_CURSORS)
async def test_a_foreign_cursor_is_a_coded_error(
    client: httpx.AsyncClient, clock: ManualClock, cursor: str
) -> None:
    desk = await open_desk(clock)
    message = f"{cursor!r} is not a cursor from this API."

    data, error = await field_error(client, TICKETS, {"after": cursor}, desk.customer_token)
    assert (data, error) == (None, invalid("after", message, ["tickets"]))

    variables = {"id": desk.ticket_id, "after": cursor}
    data, error = await field_error(client, MESSAGES_AFTER, variables, desk.customer_token)
    assert (data, error) == ({"ticket": None}, invalid("after", message, ["ticket", "messages"]))

    data, error = await field_error(client, CUSTOMERS_AFTER, {"after": cursor}, desk.admin_token)
    assert (data, error) == (None, invalid("after", message, ["customers"]))


async def test_a_cursor_from_a_page_fetches_the_next(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    await create_ticket(desk.customer, clock, subject="Second")
    query = """
      query($after: String) {
        tickets(first: 1, after: $after) { edges { node { subject } } pageInfo { endCursor } }
      }"""
    first = (await gql(client, query, {}, token=desk.customer_token))["data"]["tickets"]
    after = {"after": first["pageInfo"]["endCursor"]}
    second = (await gql(client, query, after, token=desk.customer_token))["data"]["tickets"]
    subjects = [edge["node"]["subject"] for edge in first["edges"] + second["edges"]]
    assert subjects == ["Second", "Printer on fire"]
