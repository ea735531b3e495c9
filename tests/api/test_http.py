"""GraphQL over HTTP as the spec says: methods, status codes, headers, GraphiQL, health.

- GET runs queries; a mutation over GET is 405 with ``Allow: POST`` and changes nothing;
- other methods are 405 with an Allow header;
- GET with ``Accept: text/html`` and no query serves GraphiQL (when enabled);
- ``/graphql`` is a ``Route`` plus a ``WebSocketRoute`` (not a ``Mount``), and the
  WebSocket speaks graphql-transport-ws in text frames.
"""

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from starlette.routing import Mount, Route, WebSocketRoute

from domain.enums import Role
from gql.app import build_app
from tests.api.conftest import MAX_BODY
from tests.api.refusals import CREATE, TEXT, open_desk, plain, ticket_row
from tests.factories import ManualClock, row_counts, token_for


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


STATUS_MUTATION = """
mutation Resolve($id: ID!) {
  changeTicketStatus(input: {ticketId: $id, status: RESOLVED}) { userErrors { code } }
}"""
MIXED = (
    "query Me { me { role } }\n"
    'mutation Make { createTicket(input: {subject: "s", description: "d"}) { ticket { id } } }'
)


# GET


async def test_a_query_over_get_is_answered(client: httpx.AsyncClient, clock: ManualClock) -> None:
    desk = await open_desk(clock)
    params = {"query": "{ me { role } }"}
    response = await client.get("/graphql", params=params, headers=bearer(desk.customer_token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"me": {"role": "CUSTOMER"}}}


async def test_get_takes_variables_and_an_operation_name(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    params = {
        "query": "query A { me { role } } query T($id: ID!) { ticket(id: $id) { subject } }",
        "variables": json.dumps({"id": desk.ticket_id}),
        "operationName": "T",
    }
    response = await client.get("/graphql", params=params, headers=bearer(desk.customer_token))
    assert response.json() == {"data": {"ticket": {"subject": "Printer on fire"}}}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"query": "{ me { role } }", "variables": "{bad"}, "Unable to parse request body as JSON"),
        ({"query": "{ me { role } }", "variables": "5"}, "Expected a JSON object, not a number."),
        (
            {"query": "{ me { role } }", "variables": "[1]"},
            "The GraphQL operation's `variables` must be an object or null, if provided.",
        ),
        ({"variables": "{}"}, "No GraphQL query found in the request"),
    ],
)
async def test_bad_get_parameters_are_a_400(
    client: httpx.AsyncClient, clock: ManualClock, params: dict[str, str], reason: str
) -> None:
    desk = await open_desk(clock)
    headers = bearer(desk.customer_token, Accept="application/json")
    response = await client.get("/graphql", params=params, headers=headers)
    assert plain(response) == (400, TEXT, reason)


@pytest.mark.parametrize(
    "params",
    [{"query": STATUS_MUTATION}, {"query": STATUS_MUTATION, "operationName": "Resolve"}],
)
async def test_a_mutation_over_get_is_405_and_changes_nothing(
    client: httpx.AsyncClient, clock: ManualClock, params: dict[str, str]
) -> None:
    desk = await open_desk(clock)
    before, row = await row_counts(), await ticket_row(desk.ticket)
    query = {**params, "variables": json.dumps({"id": desk.ticket_id})}
    response = await client.get("/graphql", params=query, headers=bearer(desk.admin_token))
    assert plain(response) == (405, TEXT, "Mutations must be sent with POST.")
    assert response.headers["allow"] == "POST"
    assert (await row_counts(), await ticket_row(desk.ticket)) == (before, row)


async def test_get_picks_the_operation_by_name(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    before = await row_counts()
    headers = bearer(desk.customer_token)
    query = await client.get(
        "/graphql", params={"query": MIXED, "operationName": "Me"}, headers=headers
    )
    assert query.json() == {"data": {"me": {"role": "CUSTOMER"}}}
    mutation = await client.get(
        "/graphql", params={"query": MIXED, "operationName": "Make"}, headers=headers
    )
    assert (mutation.status_code, mutation.headers["allow"]) == (405, "POST")
    unnamed = await client.get("/graphql", params={"query": MIXED}, headers=headers)
    assert unnamed.status_code == 200
    assert unnamed.json()["errors"][0]["message"] == (
        "Must provide operation name if query contains multiple operations."
    )
    assert await row_counts() == before


# Other methods


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_other_methods_are_405_with_allow(
    client: httpx.AsyncClient, clock: ManualClock, method: str
) -> None:
    desk = await open_desk(clock)
    before = await row_counts()
    body = {"query": CREATE, "variables": {"input": {"subject": "s", "description": "d"}}}
    response = await client.request(
        method, "/graphql", json=body, headers=bearer(desk.customer_token)
    )
    assert plain(response) == (405, TEXT, "Method Not Allowed")
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}
    assert await row_counts() == before


async def test_head_is_405_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.head("/graphql", params={"query": "{ __typename }"})
    assert (response.status_code, response.headers["allow"]) == (405, "GET, POST")


# POST


