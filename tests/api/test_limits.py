"""Operational limits: query depth and aliases, duplicate input, a database outage."""

import httpx
import pytest

from domain import tokens
from domain.enums import Role
from domain.models import Agent
from tests.factories import create_category, create_team, gid, gql, token_for


async def test_a_too_deep_query_is_refused_before_it_runs(client: httpx.AsyncClient) -> None:
    token = await token_for(Role.ADMIN)
    deep = "{ categories { defaultTeam { lead { team { lead { team { lead { team { lead "
    deep += "{ team { lead { team { lead { name } } } } } } } } } } } } } }"

    body = await gql(client, deep, token=token)

    assert body["data"] is None
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_too_many_aliases_are_refused(client: httpx.AsyncClient) -> None:
    token = await token_for(Role.ADMIN)
    query = "{ " + " ".join(f"a{n}: categories {{ key }}" for n in range(31)) + " }"

    body = await gql(client, query, token=token)

    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_a_skill_named_twice_is_refused(client: httpx.AsyncClient) -> None:
    team = await create_team()
    await create_category("BILLING", team=team)
    token = await token_for(Role.ADMIN)
    mutation = """mutation($input: CreateAgentInput!) {
      createAgent(input: $input) { agent { id } userErrors { code field } } }"""
    given = {
        "name": "Twice",
        "email": "twice@frontdesk.example",
        "teamId": gid("Team", team.id),
        "skills": [{"categoryKey": "BILLING", "level": 2}, {"categoryKey": "billing", "level": 5}],
    }

    body = await gql(client, mutation, {"input": given}, token=token)

    assert body["data"]["createAgent"] == {
        "agent": None,
        "userErrors": [{"code": "INVALID_INPUT", "field": "skills"}],
    }
    assert await Agent.filter(email="twice@frontdesk.example").count() == 0


async def test_an_unreachable_token_store_is_a_503_not_a_500(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(_: str) -> None:
        raise ConnectionRefusedError("database is down")

    monkeypatch.setattr(tokens, "principal_for", down)

    response = await client.post(
        "/graphql", json={"query": "{ me { role } }"}, headers={"Authorization": "Bearer fd_x"}
    )

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
