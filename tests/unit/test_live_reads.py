"""Reads shared by live executions handling the same events: one query, not one each."""

import asyncio

import pytest

from resolvers.live_reads import SharedReads


async def test_concurrent_reads_of_one_key_make_one_query() -> None:
    reads, calls = SharedReads(), []

    async def query() -> list[int]:
        calls.append(1)
        await asyncio.sleep(0.01)
        return [1, 2]

    got = await asyncio.gather(*(reads.read(("keys", "9-0"), query) for _ in range(50)))
    assert calls == [1] and all(g == [1, 2] for g in got)
    assert await reads.read(("keys", "10-0"), query) == [1, 2]  # another position reads again
    assert len(calls) == 2


async def test_a_failed_read_is_asked_again_and_old_keys_are_dropped() -> None:
    reads, calls = SharedReads(size=2), []

    async def failing() -> int:
        calls.append("fail")
        raise ConnectionError("database gone")

    with pytest.raises(ConnectionError):
        await reads.read("k", failing)

    async def working() -> int:
        calls.append("ok")
        return 7

    assert await reads.read("k", working) == 7
    await reads.read("a", working)
    await reads.read("b", working)  # "k" is the oldest of three: dropped
    assert await reads.read("k", working) == 7
    assert calls == ["fail", "ok", "ok", "ok", "ok"]


async def test_a_read_older_than_its_age_is_made_again() -> None:
    """A subscription replaying old events must not get what was read back then."""
    reads, calls = SharedReads(max_age=0.05), []

    async def query() -> int:
        calls.append(1)
        return len(calls)

    assert await reads.read("k", query) == 1
    assert await reads.read("k", query) == 1
    await asyncio.sleep(0.08)
    assert await reads.read("k", query) == 2