async def test_a_post_answers_json(client: httpx.AsyncClient, clock: ManualClock) -> None:
    desk = await open_desk(clock)
    query = "query($id: ID!) { ticket(id: $id) { subject } }"
    body = {"query": query, "variables": {"id": desk.ticket_id}}
    response = await client.post("/graphql", json=body, headers=bearer(desk.customer_token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": {"ticket": {"subject": "Printer on fire"}}}


async def test_a_declared_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    headers = bearer(desk.customer_token, **{"Content-Type": "application/json"})
    response = await client.post("/graphql", content=b"{" + b" " * MAX_BODY + b"}", headers=headers)
    assert plain(response) == (
        413,
        TEXT,
        f"Request body is larger than the {MAX_BODY:,}-byte limit.",
    )


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("Basic YTpi", "The Authorization header must be 'Bearer <token>'."),
        ("Bearer ", "The Authorization header must be 'Bearer <token>'."),
        ("Bearer not-a-token", "The token is unknown or has been revoked."),
    ],
)
async def test_a_bad_authorization_header_is_401_never_anonymous(
    client: httpx.AsyncClient, authorization: str, message: str
) -> None:
    before = await row_counts()
    body = {"query": CREATE, "variables": {"input": {"subject": "s", "description": "d"}}}
    response = await client.post("/graphql", json=body, headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="frontdesk"'
    assert response.json() == {
        "errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]
    }
    assert await row_counts() == before


# GraphiQL


async def test_a_browser_gets_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>Strawberry GraphiQL</title>" in response.text


async def test_a_browser_with_a_query_gets_the_result(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    headers = bearer(desk.customer_token, Accept="text/html")
    response = await client.get("/graphql", params={"query": "{ me { role } }"}, headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (200, "application/json")


async def test_without_graphiql_a_browser_gets_no_html(db: str, clock: ManualClock) -> None:
    app = build_app(clock=clock, max_body_bytes=MAX_BODY, graphiql=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://frontdesk.test"
    ) as plain_client:
        response = await plain_client.get("/graphql", headers={"Accept": "text/html"})
    assert plain(response) == (404, TEXT, "Not Found")


# Routes, health


def test_graphql_is_a_route_and_a_websocket_route_not_a_mount() -> None:
    app = build_app(clock=ManualClock(), max_body_bytes=MAX_BODY)
    routes = [(type(r), r.path) for r in app.routes if isinstance(r, Route | WebSocketRoute)]
    assert routes == [(Route, "/graphql"), (WebSocketRoute, "/graphql"), (Route, "/healthz")]
    assert not any(isinstance(r, Mount) for r in app.routes)
    graphql = app.routes[0]
    assert isinstance(graphql, Route)
    assert graphql.methods == {"GET", "HEAD", "POST"}


async def test_health_answers_200(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})
    refused = await client.post("/healthz")
    assert refused.status_code == 405


async def test_an_unknown_path_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphiql", json={"query": "{ __typename }"})
    assert plain(response) == (404, TEXT, "Not Found")


# WebSocket


class Socket:
    """A minimal in-process ASGI WebSocket client (httpx speaks only HTTP)."""

    def __init__(self, clock: ManualClock) -> None:
        self.app = build_app(clock=clock, max_body_bytes=MAX_BODY)
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[MutableMapping[str, Any]] = asyncio.Queue()

    def start(self, path: str = "/graphql") -> "asyncio.Task[None]":
        scope = {
            "type": "websocket",
            "asgi": {"version": "3.0"},
            "scheme": "ws",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"frontdesk.test")],
            "subprotocols": ["graphql-transport-ws"],
            "server": ("frontdesk.test", 80),
            "client": ("127.0.0.1", 50000),
        }
        self.inbox.put_nowait({"type": "websocket.connect"})
        return asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))

    async def send(self, message: dict[str, Any]) -> None:
        await self.inbox.put({"type": "websocket.receive", "text": json.dumps(message)})

    async def receive(self) -> dict[str, Any]:
        return dict(await asyncio.wait_for(self.outbox.get(), timeout=5))


async def test_the_websocket_speaks_graphql_transport_ws_in_text_frames(db: str) -> None:
    socket = Socket(ManualClock())
    task = socket.start()
    assert await socket.receive() == {
        "type": "websocket.accept",
        "subprotocol": "graphql-transport-ws",
        "headers": [],
    }
    token = await token_for(Role.ADMIN)
    await socket.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    assert await socket.receive() == {"type": "websocket.send", "text": '{"type":"connection_ack"}'}
    await socket.send({"type": "subscribe", "id": "1", "payload": {"query": "{ __typename }"}})
    next_frame = await socket.receive()
    assert json.loads(next_frame["text"]) == {
        "id": "1",
        "type": "next",
        "payload": {"data": {"__typename": "Query"}},
    }
    assert json.loads((await socket.receive())["text"]) == {"id": "1", "type": "complete"}
    await socket.inbox.put({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(task, timeout=5)


async def test_the_websocket_is_only_at_graphql(db: str) -> None:
    socket = Socket(ManualClock())
    await asyncio.wait_for(socket.start("/graphql/ws"), timeout=5)
    assert await socket.receive() == {"type": "websocket.close", "code": 1000, "reason": ""}
