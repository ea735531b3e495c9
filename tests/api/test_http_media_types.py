"""application/graphql-response+json, when Accept asks for it (GraphQL-over-HTTP spec).

- a request error (does not parse, validate, or coerce its variables) is a 400 with
  no ``data`` entry; an executed request is a 200 with ``data``, even beside errors;
- application/json keeps answering 200 with ``data: null`` for a request error;
- both the fast POST path and Strawberry's view (GET) negotiate the same way.
"""

from typing import Any

import httpx
import pytest

from tests.api.refusals import open_desk
from tests.factories import ManualClock

GRAPHQL_RESPONSE = "application/graphql-response+json"
NOT_A_FIELD = "{ me { role } nosuchfield }"


def headers(token: str, accept: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": accept}


async def post(client: httpx.AsyncClient, token: str, accept: str, **body: Any) -> httpx.Response:
    return await client.post("/graphql", json=body, headers=headers(token, accept))


async def test_a_query_answers_in_the_media_type_asked_for(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    response = await post(client, desk.customer_token, GRAPHQL_RESPONSE, query="{ me { role } }")
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert response.json() == {"data": {"me": {"role": "CUSTOMER"}}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{ me { role }"}, "Syntax Error: Expected Name, found <EOF>."),
        ({"query": NOT_A_FIELD}, "Cannot query field 'nosuchfield' on type 'Query'."),
        (
            {"query": "query T($id: ID!) { ticket(id: $id) { subject } }", "variables": {}},
            "Variable '$id' has invalid value: Expected a value of non-null type 'ID!' to be"
            " provided.",
        ),
    ],
)
async def test_a_request_error_is_a_400_without_data(
    client: httpx.AsyncClient, clock: ManualClock, body: dict[str, Any], message: str
) -> None:
    desk = await open_desk(clock)
    response = await post(client, desk.customer_token, GRAPHQL_RESPONSE, **body)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    answer = response.json()
    assert "data" not in answer
    assert [e["message"] for e in answer["errors"]] == [message]


async def test_application_json_keeps_200_and_data_null_for_a_request_error(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    for accept in ("application/json", "*/*", GRAPHQL_RESPONSE + ";q=0.5, application/json"):
        response = await post(client, desk.customer_token, accept, query=NOT_A_FIELD)
        assert (response.status_code, response.headers["content-type"]) == (
            200,
            "application/json",
        ), accept
        assert response.json()["data"] is None


async def test_an_executed_request_is_a_200_with_data_even_when_it_is_null(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    desk = await open_desk(clock)
    # teams are not for customers, and the non-null root field makes all of data null
    response = await post(client, desk.customer_token, GRAPHQL_RESPONSE, query="{ teams { name } }")
    assert response.status_code == 200
    answer = response.json()
    assert answer["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in answer["errors"]] == [
        (["teams"], "FORBIDDEN")
    ]


async def test_get_negotiates_as_post_does(client: httpx.AsyncClient, clock: ManualClock) -> None:
    desk = await open_desk(clock)
    accept = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"  # what graphql-http's client sends
    for query, status in (("{ me { role } }", 200), (NOT_A_FIELD, 400)):
        response = await client.get(
            "/graphql", params={"query": query}, headers=headers(desk.customer_token, accept)
        )
        assert (response.status_code, response.headers["content-type"]) == (
            status,
            GRAPHQL_RESPONSE,
        )
        assert ("data" in response.json()) is (status == 200)
