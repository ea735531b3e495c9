"""The production task path on real Redis: stream broker, acknowledgements, worker.

Receivers are only ever run as `frontdesk worker` processes here: cancelling an
in-process receiver during a blocking XREADGROUP can hang (redis-py swallows
the cancellation, redis/redis-py#2028), and production stops workers by signal.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from domain.ports import SystemClock
from domain.triage_inputs import Intake
from tasks.broker import TaskSettings, build_broker

pytestmark = pytest.mark.redis
BIN = Path(sys.executable).parent


@pytest.fixture
async def stream(redis_url: str) -> AsyncIterator[str]:
    """A queue of this test's own, so parallel runs on one Redis never mix."""
    name = f"frontdesk:test:{uuid.uuid4().hex}"
    yield name
    client = Redis.from_url(redis_url)
    await client.delete(name)
    await client.aclose()


async def _wait_acknowledged(redis_url: str, stream: str, seconds: float = 10) -> None:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        async with asyncio.timeout(seconds):
            while True:
                groups = await client.xinfo_groups(stream)
                if groups and groups[0]["pending"] == 0 and groups[0]["entries-read"]:
                    return
                await asyncio.sleep(0.1)
    finally:
        await client.aclose()


async def test_the_worker_process_consumes_the_queue(
    redis_url: str, stream: str, database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        FRONTDESK_TASK_QUEUE=stream,
        FRONTDESK_LOG_LEVEL="WARNING",
    )
    worker = subprocess.Popen(  # noqa: S603, ASYNC220  (our console script; it runs alongside)
        [str(BIN / "frontdesk"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    broker = build_broker(redis_url, lambda: Intake(SystemClock()), TaskSettings(stream)).broker
    await broker.startup()
    try:
        ping = broker.find_task("frontdesk.ping")
        assert ping is not None
        handles = [await ping.kiq(f"n{n}") for n in range(3)]
        results = [await handle.wait_result(timeout=30) for handle in handles]
        assert [r.return_value for r in results] == ["pong:n0", "pong:n1", "pong:n2"]
        await _wait_acknowledged(redis_url, stream, seconds=30)
        client = Redis.from_url(redis_url, decode_responses=True)
        groups = await client.xinfo_groups(stream)
        await client.aclose()
        assert groups[0]["entries-read"] == 3
        assert worker.poll() is None
    finally:
        await asyncio.wait_for(broker.shutdown(), 10)
        worker.terminate()
        worker.wait(timeout=20)
