"""Bad requests, documents, variables, enum values and body sizes, over HTTP.

A clear error every time, never a 500 (the in-process transport re-raises any
crash, and errors masked as internal are checked for), never a half-written
ticket. The refusal shapes are in ``tests/api/refusals.py``; ids, pages and
cursors are in ``test_bad_input_ids.py``; text content in ``test_bad_input_text.py``.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api.conftest import MAX_BODY
from tests.api.refusals import (
    CHANGE_STATUS,
    CREATE,
    TEXT,
    TICKETS,
    invalid_request,
    open_desk,
    plain,
    post_raw,
    rejected,
    ticket_input,
    ticket_row,
)
from tests.factories import ManualClock, gql, row_counts

JSON = "application/json"
CREATE_JSON = (
    b'{"query": "mutation { createTicket(input: {subject: \\"s\\", description: \\"d\\"})'
    b' { userErrors { code } } }"'
)
"""A JSON request creating a ticket, without its closing brace."""
TOO_LARGE = f"Request body is larger than the {MAX_BODY:,}-byte limit."


# The request itself is unusable: 400 and a plain-text reason


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", CREATE_JSON, CREATE_JSON + b', "x": "\xff"}', b'{"query": "\\ud800"}'],
    ids=["garbage", "empty", "truncated", "invalid-utf8", "lone-surrogate"],
)
async def test_a_body_that_is_not_json_is_a_400(
    client: httpx.AsyncClient, clock: ManualClock, content: bytes
) -> None:
    desk = await open_desk(clock)
    response = await post_raw(client, content, desk.customer_token, JSON)
    assert plain(response) == (400, TEXT, "Unable to parse request body as JSON")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b'"{ me { role } }"', "a string"),
        (b"5", "a number"),
        (b"null", "null"),
        (b"true", "a boolean"),
    ],
)
async def test_json_that_is_not_an_object_is_a_400(
    client: httpx.AsyncClient, clock: ManualClock, content: bytes, kind: str
) -> None:
    desk = await open_desk(clock)
    response = await post_raw(client, content, desk.customer_token, JSON)
    assert plain(response) == (400, TEXT, f"Expected a JSON object, not {kind}.")


async def test_a_batch_is_a_400(client: httpx.AsyncClient, clock: ManualClock) -> None:
    desk = await open_desk(clock)
    response = await post_raw(client, b"[" + CREATE_JSON + b"}]", desk.customer_token, JSON)
    assert plain(response) == (400, TEXT, "Batching is not enabled")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/graphql",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
async def test_a_body_that_is_not_json_by_content_type_is_a_400(
    client: httpx.AsyncClient, clock: ManualClock, content_type: str | None
) -> None:
    desk = await open_desk(clock)
    response = await post_raw(client, CREATE_JSON + b"}", desk.customer_token, content_type)
    assert plain(response) == (400, TEXT, "Unsupported content type")


async def test_json_with_a_charset_is_json(client: httpx.AsyncClient, clock: ManualClock) -> None:
    desk = await open_desk(clock)
    content = b'{"query": "{ me { role } }"}'
    response = await post_raw(client, content, desk.customer_token, f"{JSON}; charset=utf-8")
    assert (response.status_code, response.json()) == (200, {"data": {"me": {"role": "CUSTOMER"}}})


NO_QUERY = "No GraphQL query found in the request"
QUERY_TYPE = "The GraphQL operation's `query` must be a string or null, if provided."
VARIABLES_TYPE = "The GraphQL operation's `variables` must be an object or null, if provided."
EXTENSIONS_TYPE = "The GraphQL operation's `extensions` must be an object or null, if provided."


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, NO_QUERY),
        ({"query": None}, NO_QUERY),
        ({"query": ""}, NO_QUERY),
        ({"variables": ticket_input()}, NO_QUERY),
        ({"query": 5}, QUERY_TYPE),
        ({"query": [CREATE]}, QUERY_TYPE),
        ({"query": CREATE, "variables": "x"}, VARIABLES_TYPE),
        ({"query": CREATE, "variables": [ticket_input()]}, VARIABLES_TYPE),
        ({"query": CREATE, "variables": ticket_input(), "extensions": "x"}, EXTENSIONS_TYPE),
        (
            {"query": CREATE, "variables": ticket_input(), "operationName": "Nope"},
            'Unknown operation named "Nope".',
        ),
        (
            {"query": CREATE, "variables": ticket_input(), "operationName": 5},
            'Unknown operation named "5".',
        ),
    ],
)
async def test_a_malformed_graphql_request_is_a_400(
    client: httpx.AsyncClient, clock: ManualClock, body: dict[str, Any], reason: str
) -> None:
    desk = await open_desk(clock)
    headers = {"Authorization": f"Bearer {desk.customer_token}"}
    before = await row_counts()
    response = await client.post("/graphql", json=body, headers=headers)
    assert await row_counts() == before
    assert plain(response) == (400, TEXT, reason)


# The document is invalid: 200, data null, one located error; nothing runs


def create_literal(fields: str) -> str:
    return f"mutation {{ createTicket(input: {{{fields}}}) {{ userErrors {{ code }} }} }}"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("{ me { role }", "Syntax Error: Expected Name, found <EOF>."),
        ("   ", "Syntax Error: Unexpected <EOF>."),
        (
            "{ me { nope } }",
            "Cannot query field 'nope' on type 'Viewer'. Did you mean 'name' or 'role'?",
        ),
        ("{ me(x: 1) { role } }", "Unknown argument 'x' on field 'Query.me'."),
        (
            "{ tickets(first: 99999999999) { edges { cursor } } }",
            "Int cannot represent non 32-bit signed integer value: 99999999999",
        ),
        (
            "{ " + "me { role } " * 2000 + "}",
            "Syntax Error: Document contains more than 5000 tokens. Parsing aborted.",
        ),
        (
            create_literal('subject: "\\ud800", description: "d"'),
            "Syntax Error: Invalid Unicode escape sequence: '\\ud800'.",
        ),
        (
            create_literal('subject: "s", description: "d", nope: 1'),
            "Expected value of type 'CreateTicketInput' not to include unknown field 'nope', "
            'found: { subject: "s", description: "d", nope: 1 }.',
        ),
        (
            create_literal('subject: "s", description: "d", channel: FAX'),
            "Value 'FAX' does not exist in 'Channel' enum.",
        ),
        (
            create_literal('subject: "s", description: "d", priority: "HIGH"'),
            "Enum 'Priority' cannot represent non-enum value: \"HIGH\". "
            "Did you mean the enum value 'HIGH'?",
        ),
    ],
    ids=[
        "syntax",
        "blank",
        "unknown-field",
        "unknown-argument",
        "int-overflow",
        "too-many-tokens",
        "surrogate-escape",
        "unknown-input-field",
        "unknown-enum-value",
        "enum-as-string",
    ],
)
async def test_an_invalid_document_is_refused_before_running(
    client: httpx.AsyncClient, clock: ManualClock, query: str, message: str
) -> None:
    desk = await open_desk(clock)
    assert await invalid_request(client, query, None, desk.customer_token) == message


async def test_several_mutations_without_an_operation_name_run_none(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    before = await ticket_row(desk.ticket)
    change = 'changeTicketStatus(input: {ticketId: "%s", status: %s}) { userErrors { code } }'
    document = (
        f"mutation Resolve {{ {change % (desk.ticket_id, 'RESOLVED')} }}\n"
        f"mutation Close {{ {change % (desk.ticket_id, 'CLOSED')} }}"
    )
    message = await invalid_request(client, document, None, desk.admin_token)
    assert message == "Must provide operation name if query contains multiple operations."
    assert await ticket_row(desk.ticket) == before


async def test_the_named_operation_of_several_runs(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    response = await client.post(
        "/graphql",
        json={"query": "query A { me { role } } query B { me { name } }", "operationName": "B"},
        headers={"Authorization": f"Bearer {desk.customer_token}"},
    )
    assert response.json() == {"data": {"me": {"name": "test customer"}}}


# Variables of the wrong type: 200, data null, one located error; nothing runs

INPUT = "Variable '$input' has invalid value"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (None, f"{INPUT}: Expected a value of non-null type 'CreateTicketInput!' to be provided."),
        (
            {"input": None},
            f"{INPUT}: Expected value of non-null type 'CreateTicketInput!' not to be None.",
        ),
        (
            ticket_input(subject=5),
            f"{INPUT} at .subject: String cannot represent a non string value: 5",
        ),
        (
            ticket_input(subject=["s"]),
            f"{INPUT} at .subject: String cannot represent a non string value: ['s']",
        ),
        (
            {"input": {"description": "d"}},
            f"{INPUT}: Expected value of type 'CreateTicketInput' "
            "to include required field 'subject', found: {'description': 'd'}.",
        ),
        (
            ticket_input(tags=[1]),
            f"{INPUT} at .tags[0]: String cannot represent a non string value: 1",
        ),
        (
            ticket_input(nope=1),
            f"{INPUT}: Expected value of type 'CreateTicketInput' "
            "not to include unknown field 'nope', "
            "found: {'subject': 'Double charge', 'description': 'Charged twice.', 'nope': 1}.",
        ),
        (
            ticket_input(priority="NOPE"),
            f"{INPUT} at .priority: Value 'NOPE' does not exist in 'Priority' enum.",
        ),
        (
            ticket_input(channel="FAX"),
            f"{INPUT} at .channel: Value 'FAX' does not exist in 'Channel' enum.",
        ),
        (
            ticket_input(channel="email"),
            f"{INPUT} at .channel: Value 'email' does not exist in 'Channel' enum. "
            "Did you mean the enum value 'EMAIL'?",
        ),
    ],
    ids=[
        "missing",
        "null",
        "subject-int",
        "subject-list",
        "subject-missing",
        "tag-int",
        "unknown-field",
        "priority",
        "channel",
        "channel-case",
    ],
)
async def test_wrong_variables_create_nothing(
    client: httpx.AsyncClient, clock: ManualClock, variables: dict[str, Any] | None, message: str
) -> None:
    desk = await open_desk(clock)
    assert await invalid_request(client, CREATE, variables, desk.customer_token) == message


BY_STATUS = "query($s: TicketStatus) { tickets(filter: {status: $s}) { edges { cursor } } }"


@pytest.mark.parametrize(
    ("query", "variables", "message"),
    [
        (
            TICKETS,
            {"first": "10"},
            "Variable '$first' has invalid value: Int cannot represent non-integer value: '10'",
        ),
        (
            TICKETS,
            {"first": 1.5},
            "Variable '$first' has invalid value: Int cannot represent non-integer value: 1.5",
        ),
        (
            TICKETS,
            {"after": 5},
            "Variable '$after' has invalid value: String cannot represent a non string value: 5",
        ),
        (
            BY_STATUS,
            {"s": "closed"},
            "Variable '$s' has invalid value: "
            "Value 'closed' does not exist in 'TicketStatus' enum. "
            "Did you mean the enum value 'CLOSED'?",
        ),
    ],
)
async def test_wrong_query_variables_are_refused(
    client: httpx.AsyncClient,
    clock: ManualClock,
    query: str,
    variables: dict[str, Any],
    message: str,
) -> None:
    desk = await open_desk(clock)
    assert await invalid_request(client, query, variables, desk.customer_token) == message


STATUS = "Variable '$status' has invalid value"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            "open",
            f"{STATUS}: Value 'open' does not exist in 'TicketStatus' enum. "
            "Did you mean the enum value 'OPEN'?",
        ),
        (
            "REOPENED",
            f"{STATUS}: Value 'REOPENED' does not exist in 'TicketStatus' enum. "
            "Did you mean the enum value 'OPEN' or 'RESOLVED'?",
        ),
        (3, f"{STATUS}: Enum 'TicketStatus' cannot represent non-string value: 3."),
        (None, f"{STATUS}: Expected value of non-null type 'TicketStatus!' not to be None."),
    ],
)
async def test_an_invalid_status_changes_nothing(
    client: httpx.AsyncClient, clock: ManualClock, status: object, message: str
) -> None:
    desk = await open_desk(clock)
    before = await ticket_row(desk.ticket)
    variables = {"id": desk.ticket_id, "status": status}
    assert await invalid_request(client, CHANGE_STATUS, variables, desk.admin_token) == message
    assert await ticket_row(desk.ticket) == before


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        (
            "NOPE",
            "Value 'NOPE' does not exist in 'TicketStatus' enum. "
            "Did you mean the enum value 'OPEN'?",
        ),
        (
            '"OPEN"',
            "Enum 'TicketStatus' cannot represent non-enum value: \"OPEN\". "
            "Did you mean the enum value 'OPEN'?",
        ),
    ],
)
async def test_an_invalid_status_literal_changes_nothing(
    client: httpx.AsyncClient, clock: ManualClock, literal: str, message: str
) -> None:
    desk = await open_desk(clock)
    before = await ticket_row(desk.ticket)
    document = (
        f'mutation {{ changeTicketStatus(input: {{ticketId: "{desk.ticket_id}", '
        f"status: {literal}}}) {{ userErrors {{ code }} }} }}"
    )
    assert await invalid_request(client, document, None, desk.admin_token) == message
    assert await ticket_row(desk.ticket) == before


async def test_a_ticket_cannot_leave_closed(client: httpx.AsyncClient, clock: ManualClock) -> None:
    """A valid enum value the state machine refuses is a userError, not an exception."""
    desk = await open_desk(clock)
    closing = {"id": desk.ticket_id, "status": "CLOSED"}
    assert (await gql(client, CHANGE_STATUS, closing, token=desk.admin_token))["data"] == {
        "changeTicketStatus": {"ticket": {"id": desk.ticket_id}, "userErrors": []}
    }
    before = await ticket_row(desk.ticket)
    variables = {"id": desk.ticket_id, "status": "OPEN"}
    error = await rejected(client, CHANGE_STATUS, variables, desk.admin_token)
    assert error["code"] == "INVALID_TRANSITION"
    assert await ticket_row(desk.ticket) == before


# Body size: over the configured limit is 413, whatever it holds


async def test_a_one_megabyte_subject_is_refused_as_too_large(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    body = {"query": CREATE, "variables": ticket_input(subject="x" * 1024 * 1024)}
    headers = {"Authorization": f"Bearer {desk.customer_token}"}
    before = await row_counts()
    response = await client.post("/graphql", json=body, headers=headers)
    assert await row_counts() == before
    assert plain(response) == (413, TEXT, TOO_LARGE)


@pytest.mark.parametrize("field", ["description", "tags"])
async def test_one_megabyte_of_anything_is_refused_as_too_large(
    client: httpx.AsyncClient, clock: ManualClock, field: str
) -> None:
    desk = await open_desk(clock)
    value: object = "x" * 1024 * 1024 if field == "description" else ["vip"] * 200_000
    body = {"query": CREATE, "variables": ticket_input(**{field: value})}
    headers = {"Authorization": f"Bearer {desk.customer_token}"}
    before = await row_counts()
    response = await client.post("/graphql", json=body, headers=headers)
    assert await row_counts() == before
    assert plain(response) == (413, TEXT, TOO_LARGE)


async def test_a_streamed_body_over_the_limit_is_refused(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    """No Content-Length to trust: the limit is enforced while reading."""
    desk = await open_desk(clock)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "' + b" " * (MAX_BODY // 2)
        yield b" " * (MAX_BODY // 2) + b'{ me { role } }"}'

    response = await post_raw(client, chunks(), desk.customer_token, JSON)
    assert "content-length" not in response.request.headers
    assert plain(response) == (413, TEXT, TOO_LARGE)


async def test_a_body_exactly_at_the_limit_is_read(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    content = b'{"query": "{ me { role } }"}'
    padded = content[:-1] + b" " * (MAX_BODY - len(content)) + b"}"
    assert len(padded) == MAX_BODY
    response = await post_raw(client, padded, desk.customer_token, JSON)
    assert (response.status_code, response.json()) == (200, {"data": {"me": {"role": "CUSTOMER"}}})
    over = await post_raw(client, padded + b" ", desk.customer_token, JSON)
    assert plain(over) == (413, TEXT, TOO_LARGE)
