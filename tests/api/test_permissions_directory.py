"""Who may read and manage the directory: the viewer, customers, agents, teams, categories.

Agents, leads and admins read the whole directory; partners read customers and teams
(they must name the customer of a ticket they file); customers read themselves and
the categories. Only admins create agents, teams and categories; availability is
one's own, a lead's team's, or anyone's for an admin. Anonymous attempts are in
``test_permissions_authentication.py``, with every field.
"""

from typing import Any

import httpx
import pytest

from tests.api.support_floor import (
    SIGNED_IN,
    build_floor,
    events_since,
    forbidden,
    only_error,
    snapshot,
)
from tests.factories import ManualClock, gid

ME = "{ me { role name customer { name } agent { name } } }"


@pytest.mark.parametrize(
    ("role", "customer", "agent"),
    [
        ("customer", "ann", None),
        ("agent", None, "ada"),
        ("lead", None, "lee"),
        ("admin", None, None),
        ("partner", None, None),
    ],
)
async def test_me_tells_each_role_who_it_is(
    client: httpx.AsyncClient,
    clock: ManualClock,
    role: str,
    customer: str | None,
    agent: str | None,
) -> None:
    floor = await build_floor(clock)

    body = await floor.ask(client, role, ME)

    assert body == {
        "data": {
            "me": {
                "role": role.upper(),
                "name": f"test {role}",
                "customer": {"name": getattr(floor, customer).name} if customer else None,
                "agent": {"name": getattr(floor, agent).name} if agent else None,
            }
        }
    }


LIST_QUERIES = {
    "agents": "{ agents { edges { node { name } } } }",
    "customers": "{ customers { edges { node { name } } } }",
    "teams": "{ teams { name } }",
    "categories": "{ categories { name } }",
}
AGENTS = ["ada", "tom", "lee", "bea"]
CUSTOMERS = ["ann", "otto"]
TEAMS = ["frontline", "billing"]
CATEGORIES = ["hardware", "invoices"]
NO_AGENTS = "Only agents, leads and admins may list agents."
NO_CUSTOMERS = "Only staff may list customers."
NO_TEAMS = "Only staff and partners may list teams."
LISTS = [
    # field         customer      agent      lead       admin      partner
    ("agents", (NO_AGENTS, AGENTS, AGENTS, AGENTS, NO_AGENTS)),
    ("customers", (NO_CUSTOMERS, CUSTOMERS, CUSTOMERS, CUSTOMERS, CUSTOMERS)),
    ("teams", (NO_TEAMS, TEAMS, TEAMS, TEAMS, TEAMS)),
    ("categories", (CATEGORIES, CATEGORIES, CATEGORIES, CATEGORIES, CATEGORIES)),
]


def _names(value: list[dict[str, Any]] | dict[str, Any]) -> list[str]:
    rows = [edge["node"] for edge in value["edges"]] if isinstance(value, dict) else value
    return [row["name"] for row in rows]


@pytest.mark.parametrize(
    ("field", "role", "outcome"),
    [
        pytest.param(field, role, outcome, id=f"{field}-{role}")
        for field, row in LISTS
        for role, outcome in zip(SIGNED_IN, row, strict=True)
    ],
)
async def test_directory_lists(
    client: httpx.AsyncClient, clock: ManualClock, field: str, role: str, outcome: str | list[str]
) -> None:
    floor = await build_floor(clock)

    body = await floor.ask(client, role, LIST_QUERIES[field])

    if isinstance(outcome, str):
        assert body["data"] is None
        assert only_error(body) == (outcome, [field], {"code": "FORBIDDEN"})
        return
    assert "errors" not in body
    assert _names(body["data"][field]) == [getattr(floor, key).name for key in outcome]


NODE = """query($id: ID!) { node(id: $id) {
  __typename
  ... on Customer { name }
  ... on Agent { name }
  ... on Team { name }
  ... on Category { name }
} }"""
Y, N = True, False
NODE_VISIBILITY = [
    # object            customer agent lead admin partner
    ("Customer", "ann", (Y, Y, Y, Y, Y)),  # a customer sees herself
    ("Customer", "otto", (N, Y, Y, Y, Y)),  # ...and no other customer
    ("Agent", "ada", (N, Y, Y, Y, N)),  # agents: staff only, as the `agents` list
    ("Agent", "bea", (N, Y, Y, Y, N)),  # any team's agent
    ("Team", "billing", (N, Y, Y, Y, Y)),  # teams: staff and partners, as the `teams` list
    ("Category", "hardware", (Y, Y, Y, Y, Y)),  # categories: everyone signed in
]


