"""The floor for bench/api_read.py: the queue page served by plain asyncpg + orjson.

No GraphQL, no ORM, no authentication: one pooled connection, one SQL statement
(the page of tickets joined to customer, assignee, team and category, and the
newest message through a LATERAL subquery), rows turned into the same JSON
document Frontdesk answers with. It reads the same request body the GraphQL
endpoint gets (``variables.first`` and ``variables.filter.status``) so both
servers receive byte-identical requests.

The last message includes internal notes, as Frontdesk shows them to the ADMIN
token the benchmark uses.

Run by the benchmark as ``uvicorn floor_app:app --app-dir bench`` with
``BENCH_FLOOR_DSN`` set to the bench database.
"""

import base64
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

POOL_SIZE = int(os.environ.get("BENCH_FLOOR_POOL_SIZE", "10"))

_PAGE = """
SELECT t.id, t.number, t.subject, t.status, t.priority, t.created_at, t.tags,
       c.id AS customer_id, c.name AS customer_name, c.tier AS customer_tier,
       a.id AS assignee_id, a.name AS assignee_name,
       tm.id AS team_id, tm.name AS team_name,
       cat.key AS category_key, cat.name AS category_name,
       lm.content AS message_content, lm.created_at AS message_created_at
FROM (SELECT * FROM ticket {where} ORDER BY id DESC LIMIT $1) AS t
JOIN customer AS c ON c.id = t.customer_id
LEFT JOIN agent AS a ON a.id = t.assignee_id
LEFT JOIN team AS tm ON tm.id = t.team_id
LEFT JOIN category AS cat ON cat.id = t.category_id
LEFT JOIN LATERAL (
    SELECT m.content, m.created_at FROM message AS m
    WHERE m.ticket_id = t.id ORDER BY m.id DESC LIMIT 1
) AS lm ON true
ORDER BY t.id DESC
"""
PAGE_ALL = _PAGE.format(where="")
PAGE_BY_STATUS = _PAGE.format(where="WHERE status = $2")


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _node(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": _gid("Ticket", r["id"]),
        "number": r["number"],
        "subject": r["subject"],
        "status": r["status"],
        "priority": r["priority"],
        "createdAt": r["created_at"],
        "tags": r["tags"],
        "customer": {
            "id": _gid("Customer", r["customer_id"]),
            "name": r["customer_name"],
            "tier": r["customer_tier"],
        },
        "assignee": None
        if r["assignee_id"] is None
        else {"id": _gid("Agent", r["assignee_id"]), "name": r["assignee_name"]},
        "team": None
        if r["team_id"] is None
        else {"id": _gid("Team", r["team_id"]), "name": r["team_name"]},
        "category": None
        if r["category_key"] is None
        else {"key": r["category_key"], "name": r["category_name"]},
        "lastMessage": None
        if r["message_created_at"] is None
        else {"content": r["message_content"], "createdAt": r["message_created_at"]},
    }


def page_document(rows: list[asyncpg.Record], first: int) -> dict[str, Any]:
    """The GraphQL response document for ``rows`` (``first + 1`` fetched)."""
    page = rows[:first]
    end_cursor = base64.b64encode(f"cursor:{page[-1]['id']}".encode()).decode() if page else None
    return {
        "data": {
            "tickets": {
                "edges": [{"node": _node(r)} for r in page],
                "pageInfo": {"hasNextPage": len(rows) > first, "endCursor": end_cursor},
            }
        }
    }


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    dsn = os.environ["BENCH_FLOOR_DSN"]
    async with asyncpg.create_pool(
        dsn, min_size=1, max_size=POOL_SIZE, server_settings={"jit": "off"}
    ) as pool:
        app.state.pool = pool
        yield


async def queue(request: Request) -> Response:
    variables = orjson.loads(await request.body()).get("variables") or {}
    first = int(variables.get("first", 20))
    status = (variables.get("filter") or {}).get("status")
    pool: asyncpg.Pool = request.app.state.pool
    if status is None:
        rows = await pool.fetch(PAGE_ALL, first + 1)
    else:
        rows = await pool.fetch(PAGE_BY_STATUS, first + 1, status)
    return Response(orjson.dumps(page_document(rows, first)), media_type="application/json")


async def healthz(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    await pool.fetchval("SELECT 1")
    return Response(b'{"status":"ok"}', media_type="application/json")


app = Starlette(
    routes=[Route("/graphql", queue, methods=["POST"]), Route("/healthz", healthz)],
    lifespan=lifespan,
)
