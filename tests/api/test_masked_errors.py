"""An unexpected failure is masked for the client and logged under the request id."""

import httpx
import pytest

from domain import ticket_reads
from domain.enums import Role
from tests.factories import gid, token_for


async def test_a_crash_is_masked_logged_and_traceable(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    token = await token_for(Role.ADMIN)

    async def crash(*_: object) -> None:
        raise RuntimeError("secret detail: disk /dev/sda1 failed")

    monkeypatch.setattr(ticket_reads, "visible_ticket", crash)

    response = await client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { ticket(id: $id) { id } }",
            "variables": {"id": gid("Ticket", 1)},
        },
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "trace-me-42"},
    )

    assert response.status_code == 200
    assert response.headers["x-request-id"] == "trace-me-42"
    [error] = response.json()["errors"]
    assert error["message"] == "Internal server error. It has been logged as request trace-me-42."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "trace-me-42"}
    assert "secret" not in response.text
    [record] = [r for r in caplog.records if r.name == "frontdesk.graphql"]
    assert "trace-me-42" in record.getMessage()
    assert record.exc_info is not None and "disk /dev/sda1" in str(record.exc_info[1])
    caplog.clear()  # this test expects its masked error


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.post("/graphql", json={"query": "{ __typename }"})
    second = await client.post("/graphql", json={"query": "{ __typename }"})
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2


async def test_a_strange_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"X-Request-ID": "bad id\twith junk"}
    )
    assert response.headers["x-request-id"] != "bad id\twith junk"
