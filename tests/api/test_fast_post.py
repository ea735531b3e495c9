"""The common POST shortcut (gql/fast_post.py) answers exactly as Strawberry's view."""

from typing import Any

import httpx
import pytest

from domain.enums import Role
from gql import fast_post
from tests.factories import ManualClock, create_customer, create_ticket, token_for

QUERIES: list[dict[str, Any]] = [
    {"query": "{ tickets(first: 5) { edges { node { number subject status } } } }"},
    {"query": "query Q($n: Int!) { tickets(first: $n) { pageInfo { hasNextPage } } }",
     "variables": {"n": 1}, "operationName": "Q"},
    {"query": "{ nope }"},
    {"query": "{ tickets(first: 500) { edges { cursor } } }"},
    {"query": "query A { me { role } } query B { categories { key } }"},
    {"query": "subscription { x }"},
]  # fmt: skip


@pytest.mark.parametrize("payload", QUERIES)
async def test_the_shortcut_and_the_view_agree(
    client: httpx.AsyncClient,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    payload: dict[str, Any],
) -> None:
    await create_ticket(await create_customer(), clock)
    headers = {"Authorization": f"Bearer {await token_for(Role.ADMIN)}"}
    taken: list[bool] = []
    real = fast_post.answer

    async def spy(*args: Any) -> Any:
        response = await real(*args)
        taken.append(response is not None)
        return response

    monkeypatch.setattr(fast_post, "answer", spy)

    quick = await client.post("/graphql", json=payload, headers=headers)
    monkeypatch.setattr(fast_post, "answer", lambda *_: _none())
    slow = await client.post("/graphql", json=payload, headers=headers)

    assert (quick.status_code, quick.json()) == (slow.status_code, slow.json())
    assert quick.headers["content-type"] == slow.headers["content-type"]
    subscription = payload["query"].startswith("subscription")
    assert taken == [not subscription]  # subscriptions are always the view's


async def _none() -> None:
    return None
