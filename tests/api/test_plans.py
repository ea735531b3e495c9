"""Planned completion (gql.plans) answers exactly as graphql-core's generic path.

Every query runs twice, with plans and without, and the two bodies must be
identical: data, nulls, errors and key order.
"""

from typing import Any

import httpx
import pytest

from domain import tickets
from domain.enums import Role
from gql.execution import FrontdeskExecutionContext
from tests.factories import (
    ADMIN,
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gid,
    token_for,
)

PAGE = """query Page($first: Int!, $withTeam: Boolean!, $noTags: Boolean!) {
  tickets(first: $first) {
    __typename
    edges { cursor node {
      __typename id number subject status priority createdAt firstResponseAt
      tags @skip(if: $noTags)
      customer { id name tier vip __typename }
      assignee { id name email maxTickets team { name } skills { level category { key } } }
      team @include(if: $withTeam) { id name tier lead { name } }
      category { key name defaultTeam { name } }
      lastMessage { content internal senderType senderName createdAt }
      ...More
      ... on Ticket { reopenCount again: subject }
      messages(first: 2) { edges { node { content } } pageInfo { hasNextPage } }
    } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
fragment More on Ticket { channel resolvedAt closedAt subject }"""

NODE = """query($id: ID!) { node(id: $id) { __typename id ... on Ticket { subject
  customer { name } } } }"""


async def _world(clock: ManualClock) -> dict[str, Any]:
    team = await create_team(name="Frontline")
    billing = await create_category("BILLING", team=team)
    await create_category("OTHER")
    ada = await create_agent(team, skills={billing: 4})
    ann, bob = await create_customer(name="Ann"), await create_customer(name="Bob", vip=True)
    first = await create_ticket(ann, clock, category=billing, assignee=ada)
    await tickets.add_message(ADMIN, first.id, "public", False, clock)
    await tickets.add_message(ADMIN, first.id, "internal", True, clock)
    await create_ticket(bob, clock)  # no team, category, assignee or messages
    await create_ticket(ann, clock, subject="Ünïcödé ✓", category=billing)
    return {"ann": ann, "ada": ada, "ticket": first}


async def _both(
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    token: str,
    query: str,
    variables: dict[str, Any],
) -> tuple[Any, Any]:
    def ask() -> Any:
        return client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "same-for-both"},
        )

    planned = (await ask()).json()
    monkeypatch.setattr(FrontdeskExecutionContext, "use_plans", False)
    generic = (await ask()).json()
    monkeypatch.setattr(FrontdeskExecutionContext, "use_plans", True)
    return planned, generic


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AGENT, Role.CUSTOMER, Role.PARTNER])
@pytest.mark.parametrize(("with_team", "no_tags"), [(True, False), (False, True)])
async def test_a_page_is_the_same_planned_or_not(
    client: httpx.AsyncClient,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    *,
    role: Role,
    with_team: bool,
    no_tags: bool,
) -> None:
    world = await _world(clock)
    token = await token_for(
        role,
        customer=world["ann"] if role == Role.CUSTOMER else None,
        agent=world["ada"] if role == Role.AGENT else None,
    )
    variables = {"first": 10, "withTeam": with_team, "noTags": no_tags}

    planned, generic = await _both(client, monkeypatch, token, PAGE, variables)

    assert "errors" not in planned, planned
    assert planned == generic
    assert list(planned["data"]["tickets"]["edges"][0]["node"]) == list(
        generic["data"]["tickets"]["edges"][0]["node"]
    )


async def test_interfaces_go_the_generic_way_with_the_same_answer(
    client: httpx.AsyncClient, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = await _world(clock)
    token = await token_for(Role.ADMIN)

    planned, generic = await _both(
        client, monkeypatch, token, NODE, {"id": gid("Ticket", world["ticket"].id)}
    )

    assert planned == generic
    assert planned["data"]["node"]["__typename"] == "Ticket"


async def test_a_failing_field_gives_the_same_errors_and_nulls(
    client: httpx.AsyncClient,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A resolver that raises makes the plan give up; the generic path reports it."""
    from gql import ids

    await _world(clock)
    token = await token_for(Role.ADMIN)
    real = ids.encode

    def broken(type_name: str, pk: int) -> str:
        if type_name == "Customer":
            raise RuntimeError("boom")
        return real(type_name, pk)

    monkeypatch.setattr(ids, "encode", broken)
    variables = {"first": 10, "withTeam": True, "noTags": False}

    planned, generic = await _both(client, monkeypatch, token, PAGE, variables)

    assert planned == generic
    assert planned["data"] is None  # a non-null id failed: the null bubbles to the root
    assert [e["path"][-2:] for e in planned["errors"]] == [["customer", "id"]]
    caplog.clear()  # the masked errors are this test's point
