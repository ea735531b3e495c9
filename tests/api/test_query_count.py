"""DataLoaders keep a page's SQL constant: no N+1 however many tickets it holds."""

from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from domain import tickets
from domain.enums import Role
from tests.factories import (
    ADMIN,
    ManualClock,
    create_agent,
    create_category,
    create_customer,
    create_team,
    create_ticket,
    gql,
    token_for,
)

PAGE = """
query Page($first: Int!) {
  tickets(first: $first) {
    edges { node {
      id number subject status priority createdAt tags
      customer { id name tier }
      assignee { id name }
      team { id name }
      category { key name }
      lastMessage { content createdAt }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []


@pytest.fixture
def sql_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[QueryCounter]:
    """Count every statement sent through asyncpg, whatever layer sent it."""
    counter = QueryCounter()
    for name in ("fetch", "fetchrow", "fetchval", "execute", "executemany"):
        original = getattr(asyncpg.connection.Connection, name)

        def make(original: Any) -> Any:
            async def counted(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
                counter.statements.append(query)
                return await original(self, query, *args, **kwargs)

            return counted

        monkeypatch.setattr(asyncpg.connection.Connection, name, make(original))
    yield counter


async def _seed(n: int, clock: ManualClock) -> None:
    """n tickets, each with its own customer, agent, team, category and messages."""
    for i in range(n):
        team = await create_team()
        category = await create_category(f"CAT_{team.id}", team=team)
        agent = await create_agent(team)
        customer = await create_customer()
        ticket = await create_ticket(customer, clock, category=category, assignee=agent)
        await tickets.add_message(ADMIN, ticket.id, f"note {i}", False, clock)


async def _count_page(
    client: httpx.AsyncClient, token: str, sql_log: QueryCounter
) -> tuple[int, int]:
    sql_log.statements.clear()
    body = await gql(client, PAGE, {"first": 50}, token=token)
    assert "errors" not in body, body
    edges = body["data"]["tickets"]["edges"]
    assert all(e["node"]["lastMessage"] is not None for e in edges)
    assert all(e["node"]["assignee"] is not None for e in edges)
    return len(edges), len(sql_log.statements)


async def test_a_50_ticket_page_runs_a_constant_number_of_queries(
    client: httpx.AsyncClient, clock: ManualClock, sql_log: QueryCounter
) -> None:
    token = await token_for(Role.ADMIN)
    await _seed(5, clock)
    small_rows, small_queries = await _count_page(client, token, sql_log)
    await _seed(45, clock)
    rows, queries = await _count_page(client, token, sql_log)

    assert (small_rows, rows) == (5, 50)
    assert queries == small_queries
    # token, tickets, customers, agents, teams, categories, last messages
    assert queries <= 7, "\n".join(s[:90] for s in sql_log.statements)
