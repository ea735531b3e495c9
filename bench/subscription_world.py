"""What ``subscriptions.py`` runs against: its database, the API server, the events.

The database is ``frontdesk_bench_live`` on the DATABASE_URL server (or the
embedded bench PostgreSQL), recreated per invocation with ``frontdesk migrate`` and
``seed-demo`` (a few teams, agents, customers and tickets) and dropped at the end.
An event is one row inserted into ``ticket_event`` (the outbox), committed on its
own: the server's relay publishes it as it would any change's event. Its commit
instant is read on ``time.monotonic()``, the clock the subscribers stamp receipts with.
"""

import asyncio
import os
import subprocess
import time
import uuid
from dataclasses import dataclass

import asyncpg
import orjson
from bench_database import BenchDatabase, bench_database, frontdesk_cli, with_database
from redis.asyncio import Redis
from seeding import recreate_database
from servers import free_port, start_server, stop_server, wait_healthy
from workspace import DATA_DIR, FRONTDESK, log

from app.database import credentials

LIVE_DB = "frontdesk_bench_live"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"

# A queue change of the chosen ticket: every subscription the bench opens matches it.
EVENT_SQL = """
INSERT INTO ticket_event (ticket_id, kind, actor_role, data, created_at)
VALUES ($1, 'ticket.status_changed', 'SYSTEM', $2::jsonb, now())
"""

TARGET_SQL = """
SELECT t.id, t.team_id, c.key FROM ticket t JOIN category c ON c.id = t.category_id
WHERE t.team_id IS NOT NULL AND t.customer_id IS NOT NULL ORDER BY t.id LIMIT 1
"""


@dataclass
class World:
    db: BenchDatabase
    url: str
    token: str
    ticket_id: int
    team_id: int
    category_key: str
    redis_url: str | None


async def create_world(bus: str) -> World:
    db = bench_database()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    url = with_database(db.url, LIVE_DB)
    live = BenchDatabase(url=url, env={**db.env, "DATABASE_URL": url}, embedded=db.embedded)
    log(f"recreating {LIVE_DB}: migrate + seed-demo")
    await recreate_database(url)
    frontdesk_cli(live, "migrate")
    frontdesk_cli(live, "seed-demo")
    token = frontdesk_cli(live, "token", "create", "--role", "ADMIN", "--name", "live bench")
    conn = await asyncpg.connect(**credentials(url))
    try:
        row = await conn.fetchrow(TARGET_SQL)
    finally:
        await conn.close()
    assert row is not None, "seed-demo made no ticket with a team and a category"
    redis_url = (os.environ.get("REDIS_URL") or DEFAULT_REDIS) if bus == "redis" else None
    return World(live, url, token.strip(), row["id"], row["team_id"], row["key"], redis_url)


async def drop_world(world: World) -> None:
    admin = await asyncpg.connect(**credentials(with_database(world.url, "postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{LIVE_DB}" WITH (FORCE)')
    finally:
        await admin.close()


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    stream: str | None


def start_api(world: World, name: str) -> Server:
    """One ``frontdesk serve`` process on a fresh event stream of its own."""
    port = free_port()
    env = {**world.db.env, "FRONTDESK_PORT": str(port), "FRONTDESK_LOG_LEVEL": "WARNING"}
    stream = None
    if world.redis_url:
        stream = f"frontdesk:bench-live:{uuid.uuid4().hex[:8]}"
        env |= {"REDIS_URL": world.redis_url, "FRONTDESK_EVENT_STREAM": stream}
        env["FRONTDESK_TASK_QUEUE"] = stream + ":tasks"
    proc = start_server(name, [str(FRONTDESK), "serve"], env)
    wait_healthy(proc, f"http://127.0.0.1:{port}", name, 60)
    return Server(proc, port, stream)


async def stop_api(world: World, server: Server) -> None:
    stop_server(server.proc)
    if world.redis_url and server.stream:
        client = Redis.from_url(world.redis_url)
        try:
            keys = [k async for k in client.scan_iter(match=f"{server.stream}*", count=10_000)]
            for n in range(0, len(keys), 1000):
                await client.delete(*keys[n : n + 1000])
        finally:
            await client.aclose()


def rss_kib(pid: int) -> int:
    """VmRSS of a process, in KiB (from /proc, as the brief of the bench asks)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, in clock ticks)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settle(pid: int, min_s: float = 2.0, limit_s: float = 60.0) -> None:
    """Until the server has been nearly idle (< 10 % of a core) for half a second."""
    started = time.monotonic()
    await asyncio.sleep(min_s)
    while time.monotonic() - started < limit_s:
        before = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - before < 0.05:
            return


class Emitter:
    """Commits one outbox event per call; returns its commit instant (monotonic)."""

    def __init__(self, conn: asyncpg.Connection, ticket_id: int) -> None:
        self.conn = conn
        self.ticket_id = ticket_id

    async def emit(self, seq: int) -> float:
        data = orjson.dumps({"from": "OPEN", "to": "OPEN", "benchSeq": seq}).decode()
        await self.conn.execute(EVENT_SQL, self.ticket_id, data)  # autocommit: one transaction
        return time.monotonic()
