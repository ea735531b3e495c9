"""The production task path on real Redis: stream broker, acknowledgements, worker."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis
from taskiq.api import run_receiver_task

from tasks.broker import build_broker

pytestmark = pytest.mark.redis
STREAM = "frontdesk:tasks"
BIN = Path(sys.executable).parent


@pytest.fixture
async def clean_stream(redis_url: str) -> str:
    client = Redis.from_url(redis_url)
    await client.delete(STREAM)
    await client.aclose()
    return redis_url


async def test_a_kicked_task_runs_on_a_receiver_and_is_acknowledged(clean_stream: str) -> None:
    broker = build_broker(clean_stream)
    done: asyncio.Queue[str] = asyncio.Queue()

    async def remember(value: str) -> None:
        await done.put(value)

    task = broker.register_task(remember, task_name="test.remember")
    await broker.startup()
    receiver = asyncio.create_task(run_receiver_task(broker, run_startup=False))
    try:
        await task.kiq("hello")
        assert await asyncio.wait_for(done.get(), timeout=10) == "hello"
        await _wait_acknowledged(clean_stream)
    finally:
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)
        await broker.shutdown()


async def _wait_acknowledged(redis_url: str, timeout: float = 10) -> None:
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        async with asyncio.timeout(timeout):
            while True:
                groups = await client.xinfo_groups(STREAM)
                if groups and groups[0]["pending"] == 0 and groups[0]["entries-read"]:
                    return
                await asyncio.sleep(0.1)
    finally:
        await client.aclose()


async def test_the_worker_process_consumes_the_queue(clean_stream: str, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=database_url, REDIS_URL=clean_stream, FRONTDESK_LOG_LEVEL="WARNING")
    worker = subprocess.Popen(  # noqa: S603  (our own console script)
        [str(BIN / "frontdesk"), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    broker = build_broker(clean_stream)
    await broker.startup()
    try:
        ping = broker.find_task("frontdesk.ping")
        assert ping is not None
        for n in range(3):
            await ping.kiq(f"n{n}")
        await _wait_acknowledged(clean_stream, timeout=30)
        client = Redis.from_url(clean_stream, decode_responses=True)
        groups = await client.xinfo_groups(STREAM)
        await client.aclose()
        assert groups[0]["entries-read"] == 3
        assert worker.poll() is None
    finally:
        await broker.shutdown()
        worker.terminate()
        worker.wait(timeout=20)
