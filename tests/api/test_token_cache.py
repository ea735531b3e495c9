"""The principal cache: repeated requests skip the token lookup, revocation lands in time."""

import asyncio
from datetime import UTC, datetime

import pytest

from domain import tokens
from domain.enums import Role
from domain.models import ApiToken
from gql.auth import PrincipalCache
from tests.factories import token_for


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token lookup that reaches the database (each takes a moment)."""
    made: list[str] = []
    real = tokens.principal_for

    async def counting(presented: str):  # type: ignore[no-untyped-def]
        made.append(presented)
        await asyncio.sleep(0.01)
        return await real(presented)

    monkeypatch.setattr(tokens, "principal_for", counting)
    return made


async def test_a_cached_principal_is_reused_until_it_expires(db: str, calls: list[str]) -> None:
    token = await token_for(Role.ADMIN)
    seconds = [100.0]
    cache = PrincipalCache(ttl=5, now=lambda: seconds[0])

    first = await cache.principal_for(token)
    second = await cache.principal_for(token)
    assert first == second and first is not None
    assert len(calls) == 1

    await ApiToken.all().update(revoked_at=datetime.now(UTC))
    seconds[0] += 4.9
    assert await cache.principal_for(token) == first  # still within the ttl
    seconds[0] += 0.2
    assert await cache.principal_for(token) is None
    assert len(calls) == 2


async def test_concurrent_lookups_of_one_token_share_one_query(db: str, calls: list[str]) -> None:
    """Thousands of subscriptions on one token re-check it together when it expires."""
    token = await token_for(Role.ADMIN)
    cache = PrincipalCache(ttl=5)
    found = await asyncio.gather(*(cache.principal_for(token) for _ in range(100)))
    assert len(calls) == 1
    assert len({p.token_id for p in found if p is not None}) == 1 and None not in found


async def test_unknown_tokens_are_never_cached(db: str) -> None:
    cache = PrincipalCache(ttl=60)
    assert await cache.principal_for("fd_nope") is None
    assert cache._entries == {}


async def test_ttl_zero_always_asks_the_database(db: str) -> None:
    token = await token_for(Role.ADMIN)
    cache = PrincipalCache(ttl=0)
    assert await cache.principal_for(token) is not None
    await ApiToken.all().update(revoked_at=datetime.now(UTC))
    assert await cache.principal_for(token) is None
