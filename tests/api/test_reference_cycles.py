"""A finished request leaves nothing of the server for the garbage collector.

Whatever a request's execution keeps in a reference cycle is freed only when
the collector runs, and under load each collection stalls every request in the
process; freed by reference counting, it costs nothing. So after a request the
collector must find no object of ours, graphql-core's, Strawberry's or
Starlette's (the test client's own objects are not the server's).
"""

import gc
from collections import Counter

import httpx

from domain.enums import Role
from gql import ids
from tests.factories import (
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gql,
    token_for,
)

CREATE = """mutation Create($input: CreateTicketInput!) {
  createTicket(input: $input) { ticket { id subject } userErrors { code message field } } }"""
PAGE = """{ tickets(first: 10) { edges { cursor node { id subject status tags
  customer { name vip } assignee { name skills { level category { key } } }
  category { key } messages(first: 2) { edges { node { content } } } } }
  pageInfo { hasNextPage endCursor } } }"""
BAD = "{ tickets(first: 10) { edges { node { nope } } } }"
REFUSED = "query Q($team: ID!) { queue(teamId: $team) { position } }"  # fails while running

SERVER_PACKAGES = frozenset(
    ("app", "domain", "gql", "resolvers", "tasks", "graphql", "strawberry", "starlette", "tortoise")
)
"""Not asyncpg: a pool and its connection holders point at each other for the pool's
life, and the migration run's pool may be let go of while this test runs."""


def server_garbage() -> Counter[str]:
    """Collect, and name the server-side objects the collection had to free."""
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what it frees in gc.garbage, to look at
    try:
        gc.collect()
        found = Counter(
            f"{type(o).__module__}.{type(o).__qualname__}"
            for o in gc.garbage
            if type(o).__module__.split(".")[0] in SERVER_PACKAGES
        )
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.collect()  # and now free it
    return found


async def test_reads_writes_and_refusals_leave_no_reference_cycles(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    team = await create_team(name="Frontline")
    billing = await create_category("BILLING", team=team)
    agent = await create_agent(team, skills={billing: 4})
    customer = await create_customer(name="Ann")
    await create_ticket(customer, clock, category=billing, assignee=agent)
    as_customer = await token_for(Role.CUSTOMER, customer=customer)
    admin = await token_for(Role.ADMIN)
    create = {"input": {"subject": "Refund please", "description": "charged twice"}}
    outsider = await token_for(Role.AGENT, agent=await create_agent(await create_team()))
    refused = {"team": ids.encode("Team", team.id)}
    requests = [
        (CREATE, create, as_customer),
        (PAGE, None, admin),
        (BAD, None, admin),
        (REFUSED, refused, outsider),
    ]
    for query, variables, token in requests:  # warm caches before counting
        await gql(client, query, variables, token=token)

    gc.collect()
    gc.disable()
    try:
        for query, variables, token in requests * 6:
            body = await gql(client, query, variables, token=token)
            assert body.get("data") or body.get("errors"), body
        assert server_garbage() == Counter()
    finally:
        gc.enable()