@pytest.mark.parametrize(
    ("role", "type_name", "key", "seen"),
    [
        pytest.param(role, type_name, key, seen, id=f"{role}-{key}")
        for type_name, key, row in NODE_VISIBILITY
        for role, seen in zip(SIGNED_IN, row, strict=True)
    ],
)
async def test_node_by_directory_id_agrees_with_the_lists(
    client: httpx.AsyncClient,
    clock: ManualClock,
    *,
    role: str,
    type_name: str,
    key: str,
    seen: bool,
) -> None:
    floor = await build_floor(clock)
    target = getattr(floor, key)

    body = await floor.ask(client, role, NODE, {"id": gid(type_name, target.id)})

    expected = {"__typename": type_name, "name": target.name} if seen else None
    assert body == {"data": {"node": expected}}


AVAILABILITY = """mutation($input: SetAgentAvailabilityInput!) {
  setAgentAvailability(input: $input) {
    agent { name isAvailable }
    userErrors { code message field }
  }
}"""
NO_SUCH_AGENT = {"code": "NOT_FOUND", "message": "No such agent.", "field": "agentId"}
NOT_YOURS = forbidden("You may change the availability of yourself only (leads: their team).")


@pytest.mark.parametrize(
    ("role", "agent", "refusal"),
    [
        # role      agent  refused with
        ("customer", "ada", NO_SUCH_AGENT),
        ("agent", "ada", None),  # herself
        ("agent", "tom", NOT_YOURS),  # a teammate
        ("agent", "bea", NOT_YOURS),  # another team's agent
        ("lead", "lee", None),  # himself
        ("lead", "tom", None),  # his team
        ("lead", "bea", NOT_YOURS),  # another team
        ("admin", "bea", None),
        ("partner", "ada", NO_SUCH_AGENT),
    ],
)
async def test_set_agent_availability(
    client: httpx.AsyncClient, clock: ManualClock, role: str, agent: str, refusal: object
) -> None:
    floor = await build_floor(clock)
    target = getattr(floor, agent)
    given = {"agentId": gid("Agent", target.id), "isAvailable": False}
    before = await snapshot()

    body = await floor.ask(client, role, AVAILABILITY, {"input": given})

    payload = body["data"]["setAgentAvailability"]
    if refusal is not None:
        assert payload == {"agent": None, "userErrors": [refusal]}
        assert await snapshot() == before
        return
    assert payload == {"agent": {"name": target.name, "isAvailable": False}, "userErrors": []}
    after = await snapshot()
    changed = [row for row in after["Agent"] if row not in before["Agent"]]
    assert changed == [{**_row(before["Agent"], target.id), "is_available": False}]
    # the change's event, for live workload views (agentWorkload), and nothing else
    assert await events_since(before) == [("agent.availability_changed", role.upper())]
    untouched = {"Agent", "TicketEvent"}
    assert {k: v for k, v in after.items() if k not in untouched} == {
        k: v for k, v in before.items() if k not in untouched
    }


def _row(rows: list[dict[str, Any]], pk: int) -> dict[str, Any]:
    (row,) = [row for row in rows if row["id"] == pk]
    return row


MANAGE = [
    # mutation, payload object, table, input, what only admins may do
    (
        "createAgent",
        "agent",
        "Agent",
        {"name": "Eve", "email": "eve@frontdesk.example", "teamId": "frontline"},
        "manage agents",
    ),
    ("createTeam", "team", "Team", {"name": "Night shift"}, "manage teams"),
    (
        "createCategory",
        "category",
        "Category",
        {"key": "RETURNS", "name": "Returns"},
        "manage categories",
    ),
]


@pytest.mark.parametrize(
    ("role", "mutation", "result", "table", "given", "action"),
    [pytest.param(role, *row, id=f"{row[0]}-{role}") for row in MANAGE for role in SIGNED_IN],
)
async def test_only_admins_manage_the_directory(
    client: httpx.AsyncClient,
    clock: ManualClock,
    *,
    role: str,
    mutation: str,
    result: str,
    table: str,
    given: dict[str, Any],
    action: str,
) -> None:
    floor = await build_floor(clock)
    if "teamId" in given:
        given = {**given, "teamId": gid("Team", floor.frontline.id)}
    operation = f"""mutation($input: {mutation[0].upper()}{mutation[1:]}Input!) {{
      {mutation}(input: $input) {{ {result} {{ name }} userErrors {{ code message field }} }}
    }}"""
    before = await snapshot()

    body = await floor.ask(client, role, operation, {"input": given})

    payload = body["data"][mutation]
    if role != "admin":
        assert payload == {result: None, "userErrors": [forbidden(f"Only admins may {action}.")]}
        assert await snapshot() == before
        return
    assert payload == {result: {"name": given["name"]}, "userErrors": []}
    after = await snapshot()
    added = [row for row in after[table] if row not in before[table]]
    assert [row["name"] for row in added] == [given["name"]]
    assert {k: v for k, v in after.items() if k != table} == {
        k: v for k, v in before.items() if k != table
    }
    assert await events_since(before) == []
